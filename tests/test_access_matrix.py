"""Every rule of the URL map, every method, × the five roles (as Indico's access_test.py).

The cases are generated from `app.url_map`, so a new route is tested the day it appears, and
a route whose rule this file does not know fails (`test_every_rule_has_an_expectation`).
The expected outcome comes from the route's declared `@allow(...)` rule; the places where an
object decides otherwise (the instructor of another event, a token that is not yours…) are
listed in EXCEPTIONS, each with its reason.

Outcomes: "allowed" (2xx, or 3xx elsewhere than the sign-in page), "login" (302 to the
sign-in page), "refused" (403 or 404), "unauthorized" (401: the API without a token),
"invalid" (400/409/413/422: the request got through and was refused for its content: for a
POST that counts as allowed). A 5xx is never right. POSTs carry an empty form (CSRF is off in
tests), which must be answered, not crash.
"""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD
from tests.scene import ROLES, RULES, make_scene

SIGNED = ("trainee", "instructor", "coordinator", "admin")

# Who passes each declared rule, among the five roles (chairs are not one of them).
RULE_ALLOWS = {
    "public": set(ROLES),
    "signed_in": set(SIGNED),
    "teaching": {"instructor", "coordinator", "admin"},
    "staff": {"coordinator", "admin"},
    "planning": {"coordinator", "admin"},
    "admin": {"admin"},
    "chair": set(),
}

# The API's routes are public to Flask: a bearer token decides (school/api/tokens.py
# `require`). There each role is its own person's token, never a cookie.
API_NEEDS_TOKEN = {
    "api.organisations", "api.me", "api.enrolments", "api.enrolment_detail", "api.enrol",
    "api.cancel", "api.attendance", "api.certificates", "api.certificate", "api.yearly",
    "api.subscriptions", "api.subscribe", "api.subscription", "api.update_subscription",
    "api.delete_subscription", "api.deliveries", "api.redeliver",
}

REFUSED = "refused"
ALLOWED = "allowed"
INVALID = "invalid"


def _staff_only(**extra):
    return {"trainee": REFUSED, "instructor": REFUSED, **extra}


