"""Demo commissions: a realistic mix of statuses, every one of the four present; idempotent."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter

from school import demo as school_demo
from school.accounts.models import User
from school.catalog import demo as catalog_demo
from school.commissions import demo
from school.commissions.models import Member
from school.commissions.status import compute
from school.extensions import db


def test_demo_mix_and_idempotence(app, client, login):
    school_demo.seed_orgs(school_demo.seed_regions())
    school_demo.seed_accounts()
    school_demo.seed_people()
    catalog_demo.seed(random.Random("demo-catalog"))
    lines = demo.seed(random.Random("demo-commissions"))
    db.session.commit()
    assert lines and lines[0].startswith("Commissions:")
    statuses = Counter(ln.status.value for ln in compute(None))
    total = sum(statuses.values())
    assert set(statuses) == {"trained", "due", "overdue", "never"}
    assert 0.25 <= statuses["trained"] / total <= 0.5
    members = db.session.scalar(db.select(db.func.count(Member.id)))
    assert demo.seed(random.Random("demo-commissions")) == []
    assert db.session.scalar(db.select(db.func.count(Member.id))) == members

    admin = db.session.scalar(db.select(User).where(User.email == "admin@demo.kz"))
    admin.password_hash = None
    admin.set_password("demo-pass-123")
    db.session.commit()
    login(admin, "demo-pass-123")
    response = client.get("/commissions/due?format=csv")
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert {r["status"] for r in rows} == {"trained", "due", "overdue", "never"}
    # The demo trainee sees their committee on /my; the coordinator sees their branch.
    client.post("/logout")
    trainee = db.session.scalar(db.select(User).where(User.email == "trainee@demo.kz"))
    trainee.set_password("demo-pass-123")
    db.session.commit()
    login(trainee, "demo-pass-123")
    assert "commission-my" in client.get("/my").get_data(as_text=True)


def test_scale_generator_adds_bodies_in_proportion(make_org, make_program, make_requirement):
    from school.bigdata import generate
    from school.commissions.models import Body

    make_org()
    make_org()
    make_requirement(programs=[make_program()])
    list(generate(0.01, seed=3))
    members = db.session.scalars(db.select(Member)).all()
    people = {u.id: u for u in db.session.scalars(db.select(User).where(
        User.category.in_(["conciliation_commission", "audit_commission"])))}
    assert len(members) == len(people) > 0
    bodies = db.session.scalars(db.select(Body)).all()
    assert len(bodies) <= 4  # two organisations × two kinds
    for m in members:
        assert people[m.user_id].category.value == db.session.get(Body, m.body_id).kind.value
        assert m.term_end is None or m.term_end >= m.term_start
    assert compute(None)  # statuses derive from the generated history
    # Sequences follow: an ordinary insert still works afterwards.
    db.session.add(Body(kind="youth_council", branch_id=bodies[0].branch_id,
                        primary_org_id=bodies[0].primary_org_id))
    db.session.commit()
