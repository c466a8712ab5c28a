"""Fixtures for the commissions register: bodies, members, requirements, completions."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from school.certificates.models import Certificate
from school.commissions.models import Body, BodyKind, Member, MemberRole, Requirement
from school.extensions import db

# The fixed clock of these tests: "today" is passed to the services explicitly.
TODAY = date(2026, 6, 15)


@pytest.fixture
def make_body(app):
    def make(org, kind: BodyKind = BodyKind.conciliation_commission) -> Body:
        body = Body(kind=kind, branch_id=org.branch_id, primary_org_id=org.id)
        db.session.add(body)
        db.session.commit()
        return body

    return make


@pytest.fixture
def make_member(app):
    def make(body: Body, user, *, role: MemberRole = MemberRole.member,
             term_start: date = date(2024, 1, 1), term_end: date | None = None) -> Member:
        member = Member(body_id=body.id, user_id=user.id, role=role, term_start=term_start,
                        term_end=term_end)
        db.session.add(member)
        db.session.commit()
        return member

    return make


@pytest.fixture
def make_requirement(app, make_program):
    def make(kind: BodyKind = BodyKind.conciliation_commission, *, programs=None,
             validity_months: int | None = 12, new_member_months: int = 6,
             role: MemberRole | None = None) -> Requirement:
        req = Requirement(body_kind=kind, role=role, validity_months=validity_months,
                          new_member_months=new_member_months)
        req.programs = list(programs) if programs is not None else [make_program()]
        db.session.add(req)
        db.session.commit()
        return req

    return make


@pytest.fixture
def complete(make_event, make_enrollment):
    """A completed enrolment of `user` in a (completed) event of `program` ending `ends_on`."""

    def make(user, program, ends_on: date, *, certificate: bool = False):
        event = make_event(program, starts_on=ends_on, sessions=1, status="completed")
        enrollment = make_enrollment(event, user, status="completed")
        if certificate:
            cert = Certificate(
                enrollment_id=enrollment.id, number=f"T-{enrollment.id}",
                verification_code=f"code{enrollment.id}", holder_name=user.full_name,
                pdf=b"%PDF", sha256="0" * 64, issued_at=datetime.now(UTC))
            db.session.add(cert)
            db.session.commit()
            return enrollment, cert
        return enrollment

    return make
