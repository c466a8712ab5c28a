"""The catalogue's part of the home page: the next public events, for visitors who have not
signed in yet (issue 12, item 6)."""

from __future__ import annotations

from school.catalog import browsing
from school.catalog.views import bp
from school.extensions import db

NEXT_EVENTS = 6


@bp.app_template_global()
def next_events(limit: int = NEXT_EVENTS) -> list:
    """The soonest published events that have not ended, with their programmes and regions."""
    query = browsing.catalogue_query(browsing.CatalogueFilters()).limit(limit)
    return list(db.session.scalars(query).unique())
