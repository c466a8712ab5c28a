"""The due list's page worked out in SQL agrees with `compute` (the exports' Python rules):
the same lines, statuses, deadlines and order, page by page, with month-end dates that
SQLite's and PostgreSQL's month arithmetic treat differently, revoked certificates, two
requirements and the filters."""

from __future__ import annotations

from datetime import date, timedelta

from school.certificates import services as certificates
from school.commissions.due_sql import due_page
from school.commissions.models import BodyKind, MemberRole
from school.commissions.status import Filters, Status, add_months, compute
from school.extensions import db
from tests.commissions.conftest import TODAY


def _key(ln):
    return (ln.member_id, ln.requirement.id, ln.status, ln.valid_until, ln.due_by,
            ln.last_completed)


def _pages(filters: Filters, per_page: int, untrained_only: bool = True):
    lines, total, _page, pages, _reqs = due_page(None, filters, page=1, per_page=per_page,
                                                 untrained_only=untrained_only, today=TODAY)
    out = list(lines)
    for number in range(2, pages + 1):
        out += due_page(None, filters, page=number, per_page=per_page,
                        untrained_only=untrained_only, today=TODAY)[0]
    assert len(out) == total
    return out


def test_sql_page_matches_python_rules(org_tree, make_user, make_body, make_member,
                                       make_requirement, complete, make_program):
    monthly = make_requirement(validity_months=1, new_member_months=1)
    yearly = make_requirement(BodyKind.audit_commission, validity_months=12,
                              new_member_months=6)
    forever = make_requirement(BodyKind.audit_commission, role=MemberRole.chair,
                               validity_months=None, new_member_months=0)
    conc = make_body(org_tree["org_a"])
    audit = make_body(org_tree["org_a"], BodyKind.audit_commission)
    ended = [TODAY - timedelta(days=d) for d in (0, 1, 14, 15, 16, 29, 30, 31, 45, 60, 75)]
    ended += [date(2026, 5, 31), date(2026, 1, 31), date(2025, 8, 31), date(2025, 6, 15),
              date(2025, 6, 14), date(2024, 2, 29), date(2025, 7, 31)]
    starts = [date(2025, 12, 31), date(2026, 5, 15), date(2026, 5, 14), date(2026, 1, 31),
              date(2025, 12, 15), date(2026, 3, 31)]
    n = 0
    for i, day in enumerate(ended):
        for body, req, role in ((conc, monthly, MemberRole.member),
                                (audit, yearly, MemberRole.member),
                                (audit, forever, MemberRole.chair)):
            person = make_user(branch=org_tree["a"], full_name=f"Член {n % 7} {n:03d}")
            n += 1
            make_member(body, person, role=role, term_start=starts[i % len(starts)])
            if i % 5 != 4:  # some never completed anything
                _e, cert = complete(person, req.programs[0], day, certificate=True)
                if i % 6 == 5:
                    certificates.revoke(cert, by=None, reason="Ошибка")
                    db.session.commit()
    make_member(conc, make_user(branch=org_tree["a"]), term_start=TODAY + timedelta(days=3))

    everyone = compute(None, today=TODAY)
    assert {ln.status for ln in everyone} == set(Status)
    expected = [ln for ln in everyone if ln.status is not Status.trained]
    assert [_key(ln) for ln in _pages(Filters(), 7)] == [_key(ln) for ln in expected]
    assert [_key(ln) for ln in _pages(Filters(), 500, untrained_only=False)] == [
        _key(ln) for ln in everyone]
    for filters in (Filters(status=Status.due), Filters(status=Status.trained),
                    Filters(kind=BodyKind.audit_commission),
                    Filters(due_before=add_months(TODAY, 1))):
        want = compute(None, today=TODAY, filters=filters)
        if filters.status is None:
            want = [ln for ln in want if ln.status is not Status.trained]
        assert [_key(ln) for ln in _pages(filters, 10)] == [_key(ln) for ln in want], filters
    # The requirements among the lines: for the events one may nominate into.
    reqs = due_page(None, Filters(kind=BodyKind.conciliation_commission), page=1,
                    per_page=5, today=TODAY)[4]
    assert [r.id for r in reqs] == [monthly.id]


def test_sql_page_when_every_training_counts_for_good(org_tree, make_user, make_body,
                                                      make_member, make_requirement, complete):
    req = make_requirement(validity_months=None, new_member_months=6)
    body = make_body(org_tree["org_a"])
    trained, never = make_user(branch=org_tree["a"]), make_user(branch=org_tree["a"])
    make_member(body, trained)
    make_member(body, never)
    complete(trained, req.programs[0], date(2020, 1, 31))
    lines = _pages(Filters(), 10, untrained_only=False)
    assert [_key(ln) for ln in lines] == [_key(ln) for ln in compute(None, today=TODAY)]
    assert [ln.status for ln in lines] == [Status.never, Status.trained]
