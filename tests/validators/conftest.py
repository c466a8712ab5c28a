"""The demo site walked as each of its people: every page a role can open, in ru and kk.

One SQLite database is filled by `seed-demo` once per run; a crawler signs in as each demo
account, follows the links it is shown and then fills every GET rule of the URL map with the
ids it has seen, so a new page is checked without anyone adding it to a list. HTML does not
depend on the database engine: on a PostgreSQL run (TEST_DATABASE_URL) these tests skip.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import current_app
from werkzeug.exceptions import HTTPException
from werkzeug.serving import make_server

from school import create_app
from school.extensions import db
from tests.browser.conftest import CHROMIUM  # noqa: F401  (used by test_pages)

HERE = Path(__file__).resolve().parent
TOOLS = HERE / "node_modules"
VNU = TOOLS / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE = TOOLS / "axe-core" / "axe.min.js"
LANGS = ("ru", "kk")
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# GET endpoints that act rather than show (they redirect), or are not pages.
NOT_PAGES = {"accounts.logout", "core.set_language", "static", "bootstrap.static"}
MAX_PAGES_PER_WALK = 250
VISITS_PER_ENDPOINT = 3
_LINK = re.compile(r'href="(/[^"#]*)')


def pytest_collection_modifyitems(config, items):
    reasons = []
    if os.environ.get("TEST_DATABASE_URL"):
        reasons.append("pages are validated on the SQLite run")
    if not VNU.exists() or not AXE.exists():
        reasons.append("validators not installed (scripts/setup test installs them)")
    if not shutil.which("java"):
        reasons.append("no Java for the Nu Html Checker")
    for item in items:
        if "validators" in str(item.fspath) and reasons:
            item.add_marker(pytest.mark.skip(reason="; ".join(reasons)))


@dataclass
class Page:
    role: str
    lang: str
    endpoint: str
    url: str
    html: str
    method: str = "GET"


@dataclass
class Walk:
    """What the crawler saw: pages by (role, lang, endpoint), and the endpoints that answered
    something else (downloads, redirects) or nothing that a role may open."""

    pages: dict[tuple[str, str, str], Page] = field(default_factory=dict)
    other: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    templates: set[str] = field(default_factory=set)
    logins: dict[str, str] = field(default_factory=dict)

    def by_endpoint(self) -> dict[str, Page]:
        """One page per endpoint (the first role that reached it), for the browser checks."""
        first: dict[str, Page] = {}
        for page in self.pages.values():
            first.setdefault(page.endpoint, page)
        return first


@pytest.fixture(scope="session")
def demo_app(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
        "SECRET_KEY": "validators",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "MAIL_BACKEND": "locmem",
        "PAGE_CACHE_SECONDS": 0,
        "CERTIFICATE_DEMO_LIMIT": 40,
        "BASE_URL": "http://127.0.0.1",
    })
    from school.demo import DEMO_PASSWORD, seed

    with app.app_context():
        db.create_all()
        lines = list(seed())
        # Links reach upcoming events first; an ended one with certificates shows the rest.
        from school.certificates.models import Certificate
        from school.enrollment.models import Enrollment

        ended = db.session.scalars(
            db.select(Enrollment.event_id).join(Certificate, Certificate.enrollment_id
                                                == Enrollment.id).limit(1)).all()
        # A participant who has taken a knowledge test sees pages no staff account does.
        from school.accounts.models import User
        from school.evaluation.models import Attempt

        tested, attempt_id, tested_event = db.session.execute(
            db.select(User.email, Attempt.id, Enrollment.event_id)
            .join(Enrollment, Enrollment.user_id == User.id)
            .join(Attempt, Attempt.enrollment_id == Enrollment.id).order_by(Attempt.id).limit(1)
        ).first() or (None, None, None)
        extra = _extra_pages()
        db.session.remove()
    app.config["DEMO_EXTRA"] = extra
    # Every kind of demo account the seed prints (admin, coordinator, union.coordinator,
    # chair, local.coordinator, …): one of each, named by its address.
    logins = {}
    for email in re.findall(r"[\w.]+@demo\.kz", "\n".join(lines)):
        kind = re.sub(r"\d+$", "", email.split("@")[0])
        if not kind.startswith("person"):
            logins.setdefault(kind, email)
    if tested:
        logins["tested"] = tested
    app.config["DEMO_LOGINS"] = logins
    # Addresses the demo prints (the certificate to verify, …) are places to start from.
    app.config["DEMO_PATHS"] = re.findall(r"http://127\.0\.0\.1(/\S+)", "\n".join(lines))
    app.config["DEMO_SAMPLES"] = {
        "number": re.findall(r"\(([A-Z]+-\d{4}-\d{6})\b", "\n".join(lines)),
        "event_id": ended + ([tested_event] if tested_event else []),
        "attempt_id": [attempt_id] if attempt_id else [],
        "kind": ["post", "pre"]}
    app.config["DEMO_PASSWORD"] = DEMO_PASSWORD
    return app


def _extra_pages() -> list[tuple]:
    """(label, method, url, form data, expected status) of pages no link leads to."""
    from flask import url_for

    from school.accounts.models import User
    from school.accounts.services import make_reset_token
    from school.releases.models import OutgoingLetter, ReleaseRequest
    from school.releases.requests import make_token

    pages = [("certificates.verify_unknown", "GET", "/verify/NOSUCHCODE0", None, 404)]
    trainee = db.session.scalar(db.select(User).where(User.email == "trainee@demo.kz"))
    release = db.session.scalar(db.select(ReleaseRequest).where(ReleaseRequest.nonce.is_not(None))
                                .order_by(ReleaseRequest.id).limit(1))
    letter = db.session.scalar(db.select(OutgoingLetter).where(OutgoingLetter.kind == "release")
                               .order_by(OutgoingLetter.id).limit(1))
    with current_app.test_request_context():
        if trainee is not None:
            pages.append(("accounts.reset_password", "GET", url_for(
                "accounts.reset_password", token=make_reset_token(trainee)), None, 200))
        if release is not None:
            pages.append(("releases.answer", "GET", url_for(
                "releases.answer", request_id=release.id, token=make_token(release)), None, 200))
            pages.append(("releases.answer_error", "GET", url_for(
                "releases.answer", request_id=release.id, token="not-a-token"), None, 400))
            # (400: any refusal of the link, 4xx)
        if letter is not None:
            pages.append(("releases.verify_letter", "POST", "/verify", {
                "number": letter.number, "surname": letter.holder_name.split()[0]}, 200))
    return pages


def _sign_in(client, app, email: str | None, lang: str) -> None:
    if email:
        response = client.post("/login", data={
            "email": email, "password": app.config["DEMO_PASSWORD"]})
        assert response.status_code == 302, f"{email} cannot sign in"
    client.post("/lang", data={"lang": lang, "next": "/"})


def _walk_one(app, role: str, email: str | None, lang: str, walk: Walk,
              samples: dict[str, list]) -> None:
    client = app.test_client()
    _sign_in(client, app, email, lang)
    adapter = app.url_map.bind("localhost")
    starts = ["/", *app.config.get("DEMO_PATHS", [])]
    queue = deque(starts)
    queued = set(starts)
    done: set[str] = set()
    visits: dict[str, int] = {}

    def visit(url: str) -> None:
        path = urlsplit(url).path
        try:
            endpoint, args = adapter.match(path, method="GET")
        except HTTPException:
            return
        # A few addresses of each kind are followed for their links (an event with
        # certificates links to more than one without); the first page of each is judged.
        if endpoint in NOT_PAGES or visits.get(endpoint, 0) >= VISITS_PER_ENDPOINT:
            return
        visits[endpoint] = visits.get(endpoint, 0) + 1
        for name, value in args.items():
            if value not in samples.setdefault(name, []):
                samples[name].append(value)
        try:
            response = client.get(url)
        except Exception as error:
            walk.errors.append(f"{role} {lang} {url}: {error!r}")
            visits[endpoint] = VISITS_PER_ENDPOINT
            return
        if response.status_code >= 500:
            walk.errors.append(f"{role} {lang} {url}: {response.status_code}")
        if response.status_code != 200:
            return
        if response.mimetype != "text/html":
            walk.other.setdefault(endpoint, response.mimetype)
            visits[endpoint] = VISITS_PER_ENDPOINT
            return
        done.add(endpoint)
        html = response.get_data(as_text=True)
        walk.pages.setdefault((role, lang, endpoint), Page(role, lang, endpoint, url, html))
        for href in _LINK.findall(html):
            href = href.replace("&amp;", "&")
            if not href.startswith("//") and href not in queued:
                queued.add(href)
                queue.append(href)

    while queue and len(done) < MAX_PAGES_PER_WALK:
        visit(queue.popleft())
    # Then every GET rule not reached by a link, with the ids seen so far.
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in NOT_PAGES or rule.endpoint in done \
                or rule.endpoint in walk.other:
            continue
        for values in _candidates(rule, samples):
            try:
                url = adapter.build(rule.endpoint, values)
            except Exception:  # noqa: S112 — a sample of the wrong type: next one
                continue
            visits.pop(rule.endpoint, None)
            visit(url)
            if rule.endpoint in done or rule.endpoint in walk.other:
                break


def _candidates(rule, samples: dict[str, list], limit: int = 8):
    names = sorted(rule.arguments)
    if not names:
        yield {}
        return
    pools = [samples.get(name, [])[:limit] for name in names]
    if not all(pools):
        return
    for i in range(limit):
        yield {name: pool[min(i, len(pool) - 1)] for name, pool in zip(names, pools, strict=True)}


@pytest.fixture(scope="session")
def walk(demo_app) -> Walk:
    result = Walk(logins=dict(demo_app.config["DEMO_LOGINS"]))
    samples: dict[str, list] = {k: list(v) for k, v in demo_app.config["DEMO_SAMPLES"].items()}
    people = [("anonymous", None), *demo_app.config["DEMO_LOGINS"].items()]
    from flask import template_rendered

    def seen(_app, template, context, **extra):
        result.templates.add(template.name)

    with template_rendered.connected_to(seen, demo_app):
        for lang in LANGS:
            for role, email in people:
                _walk_one(demo_app, role, email, lang, result, samples)
            _visit_extra(demo_app, lang, result)
    return result


def _visit_extra(app, lang: str, walk: Walk) -> None:
    """Pages behind a mailed link, a wrong address or a form: reached as their users reach
    them, judged like the others (the browser checks load the HTML the server sent)."""
    client = app.test_client()
    client.post("/lang", data={"lang": lang, "next": "/"})
    for label, method, url, data, status in app.config["DEMO_EXTRA"]:
        response = client.open(url, method=method, data=data)
        wrong = (response.status_code // 100 != status // 100 if status % 100 == 0
                 else response.status_code != status)
        if wrong or response.mimetype != "text/html":
            walk.errors.append(f"extra {label} {lang} {url}: {response.status_code}")
            continue
        walk.pages[("anonymous", lang, label)] = Page(
            "anonymous", lang, label, url, response.get_data(as_text=True), method)


@pytest.fixture(scope="session")
def demo_server(demo_app):
    server = make_server("127.0.0.1", 0, demo_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
