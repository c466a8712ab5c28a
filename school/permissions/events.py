"""Who may do what with one event: manage it, teach it, mark its sheet, complete it, see it
as a draft, see its online link and materials.

Each rule is written once here and registered under a name (`named.py`): views load the
event through `loaders.load_event(id, need=<name>)`, templates ask `can(<name>, event)`.
"""

from __future__ import annotations

from sqlalchemy import exists, inspect, select

from school.permissions.named import named, signed_in
from school.permissions.scope import coordinator_scope


@named("manage")
def manages_event(user, event) -> bool:
    """Admins manage every event; a coordinator the events organised by their union or
    branch (a union's coordinator also those of the union's branches). Training-centre
    events (no organiser union or branch) are the admins' alone."""
    if not signed_in(user):
        return False
    if user.has_role("admin"):
        return True
    unions, branches = coordinator_scope(user)
    if not unions and not branches:
        return False
    if event.organizer_union_id is not None and event.organizer_union_id in unions:
        return True
    if event.organizer_branch_id is not None:
        if event.organizer_branch_id in branches:
            return True
        if unions and event.organizer_branch.union_id in unions:
            return True
    return False


@named("teach")
def teaches(user, event) -> bool:
    """The person is one of the event's instructors."""
    if not signed_in(user):
        return False
    from school.catalog.models import event_instructor
    from school.extensions import db

    if "instructors" not in inspect(event).unloaded:  # loaded with the event: no query
        return any(i.id == user.id for i in event.instructors)
    return db.session.scalar(
        select(event_instructor.c.user_id).where(
            event_instructor.c.event_id == event.id, event_instructor.c.user_id == user.id
        )
    ) is not None


@named("see_results")
def sees_results(user, event) -> bool:
    """An event's evaluation results: its managers, and its instructors while they hold the
    instructor role (the query twin is school.evaluation.results.event_scope)."""
    if not signed_in(user):
        return False
    return manages_event(user, event) or (user.has_role("instructor") and teaches(user, event))


@named("see_all_participants")
def sees_all_participants(user, event) -> bool:
    """Everyone enrolled in the event, whatever their branch: admins and the coordinators who
    organise it. One rule for the roster, its exports and the attendance sheet; any other
    coordinator sees only the people of their own branches."""
    return manages_event(user, event)


@named("see_backstage")
def sees_backstage(user, event) -> bool:
    """Managers and the event's instructors: they see drafts, the link, the materials and
    the event's management page."""
    return manages_event(user, event) or teaches(user, event)


@named("see")
def sees_event(user, event) -> bool:
    """A published, completed or cancelled event is everyone's; a draft only its managers'
    and instructors' (they prepare it). Everyone else is told it does not exist (404).

    One rule for the catalogue, the enrolment pages and the API's webhooks (before issue
    14 the enrolment pages hid drafts from instructors and the webhooks from everyone but
    the managers)."""
    return not event.is_draft or sees_backstage(user, event)


@named("take_part")
def takes_part(user, event, mine=...) -> bool:
    """The person holds a participant's enrolment (confirmed or completed) in the event.
    `mine`: their active enrolment of the event (or None) when the caller has it loaded."""
    if not signed_in(user):
        return False
    if mine is not ...:
        return mine is not None and mine.status.is_participant
    from school.enrollment.models import PARTICIPANT_STATUSES, Enrollment
    from school.extensions import db

    return bool(db.session.scalar(select(exists().where(
        Enrollment.event_id == event.id,
        Enrollment.user_id == user.id,
        Enrollment.status.in_(PARTICIPANT_STATUSES),
    ))))


@named("see_link")
def sees_link(user, obj, backstage: bool | None = None) -> bool:
    """The online link: the event's participants (confirmed or completed, the enrolment
    model's PARTICIPANT_STATUSES) and its staff (`sees_backstage`).

    `obj` is an event, or one of the person's own enrolments (then the answer is read from
    the loaded row: /my asks it for every card without a query). `backstage`: the
    caller's `sees_backstage` when it has it already."""
    from school.enrollment.models import Enrollment

    if isinstance(obj, Enrollment):
        return (bool(obj.event.online_link) and signed_in(user)
                and obj.user_id == user.id and obj.status.is_participant)
    if not obj.online_link:
        return False
    if backstage is None:
        backstage = sees_backstage(user, obj)
    return backstage or takes_part(user, obj)


@named("mark")
def can_mark(user, event) -> bool:
    """The attendance sheet (and walk-ins): the event's instructors, admins and its
    managing coordinators."""
    if not signed_in(user):
        return False
    return teaches(user, event) or sees_all_participants(user, event)


@named("edit_marks")
def edits_marks(user, event) -> bool:
    """Whether the sheet of an event its reader may mark can still be changed: while the
    event runs, and after completion only by admins (a correction re-evaluates who
    completed)."""
    from school.catalog.models import EventStatus

    if event.status is EventStatus.published:
        return True
    return event.status is EventStatus.completed and signed_in(user) and user.is_admin


@named("complete")
def can_complete(user, event) -> bool:
    """Completion decides certificates: admins and the managing coordinators only."""
    return manages_event(user, event)


@named("see_materials")
def sees_materials(user, event, mine=...) -> bool:
    """The event's staff and its confirmed or completed participants (`mine` as in
    `takes_part`)."""
    if not signed_in(user):
        return False
    return takes_part(user, event, mine) or sees_backstage(user, event)


@named("see_material")
def sees_material(user, material) -> bool:
    """One material (a file or a link): whoever sees the event's materials."""
    return sees_materials(user, material.event)


@named("add_materials")
def adds_materials(user, event) -> bool:
    """Who adds materials: the event's managers and its instructors."""
    return sees_backstage(user, event)


@named("remove_material")
def removes_material(user, material) -> bool:
    """The event's managers, and whoever added the material."""
    return manages_event(user, material.event) or material.added_by_id == getattr(user, "id", 0)