# (endpoint, method) → {role: outcome} where the object, not the rule, decides. Each line
# says why.
_NOT_THE_TOKENS = "a webhook subscription is seen and changed through its own token only"
_ADMINS_TOKEN = {"trainee": REFUSED, "instructor": REFUSED, "coordinator": REFUSED}
EXCEPTIONS: dict[tuple[str, str], dict[str, str]] = {
    # The API shows an enrolment or certificate to its holder and to staff who see the
    # holder's branch; the event's instructor reads them on the attendance sheet instead.
    ("api.certificate", "GET"): {"instructor": REFUSED},
    ("api.enrolment_detail", "GET"): {"instructor": REFUSED},
    ("api.cancel", "POST"): {"instructor": REFUSED},
    # The yearly report is for staff (as on its page).
    ("api.yearly", "GET"): {"trainee": REFUSED, "instructor": REFUSED},
    # The subscription belongs to the admin's token (_NOT_THE_TOKENS).
    ("api.subscription", "GET"): _ADMINS_TOKEN,
    ("api.update_subscription", "PATCH"): _ADMINS_TOKEN,
    ("api.delete_subscription", "DELETE"): _ADMINS_TOKEN,
    ("api.deliveries", "GET"): _ADMINS_TOKEN,
    ("api.redeliver", "POST"): _ADMINS_TOKEN,
    # A knowledge-test attempt is its taker's alone; the tests and the questionnaire are
    # for the event's participants (the invited ones).
    ("evaluation.attempt", "GET"): {"instructor": REFUSED, "coordinator": REFUSED,
                                    "admin": REFUSED},
    ("evaluation.test_home", "GET"): {"instructor": REFUSED, "coordinator": REFUSED,
                                      "admin": REFUSED},
    ("evaluation.start_test", "POST"): {"instructor": REFUSED, "coordinator": REFUSED,
                                        "admin": REFUSED},
    ("evaluation.answer", "GET"): {"instructor": REFUSED, "coordinator": REFUSED,
                                   "admin": REFUSED},
    ("evaluation.answer", "POST"): {"instructor": REFUSED, "coordinator": REFUSED,
                                    "admin": REFUSED},
    ("evaluation.save_answer", "POST"): {"instructor": REFUSED, "coordinator": REFUSED,
                                         "admin": REFUSED},
    ("evaluation.submit_attempt", "POST"): {"instructor": REFUSED, "coordinator": REFUSED,
                                            "admin": REFUSED},
    # The certificate and letters: the holder and the staff who manage the holder; not the
    # event's instructor.
    ("certificates.download", "GET"): {"instructor": REFUSED},
    ("certificates.letter", "GET"): {"instructor": REFUSED},
    # Participants see an event's materials; its staff (managers, instructors) add them.
    ("materials.add_file", "POST"): {"trainee": REFUSED},
    ("materials.add_link", "POST"): {"trainee": REFUSED},
    # … and a material is removed by whoever added it or a manager of the event (the
    # instructor did not add this one).
    ("materials.remove", "POST"): {"trainee": REFUSED, "instructor": REFUSED},
    # An enrolment is cancelled by its holder or a manager of the event, not the instructor.
    ("enrollment.cancel", "POST"): {"instructor": REFUSED},
    # The online report's thresholds are the event's managers' to set, not its instructor's.
    ("online_attendance.thresholds", "POST"): {"instructor": REFUSED},
    # A branch's plan is approved above the branch: not by the branch's coordinator.
    ("planning.approve", "POST"): {"coordinator": REFUSED},
    # "Sign out everywhere" signs this browser out too: it lands on the sign-in page.
    ("accounts.revoke_all_sessions", "POST"): {role: "login" for role in SIGNED},
}

# Query strings and JSON bodies the API validates before it looks at the token: valid ones,
# so that the answer is about the person, not about the form.
def _api_query(scene, endpoint: str) -> dict:
    return {
        "api.attendance": {"event_id": scene.event.id},
        "api.yearly": {"year": scene.event.starts_on.year},
        "api.verify_by_number": {"number": scene.certificate.number,
                                 "surname": scene.trainee.full_name.split()[0]},
    }.get(endpoint, {})


def _api_body(scene, endpoint: str) -> dict:
    return {
        "api.enrol": {"event_id": scene.event.id},
        "api.cancel": {"reason": "Болею"},
        "api.subscribe": {"url": "https://hooks.example.kz/new",
                          "events": ["enrolment.confirmed"]},
        "api.update_subscription": {"active": False},
    }.get(endpoint, {})


# Query arguments without which a page cannot name what it acts on.
def _query(scene, endpoint: str) -> dict:
    session = {"session": scene.event.sessions[0].id}
    return {"online_attendance.upload": session,
            "online_attendance.apply": session}.get(endpoint, {})


def expected(endpoint: str, method: str, declared: str | None, role: str) -> str:
    special = EXCEPTIONS.get((endpoint, method), {})
    if role in special:
        return special[role]
    if endpoint in ("static", "bootstrap.static"):
        return ALLOWED
    if endpoint.startswith("api."):
        if endpoint in API_NEEDS_TOKEN and role == "anonymous":
            return "unauthorized"
        return ALLOWED
    if role in RULE_ALLOWS[declared]:
        return ALLOWED
    return "login" if role == "anonymous" else REFUSED


def outcome(response) -> str:
    status = response.status_code
    if status in (301, 302, 303) and "/login" in response.headers.get("Location", ""):
        return "login"
    if status < 400:
        return ALLOWED
    if status in (403, 404):
        return REFUSED
    if status == 401:
        return "unauthorized"
    if status in (400, 409, 413, 422):
        return INVALID
    return f"status {status}"


@pytest.fixture
def scene(request):
    return make_scene(request)


