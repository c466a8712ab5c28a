"""Who may see or act on a person's records: their enrolments, certificates, IIN, profile.

Staff reach people through their branches (`scope.py`); each rule is registered under a
name (`named.py`) for views (`loaders.load_enrollment`) and templates (`can(...)`).
"""

from __future__ import annotations

from school.permissions.events import manages_event
from school.permissions.named import named, signed_in
from school.permissions.scope import can_see_branch, coordinator_scope


@named("manage_enrollment")
def manages_enrollment(user, enrollment) -> bool:
    """Staff who may see and act on this enrolment: admins, or its branch's coordinators
    (a person with a union but no branch: that union's coordinators)."""
    if not signed_in(user):
        return False
    if user.has_role("admin"):
        return True
    if not user.has_role("coordinator"):
        return False
    if enrollment.branch_id is not None:
        return can_see_branch(user, enrollment.branch_id)
    return enrollment.union_id in coordinator_scope(user)[0]


@named("see_enrollment")
def sees_enrollment(user, enrollment) -> bool:
    """The person themself, and the staff who manage the enrolment (its letters, its
    certificate, the API's enrolment resources)."""
    if not signed_in(user):
        return False
    return enrollment.user_id == user.id or manages_enrollment(user, enrollment)


@named("issue_certificate")
def issues_certificate(user, enrollment) -> bool:
    """Issue, revoke and reissue a participant's certificate: the staff of the event's
    organiser, and only for a participant they manage. Organising an event does not reach
    people outside one's branch or union, whatever event they sit in."""
    if not signed_in(user):
        return False
    return manages_event(user, enrollment.event) and manages_enrollment(user, enrollment)


@named("see_iin")
def sees_iin(user, person) -> bool:
    """A person's whole IIN: admins and the person themself; everyone else sees it masked."""
    if not signed_in(user):
        return False
    return user.has_role("admin") or user.id == person.id


@named("see_person")
def sees_person(user, person) -> bool:
    """A person's profile page: themself, and the staff of their branch."""
    if not signed_in(user):
        return False
    return person.id == user.id or can_see_branch(user, person.branch_id)


@named("see_branch")
def sees_branch(user, obj) -> bool:
    """A branch's records: `obj` is a branch (or its id), or a row that belongs to a branch
    (a primary organisation, a commission, a release request…: its `branch_id`)."""
    if not signed_in(user):
        return False
    from school.orgs.models import Branch

    if isinstance(obj, Branch):
        branch_id = obj.id
    else:
        branch_id = obj if obj is None or isinstance(obj, int) else obj.branch_id
    return can_see_branch(user, branch_id)


@named("set_approval_steps")
def sets_approval_steps(user, program=None) -> bool:
    """A programme's two-step approval: the training centre (admins) only."""
    return signed_in(user) and user.has_role("admin")


@named("decide_centre_step")
def decides_centre_step(user, _obj=None) -> bool:
    """The second step of two-step approval is the training centre's (admins)."""
    return signed_in(user) and user.has_role("admin")
