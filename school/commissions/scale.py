"""Commission members for `flask seed-demo --scale N` (called from school/bigdata.py).

Bodies grow with the people: every generated person of the conciliation or audit
commission category sits on that commission of their organisation (about 22k members in
about 20k bodies at N=1), a tenth of them with a term already over (history). Their status
follows from the generated enrolments like anyone's.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from school.commissions.models import Body, BodyKind, Member
from school.extensions import db

KINDS = {
    "conciliation_commission": BodyKind.conciliation_commission,
    "audit_commission": BodyKind.audit_commission,
}


def write_members(writer, people, rng, today: date, now) -> list[str]:
    """Write bodies and members with `writer` (bigdata.Writer) for `people`, a list of
    (user id, organisation row, category); returns the tables to fix sequences of."""
    conn = writer.conn
    existing = {(org_id, kind): body_id for body_id, org_id, kind in conn.execute(
        select(Body.id, Body.primary_org_id, Body.kind).where(Body.primary_org_id.is_not(None)))}
    body0 = conn.execute(select(db.func.coalesce(db.func.max(Body.id), 0))).scalar()
    member0 = conn.execute(select(db.func.coalesce(db.func.max(Member.id), 0))).scalar()
    bodies, members = [], []
    for uid, org, category in people:
        kind = KINDS.get(category)
        if kind is None:
            continue
        key = (org.id, kind)
        if key not in existing:
            body0 += 1
            existing[key] = body0
            bodies.append((body0, kind.value, org.branch_id, org.id, now))
        start = today - timedelta(days=rng.randint(30, 5 * 365))
        end = None
        if rng.random() < 0.1:
            end = min(today - timedelta(days=1), start + timedelta(days=rng.randint(1, 3 * 365)))
            end = max(end, start)
        member0 += 1
        members.append((member0, existing[key], uid, "chair" if rng.random() < 0.1 else "member",
                        start, end, now))
    writer.write("commission_body", ("id", "kind", "branch_id", "primary_org_id", "created_at"),
                 bodies)
    writer.write("commission_member", ("id", "body_id", "user_id", "role", "term_start",
                                       "term_end", "created_at"), members)
    return ["commission_body", "commission_member"]
