"""The monthly reminder: each branch's coordinators hear who became due since last time.

A line (member × requirement) is reminded once per deadline: the Reminder row written in
the same transaction as the queued letter says so, so running the command twice (or every
day) mails nothing new. A branch with no coordinator of its own is told to the coordinators
of its union; lines nobody could be told about stay unreminded until someone can.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select

from school.accounts.models import Role, RoleGrant, User
from school.commissions.models import Reminder
from school.commissions.status import Status, compute
from school.extensions import db
from school.mail import absolute_url, queue_mail
from school.orgs.models import Branch
from school.timeutil import local_today

NOT_TRAINED = (Status.due, Status.overdue, Status.never)


def _coordinators(branch_ids: set[int]) -> dict[int, list[User]]:
    """{branch id: the people to tell}: its own coordinators, else its union's."""
    branches = {b.id: b.union_id for b in db.session.scalars(
        select(Branch).where(Branch.id.in_(branch_ids)))}
    grants = db.session.execute(
        select(RoleGrant.branch_id, RoleGrant.union_id, User)
        .join(User, User.id == RoleGrant.user_id)
        .where(RoleGrant.role == Role.coordinator, User.active.is_(True))
        .where((RoleGrant.branch_id.in_(branch_ids))
               | (RoleGrant.union_id.in_(set(branches.values()))))
    ).all()
    own, by_union = defaultdict(list), defaultdict(list)
    for branch_id, union_id, user in grants:
        (own[branch_id] if branch_id else by_union[union_id]).append(user)
    return {b: own.get(b) or by_union.get(u, []) for b, u in branches.items()}


def send_reminders(today: date | None = None) -> int:
    """Queue one letter per coordinator with the lines that became due; returns the number
    of letters. The caller commits (letters leave after the commit)."""
    today = today or local_today()
    lines = [ln for ln in compute(None, today=today) if ln.status in NOT_TRAINED]
    if not lines:
        return 0
    # Every reminder that could match: those for deadlines from the earliest one on.
    done = {tuple(row) for row in db.session.execute(
        select(Reminder.member_id, Reminder.requirement_id, Reminder.due_by)
        .where(Reminder.due_by >= min(ln.due_by for ln in lines))
    )}
    fresh = [ln for ln in lines if (ln.member_id, ln.requirement.id, ln.due_by) not in done]
    by_branch = defaultdict(list)
    for ln in fresh:
        by_branch[ln.branch_id].append(ln)
    recipients = _coordinators(set(by_branch)) if by_branch else {}
    letters: dict[int, tuple[User, list]] = {}
    for branch_id, branch_lines in by_branch.items():
        people = recipients.get(branch_id) or []
        for person in people:
            letters.setdefault(person.id, (person, []))[1].extend(branch_lines)
        if people:
            for ln in branch_lines:
                db.session.add(Reminder(member_id=ln.member_id, requirement_id=ln.requirement.id,
                                        due_by=ln.due_by))
    link = absolute_url("commissions.due")
    for person, person_lines in letters.values():
        queue_mail(person.email, "commission_reminder", locale=person.locale, user=person,
                   lines=person_lines, link=link)
    db.session.flush()
    return len(letters)
