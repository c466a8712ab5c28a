"""Every change is told: schedule, venue and link changes, receipts, tomorrow's reminders.

The catalogue sends its domain signals (school/signals.py) from inside its transactions;
the receivers here only note what happened. The letters are composed when the outermost
transaction is about to COMMIT (`before_commit`), so that a form that saves several
sessions at once (or an event and its sessions) sends each participant ONE letter naming
every change, with the old and the new time; and they leave only after that COMMIT,
through the enrolment's own mail queue (school/mail.py), which drops them on
ROLLBACK.

What the event was before the change is taken by `before_flush` the first time the
transaction writes to the event or one of its sessions: the attribute history still holds
the values read from the database then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import event as sa_event
from sqlalchemy import inspect, select
from sqlalchemy.orm import joinedload

from school import signals
from school.catalog.models import ApprovalMode, Event, EventSession, EventStatus
from school.dbtypes import utcnow
from school.enrollment.models import Enrollment
from school.enrollment.models import EnrollmentStatus as S
from school.enrollment.notify import tell
from school.enrollment.rules import enrolment_place
from school.extensions import db, write_transaction
from school.mail import absolute_url, queue_mail
from school.timeutil import to_local

_BEFORE = "notices_before"  # event id -> Snapshot, as the database had it
_CHANGED = "notices_changed"  # event ids whose `event_changed` was signalled
_PLACE = ("venue_ru", "venue_kk", "city_ru", "city_kk")


@dataclass
class Snapshot:
    """What a participant is told about: where, the link, and when each session is."""

    venue: tuple = ()
    link: str | None = None
    sessions: dict[int, tuple[datetime, datetime]] = field(default_factory=dict)


@dataclass
class Changes:
    added: list[tuple[datetime, datetime]] = field(default_factory=list)
    moved: list[tuple[tuple[datetime, datetime], tuple[datetime, datetime]]] = field(
        default_factory=list)
    removed: list[tuple[datetime, datetime]] = field(default_factory=list)
    venue: tuple | None = None  # ((old ru, old kk), (new ru, new kk)) as display strings
    link: tuple | None = None  # (old, new)

    @property
    def schedule_or_place(self) -> bool:
        return bool(self.added or self.moved or self.removed or self.venue)

    def __bool__(self) -> bool:
        return self.schedule_or_place or self.link is not None


# --- the state before ------------------------------------------------------------------


def _old(obj, name: str):
    """An attribute's value as loaded from the database (before this flush's changes)."""
    history = inspect(obj).attrs[name].history
    if history.deleted:
        return history.deleted[0]
    return getattr(obj, name)


def _place(*parts: str | None) -> tuple:
    """(venue in Russian, in Kazakh, city in Russian, in Kazakh)."""
    return tuple(p or "" for p in parts)


def _snapshot_before(event: Event) -> Snapshot:
    history = inspect(event).attrs.sessions.history
    if not (history.added or history.unchanged or history.deleted):
        event.sessions  # noqa: B018  (load the collection: nothing changed in it yet)
        history = inspect(event).attrs.sessions.history
    old_sessions = [*history.unchanged, *history.deleted]
    return Snapshot(
        venue=_place(*(_old(event, name) for name in _PLACE)),
        link=_old(event, "online_link"),
        sessions={s.id: (_old(s, "starts_at"), _old(s, "ends_at"))
                  for s in old_sessions if s.id is not None},
    )


def _snapshot_now(event: Event) -> Snapshot:
    return Snapshot(
        venue=_place(*(getattr(event, name) for name in _PLACE)),
        link=event.online_link,
        sessions={s.id: (s.starts_at, s.ends_at) for s in event.sessions},
    )


@sa_event.listens_for(db.session, "before_flush")
def _remember_before(session, _flush_context, _instances) -> None:
    touched = [obj for obj in (*session.dirty, *session.deleted, *session.new)
               if isinstance(obj, (Event, EventSession))]
    if not touched:
        return
    before = session.info.setdefault(_BEFORE, {})
    with session.no_autoflush:  # loading what is missing must not flush inside the flush
        for obj in touched:
            ev = obj
            if isinstance(obj, EventSession):
                ev = obj.event
                if ev is None and obj.event_id is not None:
                    ev = session.get(Event, obj.event_id)
                if ev is None:
                    continue
            if ev.id is None or ev.id in before or inspect(ev).pending:
                continue
            before[ev.id] = _snapshot_before(ev)


# --- what the signals note ---------------------------------------------------------------


@signals.event_changed.connect
def _on_event_changed(_sender=None, *, event: Event, what: str = "", **_kw) -> None:
    db.session().info.setdefault(_CHANGED, set()).add(event.id)


@signals.enrollment_pending.connect
def _on_pending(_sender=None, *, enrollment: Enrollment, **_kw) -> None:
    """The applicant's receipt: the request is in, and who decides on it."""
    from school.enrollment import twostep

    user = enrollment.user
    queue_mail(user.email, "notice_request_received", locale=user.locale,
               user=user, event=enrollment.event, approver=approver_of(enrollment),
               then_centre=enrollment.approval_step == twostep.BRANCH_STEP,
               my_link=absolute_url("enrollment.my"))


def approver_of(enrollment: Enrollment):
    """The branch whose coordinators decide on this request now, or None: the organisers
    (the training centre) decide. Mirrors services.can_decide and twostep.can_decide_step."""
    from school.enrollment import twostep

    step = enrollment.approval_step
    if step == twostep.CENTRE_STEP or enrollment.branch is None:
        return None
    if step == twostep.BRANCH_STEP or enrollment.event.approval_mode is ApprovalMode.branch:
        return enrollment.branch
    return None


