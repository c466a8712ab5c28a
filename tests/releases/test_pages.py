"""Pages: the export (contract), scoping, the access matrix, employers, agreements, one's
own employer, the event panel, and the employer columns of import-orgs."""

from __future__ import annotations

import csv
import io

import pytest

from school.errors import DomainError
from school.extensions import db
from school.orgs import importer
from school.orgs.models import PrimaryOrganization
from school.releases import requests, services
from school.releases.models import Employer, EmployerOverride, ReleaseState
from tests.releases.conftest import make_bin

HEADER = ["enrollment_id", "event_id", "person_id", "employer_bin", "state", "days",
          "days_used_this_year", "cap"]


def _csv(response) -> list[list[str]]:
    data = response.data
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_export_columns_and_coordinator_scope(client, login, setup, make_event, make_user,
                                              confirmed):
    event = make_event(sessions=2)
    _e1, mine = confirmed(event, setup["trainee"])
    outsider = make_user(branch=setup["b"])
    confirmed(event, outsider)
    mine.state = ReleaseState.released
    db.session.commit()

    login(setup["coordinator"])
    rows = _csv(client.get("/releases?format=csv"))
    assert rows[0] == HEADER
    assert len(rows) == 2  # branch A's person only
    row = dict(zip(HEADER, rows[1], strict=True))
    assert row["person_id"] == str(setup["trainee"].id)
    assert row["employer_bin"] == setup["employer"].bin
    assert (row["state"], row["days"], row["days_used_this_year"], row["cap"]) == (
        "released", "2", "2", "5")


def test_admin_sees_every_request(client, login, setup, make_event, make_user, confirmed):
    event = make_event(sessions=1)
    confirmed(event, setup["trainee"])
    confirmed(event, make_user(branch=setup["b"]))
    login(make_user("admin"))
    assert len(_csv(client.get("/releases?format=csv"))) == 3
    page = client.get(f"/releases?event_id={event.id}")
    assert page.status_code == 200


@pytest.fixture
def people(setup, make_user):
    return {
        "anonymous": None,
        "trainee": setup["trainee"],
        "instructor": make_user("instructor"),
        "coordinator": setup["coordinator"],
        "outsider_coordinator": make_user("coordinator", branch=setup["b"]),
        "admin": make_user("admin"),
    }


ROUTES = [
    ("/releases", {"anonymous": 302, "trainee": 403, "instructor": 403, "coordinator": 200,
                   "outsider_coordinator": 200, "admin": 200}),
    ("/releases/{rid}", {"anonymous": 302, "trainee": 403, "instructor": 403,
                         "coordinator": 200, "outsider_coordinator": 404, "admin": 200}),
    ("/releases/employers", {"anonymous": 302, "trainee": 403, "instructor": 403,
                             "coordinator": 200, "outsider_coordinator": 200, "admin": 200}),
    ("/releases/employers/new", {"anonymous": 302, "trainee": 403, "instructor": 403,
                                 "coordinator": 403, "outsider_coordinator": 403,
                                 "admin": 200}),
    ("/releases/employers/{eid}/edit", {"anonymous": 302, "trainee": 403, "instructor": 403,
                                        "coordinator": 403, "outsider_coordinator": 403,
                                        "admin": 200}),
    ("/releases/agreements", {"anonymous": 302, "trainee": 403, "instructor": 403,
                              "coordinator": 200, "outsider_coordinator": 200, "admin": 200}),
    ("/releases/agreements/new", {"anonymous": 302, "trainee": 403, "instructor": 403,
                                  "coordinator": 403, "outsider_coordinator": 403,
                                  "admin": 200}),
    ("/releases/agreements/{aid}/edit", {"anonymous": 302, "trainee": 403, "instructor": 403,
                                         "coordinator": 403, "outsider_coordinator": 403,
                                         "admin": 200}),
    ("/releases/my-employer", {"anonymous": 302, "trainee": 200, "instructor": 200,
                               "coordinator": 200, "outsider_coordinator": 200, "admin": 200}),
    ("/releases/answer/{rid}/{token}", {"anonymous": 200, "trainee": 200, "instructor": 200,
                                        "coordinator": 200, "outsider_coordinator": 200,
                                        "admin": 200}),
    ("/releases/answer/{rid}/forged", {"anonymous": 404, "trainee": 404, "instructor": 404,
                                       "coordinator": 404, "outsider_coordinator": 404,
                                       "admin": 404}),
]


@pytest.mark.parametrize("role", ["anonymous", "trainee", "instructor", "coordinator",
                                  "outsider_coordinator", "admin"])
def test_access_matrix(client, login, setup, people, make_event, confirmed, role):
    _e, request = confirmed(make_event(sessions=1), setup["trainee"])
    values = {"rid": request.id, "eid": setup["employer"].id, "aid": setup["agreement"].id,
              "token": requests.make_token(request)}
    if people[role] is not None:
        login(people[role])
    for path, expected in ROUTES:
        url = path.format(**values)
        assert client.get(url).status_code == expected[role], (url, role)
    send = client.post(f"/releases/{request.id}/send", data={})
    assert send.status_code == {"anonymous": 302, "trainee": 403, "instructor": 403,
                                "coordinator": 302, "outsider_coordinator": 404,
                                "admin": 302}[role]


