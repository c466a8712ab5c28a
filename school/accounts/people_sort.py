"""The people list's sortable columns (issue 12, item 7): name, e-mail, category (by its
label in the page's language) and branch (by its name in that language)."""

from __future__ import annotations

from sqlalchemy import case

from school.accounts.models import Category, User
from school.core.sorting import Sort
from school.i18n_fields import current_lang
from school.orgs.models import Branch

KEYS = ("name", "email", "category", "branch")
DEFAULT = "name"


def parse(value: str | None) -> Sort:
    return Sort.parse(value, KEYS, DEFAULT)


def apply(query, sort: Sort):
    """`query` (people_query) ordered by `sort`, ties broken by name and id."""
    lang = current_lang()
    columns = {"name": [User.full_name], "email": [User.email]}
    if sort.key == "category":
        labels = sorted(Category, key=lambda c: c.label.casefold())
        columns["category"] = [case({c: n for n, c in enumerate(labels)},
                                    value=User.category)]
    if sort.key == "branch":
        query = query.outerjoin(Branch, Branch.id == User.branch_id)
        columns["branch"] = [Branch.name_kk if lang == "kk" else Branch.name_ru]
    return query.order_by(None).order_by(*sort.order_by(columns, User.full_name, User.id))