def request_approver(event: Event, enrollment: Enrollment | None, user):
    """The branch that will decide on `user`'s request for `event` (theirs or the one about
    to be made), or None: the organisers."""
    if enrollment is not None:
        return approver_of(enrollment)
    from school.enrollment import twostep

    by_branch = event.approval_mode is ApprovalMode.branch or twostep.applies(event)
    if not by_branch or not getattr(user, "is_authenticated", False):
        return None
    from school.orgs.models import Branch

    branch_id = enrolment_place(user)[2]
    return db.session.get(Branch, branch_id) if branch_id is not None else None


# --- composing, just before the outermost COMMIT --------------------------------------------


@sa_event.listens_for(db.session, "before_commit")
def _compose(session) -> None:
    if session.in_nested_transaction():
        return
    changed = session.info.pop(_CHANGED, set())
    before = session.info.get(_BEFORE, {})
    for event_id in sorted(changed):
        if event_id in before:
            _tell_event_change(event_id, before[event_id])


@sa_event.listens_for(db.session, "after_transaction_end")
def _forget(session, transaction) -> None:
    if transaction.parent is None:
        for key in (_BEFORE, _CHANGED):
            session.info.pop(key, None)


def diff(old: Snapshot, new: Snapshot) -> Changes:
    changes = Changes()
    for sid, span in new.sessions.items():
        if sid not in old.sessions:
            changes.added.append(span)
        elif old.sessions[sid] != span:
            changes.moved.append((old.sessions[sid], span))
    changes.removed = [span for sid, span in old.sessions.items() if sid not in new.sessions]
    for items in (changes.added, changes.removed):
        items.sort()
    changes.moved.sort(key=lambda pair: pair[1])
    if old.venue != new.venue:
        changes.venue = (_venue_text(old.venue), _venue_text(new.venue))
    if old.link != new.link:
        changes.link = (old.link, new.link)
    return changes


def _venue_text(place: tuple) -> tuple[str, str]:
    """(in Russian, in Kazakh): the city, then the venue, in that language if given."""
    venue_ru, venue_kk, city_ru, city_kk = place
    return (", ".join(p for p in (city_ru or city_kk, venue_ru or venue_kk) if p),
            ", ".join(p for p in (city_kk or city_ru, venue_kk or venue_ru) if p))


def _tell_event_change(event_id: int, old: Snapshot) -> None:
    event = db.session.get(Event, event_id)
    if event is None or event.status is not EventStatus.published:
        return  # a draft has no participants; a cancelled event has told them already
    changes = diff(old, _snapshot_now(event))
    if not changes:
        return  # a topic, the capacity, the hours: nothing a participant must act on
    rows = db.session.scalars(
        select(Enrollment)
        .where(Enrollment.event_id == event_id,
               Enrollment.status.in_((S.confirmed, S.waitlisted)))
        .options(joinedload(Enrollment.user))
        .order_by(Enrollment.id)
    )
    sessions = sorted(event.sessions, key=lambda s: s.starts_at)
    event_link = absolute_url("catalog.event", event_id=event.id)
    for enrollment in rows:
        confirmed = enrollment.status is S.confirmed
        # The waiting list does not see the online link: a new link alone is not news there.
        if not confirmed and not changes.schedule_or_place:
            continue
        user = enrollment.user
        lang = 1 if user.locale == "kk" else 0
        venue = (changes.venue[0][lang], changes.venue[1][lang]) if changes.venue else None
        queue_mail(user.email, "notice_event_changed", locale=user.locale,
                   user=user, event=event, changes=changes, venue=venue, sessions=sessions,
                   confirmed=confirmed, event_link=event_link,
                   my_link=absolute_url("enrollment.my"))


# --- the calendar file of a reminder -----------------------------------------------------


def calendar_attachment(event: Event, locale: str | None) -> tuple[str, str, str]:
    """(file name, text, MIME type): the event's sessions as iCalendar, in the person's
    language, with the online link (reminders go to confirmed participants only)."""
    from flask import current_app, has_request_context
    from flask_babel import force_locale

    from school.catalog.ical import event_ics

    locale = locale if locale in ("ru", "kk", "en") else "ru"
    with force_locale(locale):
        if has_request_context():
            data = event_ics(event, with_link=True)
        else:  # the CLI or a queue worker: URLs are built against BASE_URL
            with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
                data = event_ics(event, with_link=True)
    return f"event-{event.id}.ics", data.decode("utf-8"), "text/calendar"


# --- reminders ---------------------------------------------------------------------------


def send_reminders(*, now: datetime | None = None, batch: int = 200) -> int:
    """Remind confirmed people of events that start tomorrow (Kazakhstan time). Each
    reminder is marked sent in the same transaction as its letter, so hourly runs (even
    overlapping ones) send it once. Commits per batch; returns how many were sent."""
    now = now or utcnow()
    tomorrow = to_local(now).date() + timedelta(days=1)
    sent = 0
    while True:
        with write_transaction():
            rows = list(db.session.scalars(
                select(Enrollment)
                .join(Event, Event.id == Enrollment.event_id)
                .where(
                    Event.status == EventStatus.published,
                    Event.starts_on == tomorrow,
                    Enrollment.status == S.confirmed,
                    Enrollment.reminder_sent_at.is_(None),
                )
                .order_by(Enrollment.id)
                .limit(batch)
                .with_for_update(of=Enrollment, skip_locked=True)
            ))
            for enrollment in rows:
                enrollment.reminder_sent_at = now
                tell(enrollment, "reminder",
                     sessions=[s for s in enrollment.event.sessions
                               if to_local(s.starts_at).date() >= tomorrow],
                     attachments=[calendar_attachment(enrollment.event,
                                                      enrollment.user.locale)])
        sent += len(rows)
        if len(rows) < batch:
            return sent
