"""A small history whose yearly figures are computed by hand in the tests.

2025, by region (people / participations):
  KZ-79 (branch A, union U): chair p1 (E1, E2) + mover p3 (E3, before moving) → 2 / 3;
                              treasurer p2 (E1) → 1 / 1
  KZ-71 (branch A2, union U): activist p4 (E5: 31.12.2024 – 01.01.2025) → 1 / 1
  KZ-75 (branch B, union V): chair p3 (E4, after moving) → 1 / 1;
                              youth council p8 (certificate revoked and reissued) → 1 / 1
  Not counted: p5 (confirmed, not completed in E1), p7 (only certificate revoked),
               p6 (E6 ended 31.12.2024: counts in 2024).
  Totals: 7 participations, 5 people (p3 counted once although in two regions).
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from school.accounts.models import Category
from school.catalog.models import EventFormat, EventKind
from school.certificates.models import Certificate
from school.extensions import db

_numbers = itertools.count(1)
YOUTH = Category.youth_council


@pytest.fixture
def make_certificate(app):
    def make(enrollment, *, revoked: bool = False, replaced_by=None) -> Certificate:
        n = next(_numbers)
        cert = Certificate(
            enrollment_id=enrollment.id, number=f"T-2025-{n:06d}",
            verification_code=secrets.token_hex(8), holder_name="Тестов",
            pdf=b"%PDF-", sha256="0" * 64,
            revoked_at=datetime.now(UTC) if revoked else None,
            replaced_by_id=replaced_by.id if replaced_by else None,
        )
        db.session.add(cert)
        db.session.commit()
        return cert

    return make


@dataclass
class History:
    u: object
    v: object
    a: object
    a2: object
    b: object
    people: dict
    events: dict
    enrollments: dict
    certificates: dict
    program: object
    other_program: object


@pytest.fixture
def history(make_union, make_branch, make_user, make_event, make_enrollment, make_program,
            make_certificate) -> History:
    u, v = make_union("u"), make_union("v")
    a = make_branch(u, "KZ-79", name_ru="Филиал А")
    a2 = make_branch(u, "KZ-71", name_ru="Филиал А2")
    b = make_branch(v, "KZ-75", name_ru="Филиал Б")
    program, other = make_program(code="BASE"), make_program(code="AUDIT")

    p = {
        "p1": make_user(branch=a, category=Category.chair, full_name="Первый Председатель"),
        "p2": make_user(branch=a, category=Category.treasurer, full_name="Второй Казначей"),
        "p3": make_user(branch=a, category=Category.chair, full_name="Третий Переехавший"),
        "p4": make_user(branch=a2, category=Category.activist, full_name="Четвёртый Активист"),
        "p5": make_user(branch=b, category=Category.chair, full_name="Пятый Неокончивший"),
        "p6": make_user(branch=a, category=Category.chair, full_name="Шестой Декабрьский"),
        "p7": make_user(branch=b, category=YOUTH, full_name="Седьмой Отозванный"),
        "p8": make_user(branch=b, category=YOUTH, full_name="Восьмой Переизданный"),
    }
    e = {
        "E1": make_event(program, starts_on=date(2025, 3, 1), sessions=3),
        "E2": make_event(other, starts_on=date(2025, 6, 2), sessions=2,
                         kind=EventKind.training, format=EventFormat.online),
        "E3": make_event(program, starts_on=date(2025, 9, 1), sessions=1),
        "E4": make_event(program, starts_on=date(2025, 11, 3), sessions=2),
        # Starts in 2024, ends on 1 January 2025: a 2025 training.
        "E5": make_event(program, starts_on=date(2024, 12, 31), sessions=2),
        "E6": make_event(program, starts_on=date(2024, 12, 30), sessions=2),  # ends 31.12.2024
        "E7": make_event(program, starts_on=date(2025, 4, 7), sessions=1),
    }
    assert e["E5"].ends_on == date(2025, 1, 1) and e["E6"].ends_on == date(2024, 12, 31)
    en = {
        "p1E1": make_enrollment(e["E1"], p["p1"], status="completed"),
        "p1E2": make_enrollment(e["E2"], p["p1"], status="completed"),
        "p2E1": make_enrollment(e["E1"], p["p2"], status="completed"),
        "p3E3": make_enrollment(e["E3"], p["p3"], status="completed"),
    }
    # p3 moves from branch A (Shymkent, union U) to branch B (Almaty, union V).
    mover = p["p3"]
    mover.branch_id, mover.union_id, mover.region_id = b.id, b.union_id, b.region_id
    db.session.commit()
    en |= {
        "p3E4": make_enrollment(e["E4"], mover, status="completed"),
        "p4E5": make_enrollment(e["E5"], p["p4"], status="completed"),
        "p5E1": make_enrollment(e["E1"], p["p5"], status="confirmed"),
        "p5E7": make_enrollment(e["E7"], p["p5"], status="not_completed"),
        "p6E6": make_enrollment(e["E6"], p["p6"], status="completed"),
        "p7E7": make_enrollment(e["E7"], p["p7"], status="completed"),
        "p8E7": make_enrollment(e["E7"], p["p8"], status="completed"),
    }
    certs = {"p1E1": make_certificate(en["p1E1"]), "p2E1": make_certificate(en["p2E1"])}
    certs["p7"] = make_certificate(en["p7E7"], revoked=True)
    new = make_certificate(en["p8E7"])
    certs["p8_old"] = make_certificate(en["p8E7"], revoked=True, replaced_by=new)
    certs["p8"] = new
    return History(u, v, a, a2, b, p, e, en, certs, program, other)
