"""A person's profile as they fill it in (`Profile`) and its rules: name, IIN, phone,
category and the organisation chain (region, union, branch, primary organisation).
Registration and profile changes (school/accounts/services.py) use `validate_profile`."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from school.accounts.models import Category, User
from school.core import iin as iin_rules
from school.core.text import one_line
from school.errors import DomainError, Problems
from school.extensions import db
from school.orgs.models import Branch, PrimaryOrganization, Region, SectoralUnion


@dataclass
class Profile:
    """The fields a person fills in about themselves."""

    full_name: str
    phone: str | None = None
    iin: str | None = None
    region_id: int | None = None
    union_id: int | None = None
    branch_id: int | None = None
    primary_org_id: int | None = None
    category: str | None = None
    position: str | None = None  # in Russian
    workplace: str | None = None  # in Russian
    position_kk: str | None = None
    workplace_kk: str | None = None


def _clean_text(value: str | None, limit: int) -> str | None:
    # NUL and other control characters have no place in a name or a workplace.
    return one_line(value, limit) or None


def _check_name(raw: str | None) -> str:
    full_name = _clean_text(raw, 200)
    if not full_name or len(full_name) < 3:
        raise DomainError("name_required", _l("Enter your full name."), field="full_name")
    return full_name


def _check_iin(raw: str | None, user: User | None) -> str | None:
    iin = iin_rules.normalize(raw) or None
    if iin is None:
        return None
    if not iin_rules.is_valid(iin):
        raise DomainError(
            "iin_invalid",
            _l("This IIN is not valid: it must have 12 digits and a correct check digit."),
            field="iin",
        )
    # Whether another account holds it is not answered here (school/accounts/iin_claims.py).
    return iin


def _check_phone(raw: str | None) -> str | None:
    phone = _clean_text(raw, 32)
    if phone:
        digits = "".join(c for c in phone if c.isdigit())
        if not 10 <= len(digits) <= 15 or any(c not in "+0123456789 ()-" for c in phone):
            raise DomainError("phone_invalid", _l("Enter a valid phone number."), field="phone")
    return phone


def _check_category(raw: str | None) -> Category | None:
    if not raw:
        return None
    try:
        return Category(raw)
    except ValueError:
        raise DomainError(
            "category_invalid", _l("Choose a category from the list."), field="category"
        ) from None


def _check_organisation(profile: Profile):
    """(region, union, branch, organisation), consistent with each other."""
    region = db.session.get(Region, profile.region_id) if profile.region_id else None
    if profile.region_id and region is None:
        raise DomainError("region_invalid", _l("Choose a region from the list."), field="region_id")
    union = db.session.get(SectoralUnion, profile.union_id) if profile.union_id else None
    if profile.union_id and union is None:
        raise DomainError("union_invalid", _l("Choose a sectoral union from the list."),
                          field="union_id")
    branch = db.session.get(Branch, profile.branch_id) if profile.branch_id else None
    if profile.branch_id and branch is None:
        raise DomainError("branch_invalid", _l("Choose a branch from the list."), field="branch_id")
    org = (db.session.get(PrimaryOrganization, profile.primary_org_id)
           if profile.primary_org_id else None)
    if profile.primary_org_id and org is None:
        raise DomainError("org_invalid", _l("Choose an organisation from the list."),
                          field="primary_org_id")

    # The branch decides the union and region; an organisation decides its branch.
    if org is not None:
        if branch is not None and org.branch_id != branch.id:
            raise DomainError("org_not_in_branch",
                              _l("This organisation belongs to another branch."),
                              field="primary_org_id")
        branch = org.branch
    if branch is not None:
        if union is not None and branch.union_id != union.id:
            raise DomainError("branch_not_in_union",
                              _l("This branch belongs to another sectoral union."),
                              field="branch_id")
        if region is not None and branch.region_id != region.id:
            raise DomainError("branch_not_in_region",
                              _l("This branch is in another region."), field="branch_id")
        union, region = branch.union, branch.region
    return region, union, branch, org


def validate_profile(profile: Profile, user: User | None,
                      problems: Problems | None = None) -> dict:
    """The cleaned profile. Every independent rule is checked before anything is refused,
    so a form shows all its problems at once (DomainErrors)."""
    own = problems is None
    problems = problems or Problems()
    full_name = problems.value(_check_name, profile.full_name)
    iin = problems.value(_check_iin, profile.iin, user)
    phone = problems.value(_check_phone, profile.phone)
    category = problems.value(_check_category, profile.category)
    region, union, branch, org = problems.value(_check_organisation, profile) or (None,) * 4
    if own:
        problems.raise_any()

    return {
        "full_name": full_name,
        "phone": phone,
        "iin": iin,
        "category": category,
        "position_ru": _clean_text(profile.position, 200),
        "position_kk": _clean_text(profile.position_kk, 200),
        "workplace_ru": _clean_text(profile.workplace, 300),
        "workplace_kk": _clean_text(profile.workplace_kk, 300),
        "region_id": region.id if region else None,
        "union_id": union.id if union else None,
        "branch_id": branch.id if branch else None,
        "primary_org_id": org.id if org else None,
    }
