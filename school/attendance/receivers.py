"""What the attendance feature lends the features below it, which may not import it: the
catalogue's refusal to remove a session that has marks (school/catalog/hooks.py) and the
walk-in page's rules (school/enrollment/walkins.py). Imported by the attendance blueprint
(views.py), hence active wherever the app is: pages, commands, workers and tests.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from school.attendance import walkins
from school.attendance.models import AttendanceMark
from school.catalog import hooks
from school.catalog.models import EventSession
from school.enrollment import walkins as walkin_page
from school.errors import DomainError
from school.extensions import db

for _rule in (walkins.searches_by_name, walkins.search_people, walkins.new_person,
              walkins.add_walk_in):
    walkin_page.lend(_rule)


@hooks.refuses("remove_session")
def _marked(session: EventSession) -> None:
    marked = db.session.scalar(
        select(exists().where(AttendanceMark.session_id == session.id)))
    if marked:
        raise DomainError("session_has_attendance",
                          _l("Attendance has been marked for this session: it cannot be removed."))
