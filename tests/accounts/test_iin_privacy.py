"""Issue 11, item 7: full IINs cannot be confirmed through search, registration or the
profile, people search is rate-limited, and searched IINs stay out of access logs."""

from __future__ import annotations

import logging
import re

from sqlalchemy import func, select

from school.accesslog import QueryStringFilter
from school.accounts.models import User
from school.audit.models import AuditEntry
from school.extensions import db, limiter
from tests.accounts.conftest import VALID_IIN

OTHER_IIN = "020731500813"
FREE_IIN = "900101300007"


def _reload(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def _alerts(html: str) -> list[str]:
    return [m.strip() for m in re.findall(r'<div class="alert[^"]*" role="alert">(.*?)</div>',
                                          html, re.S)]


# --- search ------------------------------------------------------------------------------


def test_a_coordinator_cannot_find_someone_by_full_iin(client, login, make_user, org_tree):
    make_user(branch=org_tree["a"], iin=VALID_IIN, full_name="Иин Иинов")
    login(make_user("coordinator", branch=org_tree["a"]))
    html = client.get("/people", query_string={"q": VALID_IIN}).get_data(as_text=True)
    assert "Иин Иинов" not in html
    # Searching by name still works for the coordinator.
    assert "Иин Иинов" in client.get("/people", query_string={"q": "иинов"}).get_data(
        as_text=True)


def test_an_admin_finds_someone_by_full_iin(client, login, make_user, org_tree):
    make_user(branch=org_tree["a"], iin=VALID_IIN, full_name="Иин Иинов")
    login(make_user("admin"))
    assert "Иин Иинов" in client.get("/people", query_string={"q": VALID_IIN}).get_data(
        as_text=True)


def test_people_search_is_rate_limited_per_person(make_app, make_user, org_tree):
    app = make_app(RATELIMIT_ENABLED=True, PEOPLE_SEARCH_RATE_LIMIT="3 per minute")
    limiter.reset()
    coordinator = make_user("coordinator", branch=org_tree["a"])
    client = app.test_client()
    client.post("/login", data={"email": coordinator.email, "password": "correct-horse-7"})
    searches = [client.get("/people", query_string={"q": f"0000000000{n:02d}"}).status_code
                for n in range(4)]
    assert searches == [200, 200, 200, 429]
    assert client.get("/people").status_code == 200  # the list itself is not limited
    other = app.test_client()  # another coordinator at the same address is not refused
    colleague = make_user("coordinator", branch=org_tree["a"])
    other.post("/login", data={"email": colleague.email, "password": "correct-horse-7"})
    assert other.get("/people", query_string={"q": "x"}).status_code == 200


# --- registration and profile answer the same ----------------------------------------------


def test_registration_answers_the_same_for_a_taken_iin(client, registration, make_user,
                                                       outbox):
    holder = make_user(iin=VALID_IIN, email="holder@example.kz")
    free = client.post("/register", data=registration(email="free@example.kz", iin=OTHER_IIN))
    client.post("/logout")
    taken = client.post("/register", data=registration(email="taken@example.kz"))
    assert free.status_code == taken.status_code == 302
    assert free.headers["Location"] == taken.headers["Location"]
    newcomer = db.session.scalar(select(User).where(User.email == "taken@example.kz"))
    assert newcomer is not None and newcomer.iin is None
    assert _reload(holder).iin == VALID_IIN
    # Both newcomers are welcomed (issue 16); the holder and the newcomer are told of the IIN.
    assert sorted(m.to[0] for m in outbox) == ["free@example.kz", "holder@example.kz",
                                               "taken@example.kz", "taken@example.kz"]
    assert "taken@example.kz" in next(m for m in outbox if m.to == ["holder@example.kz"]).body
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "user.iin_conflict")) == 1


def test_the_profile_answers_the_same_for_a_taken_iin(client, login, make_user, org_tree,
                                                      outbox):
    make_user(iin=VALID_IIN, email="holder@example.kz")
    user = make_user(branch=org_tree["a"], iin=OTHER_IIN)
    login(user)
    data = {"full_name": user.full_name, "iin": VALID_IIN, "position": "Хатшы",
            "region_id": str(user.region_id), "union_id": str(user.union_id),
            "branch_id": str(user.branch_id), "category": "chair"}
    taken = client.post("/profile", data=data)
    assert taken.status_code == 302
    answer = _alerts(client.get(taken.headers["Location"]).get_data(as_text=True))
    user = _reload(user)
    assert user.iin == OTHER_IIN and user.position == "Хатшы"
    assert [m.to[0] for m in outbox].count("holder@example.kz") == 1

    # A free IIN: the same status, the same place and the same words.
    free = client.post("/profile", data={**data, "iin": FREE_IIN})
    assert free.status_code == 302 and free.headers["Location"] == taken.headers["Location"]
    assert _alerts(client.get(free.headers["Location"]).get_data(as_text=True)) == answer
    assert _reload(user).iin == FREE_IIN


# --- access logs ---------------------------------------------------------------------------


def _record(name: str, msg: str, args) -> logging.LogRecord:
    return logging.LogRecord(name, logging.INFO, __file__, 1, msg, args, None)


def test_access_logs_keep_no_query_strings(app):
    assert any(isinstance(f, QueryStringFilter)
               for f in logging.getLogger("werkzeug").filters)
    assert any(isinstance(f, QueryStringFilter)
               for f in logging.getLogger("gunicorn.access").filters)
    # The development server's line.
    record = _record("werkzeug", '127.0.0.1 - - [x] "%s" %s %s',
                     (f"GET /people?q={VALID_IIN}&page=2 HTTP/1.1", "200", "-"))
    QueryStringFilter().filter(record)
    line = record.getMessage()
    assert VALID_IIN not in line and "GET /people?… HTTP/1.1" in line
    # gunicorn's atoms, whatever access_log_format uses.
    atoms = {"h": "10.0.0.1", "r": f"GET /people?q={VALID_IIN} HTTP/1.1", "U": "/people",
             "q": f"q={VALID_IIN}", "f": f"https://school.test/people?q={VALID_IIN}", "s": 200}
    record = _record("gunicorn.access", '%(h)s "%(r)s" %(U)s?%(q)s "%(f)s" %(s)s', atoms)
    QueryStringFilter().filter(record)
    assert VALID_IIN not in record.getMessage()


def test_the_development_server_logs_no_searched_iin(app, caplog):
    from werkzeug.serving import WSGIRequestHandler

    class Handler(WSGIRequestHandler):
        def __init__(self):  # no socket: only the logging path is exercised
            self.requestline = f"GET /people?q={VALID_IIN} HTTP/1.1"
            self.client_address = ("127.0.0.1", 5555)

        def address_string(self):
            return "127.0.0.1"

    with caplog.at_level(logging.INFO, logger="werkzeug"):
        Handler().log_request(200, 1234)
    assert "/people" in caplog.text and VALID_IIN not in caplog.text