@pytest.fixture(autouse=True)
def _background_work_done(app):
    """A POST may start work in a thread (a certificate batch, a webhook delivery): it ends
    before the tables are emptied, or the two deadlock on PostgreSQL."""
    yield
    from school.api import delivery
    from school.certificates import jobs

    jobs.wait_local()
    delivery.wait_local()


def test_every_rule_has_an_expectation():
    unknown = sorted({(endpoint, declared) for _, _, endpoint, declared in RULES
                      if declared not in RULE_ALLOWS
                      and endpoint not in ("static", "bootstrap.static")})
    assert unknown == [], f"rules this matrix does not know (add them to RULE_ALLOWS): {unknown}"
    stale = sorted(set(EXCEPTIONS) - {(e, m) for _, m, e, _ in RULES})
    assert stale == [], f"exceptions for routes that no longer exist: {stale}"


def _request(app, scene, clients, path, method, endpoint, role):
    rule = next(r for r in app.url_map.iter_rules(endpoint)
                if r.rule == path and method in r.methods)
    url = scene.url_for_rule(rule)
    headers, kwargs = {}, {}
    if endpoint.startswith("api."):
        client = app.test_client()  # the API reads no cookie: a token is the person
        if role != "anonymous":
            headers["Authorization"] = f"Bearer {scene.tokens[role]}"
        kwargs["query_string"] = _api_query(scene, endpoint)
        if method in ("POST", "PATCH"):
            kwargs["json"] = _api_body(scene, endpoint)
    else:
        client = clients(role)
        kwargs["query_string"] = _query(scene, endpoint)
        if method == "POST":
            kwargs["data"] = {}
    response = client.open(url, method=method, headers=headers, **kwargs)
    return url, response


@pytest.fixture
def clients(app, scene):
    """A client of each role's own, signed in (anonymous: not)."""
    made = {}

    def get(role: str):
        if role not in made:
            scene.people  # noqa: B018 — everyone exists, whoever signs in
            made[role] = app.test_client()
            if role != "anonymous":
                person = scene.people[role]
                response = made[role].post("/login", data={"email": person.email,
                                                            "password": PASSWORD})
                assert response.status_code == 302, f"{role} cannot sign in"
        return made[role]

    return get


def _judge(url, method, role, response, want, declared) -> str | None:
    if response.status_code >= 500:
        return f"{method} {url} as {role}: {response.status_code}"
    got = outcome(response)
    if got == INVALID and want == ALLOWED and method != "GET":
        return None  # through the door; the empty form was refused for its content
    if got != want:
        return (f"{method} {url} as {role}: {response.status_code} "
                f"{response.headers.get('Location', '')} is {got}, not {want} (rule {declared})")
    return None


GETS = [case for case in RULES if case[1] == "GET"]
CHANGES = [(*case, role) for case in RULES if case[1] != "GET" for role in ROLES]


@pytest.mark.parametrize(("path", "method", "endpoint", "declared"), GETS,
                         ids=[f"GET {path}" for path, *_ in GETS])
def test_get_as_each_role(app, scene, clients, path, method, endpoint, declared):
    # A GET changes nothing that the next role's answer depends on: one world for the five.
    wrong = []
    for role in ROLES:
        url, response = _request(app, scene, clients, path, method, endpoint, role)
        problem = _judge(url, method, role, response,
                         expected(endpoint, method, declared, role), declared)
        if problem:
            wrong.append(problem)
    assert wrong == [], "\n".join(wrong)


@pytest.mark.parametrize(("path", "method", "endpoint", "declared", "role"), CHANGES,
                         ids=[f"{method} {path} {role}" for path, method, _, _, role in CHANGES])
def test_change_as_each_role(app, scene, clients, path, method, endpoint, declared, role):
    # A POST that succeeds changes the world: each role gets a fresh one.
    url, response = _request(app, scene, clients, path, method, endpoint, role)
    problem = _judge(url, method, role, response, expected(endpoint, method, declared, role),
                     declared)
    assert problem is None, problem
