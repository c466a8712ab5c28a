"""The demo: employers with valid BINs for the organisations, requests sent, released and
refused, someone near the cap; a second run changes nothing."""

from __future__ import annotations

import random

from school.extensions import db
from school.orgs.models import PrimaryOrganization
from school.releases import demo, requests
from school.releases.models import Employer, ReleaseRequest, ReleaseState
from school.releases.services import is_valid_bin


def test_demo_seed(org_tree, make_user, make_event, make_enrollment):
    org_tree["u"].code = "kyzmet"
    db.session.commit()
    people = [make_user(branch=org_tree["a"], primary_org_id=org_tree["org_a"].id)
              for _ in range(4)]
    event = make_event(sessions=2)
    for person in people:
        requests.create_for(make_enrollment(event, person))  # as the enrolment demo does
    db.session.commit()

    lines = demo.seed(random.Random(1))
    db.session.commit()
    assert lines[0].startswith("Release requests:")
    employers = db.session.scalars(db.select(Employer)).all()
    assert employers and all(is_valid_bin(e.bin) for e in employers)
    assert db.session.scalar(db.select(db.func.count(PrimaryOrganization.id)).where(
        PrimaryOrganization.employer_id.is_(None))) == 0
    states = {r.state for r in db.session.scalars(db.select(ReleaseRequest))}
    assert {ReleaseState.sent, ReleaseState.released, ReleaseState.refused} <= states

    again = demo.seed(random.Random(1))
    db.session.commit()
    assert again[0] == lines[0]
    assert db.session.scalar(db.select(db.func.count(Employer.id))) == len(employers)
