"""Records the catalogue tests share: an organisation tree with its staff, and form data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from school.catalog.events import EventData
from school.catalog.models import Event, EventQuota, EventSession, Program, ProgramSignatory
from school.extensions import db
from school.timeutil import local_today


@pytest.fixture
def world(make_union, make_branch, make_user, regions):
    """Union U with a Shymkent branch A and an Astana branch A2; union V with branch B.

    Staff: an admin, a coordinator of A, a coordinator of the whole union V, an instructor,
    and a trainee of A.
    """
    u, v = make_union("u"), make_union("v")
    a = make_branch(u, "KZ-79", name_ru="Филиал А (Шымкент)")
    a2 = make_branch(u, "KZ-71", name_ru="Филиал А2 (Астана)")
    b = make_branch(v, "KZ-75", name_ru="Филиал Б (Алматы)")
    return {
        "u": u, "v": v, "a": a, "a2": a2, "b": b, "regions": regions,
        "admin": make_user("admin"),
        "coordinator": make_user("coordinator", branch=a),
        "union_coordinator": make_user("coordinator", branch=b, coordinator_of=v),
        "instructor": make_user("instructor"),
        "trainee": make_user("trainee", branch=a),
    }


def future(days: int) -> date:
    return local_today() + timedelta(days=days)


@pytest.fixture
def signed_program(make_program):
    """A programme with a signatory: one without cannot be published (issue 13)."""

    def make(**kw) -> Program:
        program = make_program(**kw)
        program.signatories.append(ProgramSignatory(
            position=0, name_ru="Сейтқали А. М.", name_kk="Сейтқали А. М.",
            title_ru="Директор Учебного центра ФПРК", title_kk="ҚРКФ Оқу орталығының директоры"))
        db.session.commit()
        return program

    return make


@pytest.fixture
def event_data(world, signed_program):
    """A function giving valid EventData for a three-day Shymkent seminar, with overrides."""
    program = signed_program(code="SPL")

    def data(**overrides) -> EventData:
        fields = {
            "program_id": program.id, "kind": "seminar", "format": "in_person",
            "organizer": "centre", "region_id": world["regions"]["KZ-79"].id,
            "city_ru": "Шымкент", "city_kk": "Шымкент", "venue": "пр. Тауке хана, 5",
            "starts_on": future(40), "ends_on": future(42), "capacity": 30,
        }
        fields.update(overrides)
        return EventData(**fields)

    return data


def table_counts() -> dict[str, int]:
    """Rows of the catalogue's tables: compared before and after a refused change."""
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Program, Event, EventSession, EventQuota)
    }


class QueryCounter:
    """Counts the SQL statements sent while active (transaction control left out)."""

    def __init__(self):
        self.statements: list[str] = []

    def _record(self, _conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK",
                                                      "SAVEPOINT", "RELEASE")):
            self.statements.append(statement)

    def __enter__(self):
        sa_event.listen(db.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        sa_event.remove(db.engine, "before_cursor_execute", self._record)

    def __len__(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    return QueryCounter
