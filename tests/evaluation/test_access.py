"""Every evaluation route × role → status."""

from __future__ import annotations

import pytest

from school.evaluation import services
from school.extensions import db

ROLES = ("anonymous", "trainee", "instructor", "coordinator", "admin")


@pytest.fixture
def world(make_user, make_event, org_tree, default_questionnaire):
    event = make_event()
    users = {role: make_user(role, branch=org_tree["a"]) for role in ROLES[1:]}
    question = default_questionnaire.questions[0]
    db.session.commit()
    return {"event": event, "users": users, "q": default_questionnaire, "question": question}


# (method, url template, expected status per role in ROLES order)
ROUTES = [
    ("GET", "/evaluation/questionnaires", (302, 403, 403, 403, 200)),
    ("POST", "/evaluation/questionnaires/new", (302, 403, 403, 403, 302)),
    ("GET", "/evaluation/questionnaires/{q}", (302, 403, 403, 403, 200)),
    ("POST", "/evaluation/questionnaires/{q}/questions", (302, 403, 403, 403, 400)),
    ("POST", "/evaluation/questions/{question}/delete", (302, 403, 403, 403, 302)),
    ("GET", "/evaluation/programs/{program}/bank", (302, 403, 403, 403, 200)),
    ("POST", "/evaluation/programs/{program}/bank", (302, 403, 403, 403, 400)),
    ("POST", "/evaluation/bank/999999/retire", (302, 403, 403, 403, 404)),
    ("POST", "/evaluation/programs/{program}/tests/post", (302, 403, 403, 403, 302)),
    ("GET", "/evaluation/events/{event}", (302, 403, 404, 404, 200)),
    ("GET", "/reports/evaluation", (302, 403, 200, 200, 200)),
    ("GET", "/reports/evaluation/instructors", (302, 403, 200, 200, 200)),
    ("GET", "/feedback/{event}", (302, 404, 404, 404, 404)),
    ("GET", "/events/{event}/tests/post", (302, 404, 404, 404, 404)),
    ("POST", "/events/{event}/tests/post/start", (302, 404, 404, 404, 404)),
    ("GET", "/attempts/999999", (302, 404, 404, 404, 404)),
    ("POST", "/attempts/999999/answer", (302, 404, 404, 404, 404)),
    ("POST", "/attempts/999999/submit", (302, 404, 404, 404, 404)),
]


@pytest.mark.parametrize(("method", "url", "expected"), ROUTES)
def test_access(app, world, method, url, expected):
    from tests.factories import PASSWORD

    url = url.format(q=world["q"].id, question=world["question"].id,
                     program=world["event"].program_id, event=world["event"].id)
    for role, status in zip(ROLES, expected, strict=True):
        client = app.test_client()  # a fresh cookie jar per role
        if role != "anonymous":
            client.post("/login", data={"email": world["users"][role].email,
                                        "password": PASSWORD})
        response = client.open(url, method=method, data={})
        assert response.status_code == status, (role, url, response.status_code)


def test_every_evaluation_route_is_in_the_matrix(app):
    rules = {r.rule for r in app.url_map.iter_rules() if r.endpoint.startswith("evaluation.")}
    covered = {u.replace("{q}", "<int:questionnaire_id>")
               .replace("{question}", "<int:question_id>")
               .replace("{program}", "<int:program_id>")
               .replace("{event}", "<int:event_id>")
               .replace("999999/retire", "<int:question_id>/retire")
               .replace("/tests/post", "/tests/<kind>")
               .replace("/attempts/999999", "/attempts/<int:attempt_id>")
               for _m, u, _e in ROUTES}
    assert rules <= covered, rules - covered
    assert services  # the feature's services module imports