def test_bin_check_digit():
    assert services.is_valid_bin(make_bin(5))
    bad = make_bin(5)[:11] + str((int(make_bin(5)[11]) + 1) % 10)
    assert not services.is_valid_bin(bad)
    assert not services.is_valid_bin("12345")
    with pytest.raises(DomainError) as e:
        services.clean_bin("1234 5678 9012")
    assert e.value.code == "bin_invalid"


def test_admin_creates_an_employer_and_bad_input_changes_nothing(client, login, make_user):
    login(make_user("admin"))
    bad = client.post("/releases/employers/new", data={
        "bin": "123456789012", "name_ru": "", "hr_emails": "not-an-address", "language": "ru"})
    assert bad.status_code == 200
    assert db.session.scalar(db.select(db.func.count(Employer.id))) == 0
    good = client.post("/releases/employers/new", data={
        "bin": make_bin(9), "name_ru": "ТОО «Тест»", "name_kk": "«Тест» ЖШС",
        "hr_emails": "HR@test.kz; kadry@test.kz", "language": "kk"})
    assert good.status_code == 302
    employer = db.session.scalar(db.select(Employer))
    assert employer.emails == ["hr@test.kz", "kadry@test.kz"]


def test_admin_adds_an_agreement(client, login, make_user, setup):
    login(make_user("admin"))
    response = client.post("/releases/agreements/new", data={
        "union_id": setup["v"].id, "employer_id": "", "name_ru": "Соглашение В",
        "paid_days": "7", "active": "y"})
    assert response.status_code == 302


def test_a_person_names_their_own_employer(client, login, setup, make_user):
    other = Employer(bin=make_bin(7), name_ru="ТОО «Другой»", name_kk="«Басқа» ЖШС")
    db.session.add(other)
    db.session.commit()
    login(setup["trainee"])
    unknown = client.post("/releases/my-employer", data={"bin": make_bin(8)})
    assert unknown.status_code == 200
    assert db.session.get(EmployerOverride, setup["trainee"].id) is None
    assert client.post("/releases/my-employer", data={"bin": other.bin}).status_code == 302
    from school.releases.letters import employer_of

    assert employer_of(setup["trainee"]).id == other.id
    client.post("/releases/my-employer", data={"bin": ""})
    assert employer_of(setup["trainee"]).id == setup["employer"].id


def test_event_management_page_shows_readiness(client, login, setup, make_event, make_user,
                                                confirmed):
    event = make_event(sessions=1)
    _e, request = confirmed(event, setup["trainee"])
    request.state = ReleaseState.released
    confirmed(event, make_user(branch=setup["a"], primary_org_id=setup["org_a"].id))
    db.session.commit()
    login(make_user("admin"))
    page = client.get(f"/manage/events/{event.id}", headers={"Accept-Language": "en"})
    assert "Released: 1 of 2, refused: 0, waiting: 1" in page.get_data(as_text=True)


def test_import_orgs_with_employer_columns(setup):
    union = setup["u"].code
    good = make_bin(11)
    data = (
        "union_code,region_code,branch_kind,branch_name_ru,org_name_ru,employer_bin,"
        "employer_name_ru,employer_hr_emails\n"
        f"{union},KZ-79,oblast,Филиал А,ППО Новая,{good},ТОО «Новый»,hr@new.kz\n"
        f"{union},KZ-79,oblast,Филиал А,ППО А,{good},,\n"
    ).encode()
    report = importer.apply_import(data)
    assert report.ok, [r.errors for r in report.rows]
    db.session.commit()
    employer = db.session.scalar(db.select(Employer).where(Employer.bin == good))
    orgs = db.session.scalars(db.select(PrimaryOrganization).where(
        PrimaryOrganization.employer_id == employer.id)).all()
    assert sorted(o.name_ru for o in orgs) == ["ППО А", "ППО Новая"]

    bad_bin = good[:11] + str((int(good[11]) + 1) % 10)
    bad = (
        "union_code,region_code,branch_kind,branch_name_ru,org_name_ru,employer_bin\n"
        f"{union},KZ-79,oblast,Филиал А,ППО Ещё,{bad_bin}\n"
    ).encode()
    report = importer.apply_import(bad)
    assert not report.ok
    assert db.session.scalar(db.select(PrimaryOrganization).where(
        PrimaryOrganization.name_ru == "ППО Ещё")) is None


def test_the_list_and_export_do_not_grow_queries_with_rows(client, login, setup, make_event,
                                                           make_user, confirmed):
    from tests.catalog.conftest import QueryCounter

    event = make_event(sessions=1)
    login(make_user("admin"))

    def count(path: str) -> int:
        with QueryCounter() as counter:
            assert client.get(path).status_code == 200
        return len(counter)

    for _ in range(2):
        confirmed(event, make_user(branch=setup["a"], primary_org_id=setup["org_a"].id),
                  dispatch=False)
    few = (count("/releases"), count("/releases?format=csv"))
    for _ in range(8):
        confirmed(event, make_user(branch=setup["a"], primary_org_id=setup["org_a"].id),
                  dispatch=False)
    many = (count("/releases"), count("/releases?format=csv"))
    assert many == few
