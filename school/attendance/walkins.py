"""Walk-ins (issue 22, item 2): an instructor or staff member adds a person on the spot from
the attendance sheet, before or during the event (enrolment windows do not apply).

Within capacity (and the branch's quota) the person simply takes a seat; over it, only
with a reason, kept on the row (`over_capacity_reason`) and counted apart on the roster.
A person not yet known gets a minimal account: the tick box says they agreed on the spot;
like the people a coordinator enters, the account is `consent_pending` (their own consent
is asked at their first sign-in, school/accounts/consent.py) and they are mailed the
invitation to set a password.

The page is the enrolment blueprint's (enrollment.walk_in, school/enrollment/seat_views.py);
these rules reach it through school/enrollment/walkins.py (lent by attendance/receivers.py).
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from school import signals
from school.accounts.models import Role, RoleGrant, User
from school.accounts.services import find_by_email, make_reset_token, normalize_email
from school.audit.services import record
from school.catalog.locking import lock_event
from school.catalog.models import Event, EventStatus
from school.core.text import one_line
from school.dbtypes import utcnow
from school.enrollment import rows
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.enrollment.notify import tell
from school.enrollment.rules import active_enrollment, clean_reason, enrolment_place
from school.enrollment.seats import Seats
from school.errors import DomainError
from school.extensions import db
from school.mail import absolute_url, queue_mail
from school.permissions import can_mark

S = EnrollmentStatus
SEARCH_LIMIT = 10


def searches_by_name(viewer: User) -> bool:
    return viewer.has_role("admin") or viewer.has_role("coordinator")


def search_people(text: str, viewer: User) -> list[User]:
    """Up to ten active people the viewer may look up (three characters at least): staff
    who see people (accounts.people_query: a coordinator their branches') by name or
    e-mail; anyone else, an instructor, only by the person's whole e-mail address, so that
    the sheet is not a directory of everyone's addresses."""
    from school.accounts.services import people_query

    text = one_line(text, 100)
    if len(text) < 3:
        return []
    live = (User.active.is_(True), User.anonymised_at.is_(None))
    if searches_by_name(viewer):
        q = people_query(viewer, search=text).where(*live)
    else:
        q = select(User).where(*live, User.email == normalize_email(text))
    return list(db.session.scalars(
        q.order_by(None).order_by(User.full_name, User.id).limit(SEARCH_LIMIT)))


def new_person(*, full_name: str, email: str, phone: str | None, consent: bool,
               actor: User, locale: str = "ru") -> User:
    """A minimal account for someone who turned up; mailed an invitation."""
    full_name = one_line(full_name, 200)
    if len(full_name) < 3:
        raise DomainError("name_required", _l("Enter the full name."), field="full_name")
    email = normalize_email(email or "")
    if "@" not in email or "." not in email.rsplit("@", 1)[-1]:
        raise DomainError("email_invalid", _l("Enter a valid e-mail address."), field="email")
    if not consent:
        raise DomainError("consent_required",
                          _l("The person must agree to the processing of their data."),
                          field="consent")
    if find_by_email(email) is not None:
        raise DomainError("email_taken",
                          _l("This person already has an account: find them by the search."),
                          field="email")
    user = User(email=email, full_name=full_name,
                phone=one_line(phone, 32) or None,
                locale=locale if locale in ("ru", "kk", "en") else "ru",
                consent_pending=True)
    user.grants.append(RoleGrant(role=Role.trainee, granted_by_id=actor.id))
    db.session.add(user)
    db.session.flush()
    record(actor, "user.walk_in_created", user, consent_on_the_spot=True)
    link = absolute_url("accounts.reset_password",
                        token=make_reset_token(user, purpose="invite"), invite=1)
    queue_mail(user.email, "enrollment_invite", locale=user.locale, user=user, actor=actor,
               link=link)
    return user


def add_walk_in(event: Event, person: User, actor: User, *, reason: str | None = None,
                now: datetime | None = None) -> Enrollment:
    """Seat `person` in `event` now; over capacity only with a reason."""
    now = now or utcnow()
    event = lock_event(event.id)
    if not can_mark(actor, event):
        raise DomainError("forbidden", _l("You cannot add people to this event."), status=403)
    if event.status is not EventStatus.published or event.has_ended(now):
        raise DomainError("event_over", _l("This event is over: nobody can be added."))
    if active_enrollment(event.id, person.id) is not None:
        raise DomainError("already_enrolled",
                          _l("This person is already enrolled in this event."), field="person")
    region_id, union_id, branch_id = enrolment_place(person)
    over = None
    if not Seats.count(event).allows(branch_id):
        if not (reason or "").strip():
            raise DomainError("over_capacity",
                              _l("No seat is free: give a reason to add the person over "
                                 "capacity."), field="reason")
        over = clean_reason(reason)
    enrollment = Enrollment(
        event_id=event.id, user_id=person.id, status=S.confirmed, created_at=now,
        confirmed_at=now, decided_at=now, decided_by_id=actor.id, nominated_by_id=actor.id,
        region_id=region_id, union_id=union_id, branch_id=branch_id,
        primary_org_id=person.primary_org_id, category=person.category,
        walk_in=True, over_capacity_reason=over,
    )
    rows.insert(enrollment, message=_l("This person is already enrolled in this event."),
                field="person")
    record(actor, "enrollment.walk_in", enrollment, event_id=event.id, user_id=person.id,
           over_capacity=over)
    signals.enrollment_confirmed.send(enrollment=enrollment)
    tell(enrollment, "confirmed", nominated=True)
    return enrollment
