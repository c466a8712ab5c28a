"""The enrolment panel of the event page, and what the feature panels of the event page
and /my share: the viewer's enrolments, loaded once by the view (issue 15)."""

from __future__ import annotations

from school.core import panels
from school.enrollment import notices, queries
from school.enrollment.rules import active_enrollment


def viewer_enrollment(event, user):
    """The viewer's active enrolment of the event, or None (one query; none if anonymous)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return active_enrollment(event.id, user.id)


def event_panels(event, user) -> dict:
    """Every feature's event-page panel, from one load of the viewer's enrolment."""
    return panels.load_event(event, viewer_enrollment(event, user), user)


def my_panels(enrollments, user) -> dict:
    """Every feature's /my panel, from the person's enrolments (services.my_enrollments)."""
    return panels.load_my(enrollments, user)


@panels.event("enrollment")
def event_panel(event, enrollment, user) -> dict:
    """The enrol button's state for `user` and who decides on their request."""
    state = queries.enrol_state(event, user, mine=enrollment)
    approver = None
    if state.kind == "pending":
        approver = notices.request_approver(event, state.enrollment, user)
    elif state.kind == "request":
        approver = notices.request_approver(event, None, user)
    return {"state": state, "approver": approver}
