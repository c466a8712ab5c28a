"""The resources: catalogue paging and ETags, enrolments through the web's services,
verification, the yearly report, problem documents in the caller's language."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from school.api.models import ApiToken
from school.catalog.models import ApprovalMode, EventStatus
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.extensions import db


def test_events_cursor_pagination_visits_each_event_once(client, make_event):
    start = datetime.now(UTC).date() + timedelta(days=20)
    ids = {make_event(starts_on=start + timedelta(days=i % 3), sessions=1).id for i in range(7)}
    make_event(status=EventStatus.draft)  # not in the catalogue
    seen, cursor, pages = [], None, 0
    while True:
        url = "/api/v1/events?limit=3" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url).get_json()
        seen += [e["id"] for e in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen)) and pages == 3


def test_events_filters_as_the_catalogue(client, make_event):
    astana = make_event(region_code="KZ-71", sessions=1)
    make_event(region_code="KZ-79", sessions=1)
    items = client.get("/api/v1/events?region=KZ-71").get_json()["items"]
    assert [e["id"] for e in items] == [astana.id]
    assert client.get("/api/v1/events?kind=nonsense").status_code == 422
    bad_cursor = client.get("/api/v1/events?cursor=%%%")
    assert bad_cursor.status_code == 400
    assert bad_cursor.get_json()["code"] == "cursor_invalid"
    huge = client.get("/api/v1/events?cursor=WyIyMDI2LTAxLTAxIiwgOTk5OTk5OTk5OTk5OV0")
    assert huge.status_code == 400  # an id past 2^31-1 is refused before the query


def test_etag_and_if_none_match(client, make_event):
    event = make_event()
    first = client.get(f"/api/v1/events/{event.id}")
    assert first.status_code == 200 and first.headers.get("ETag")
    again = client.get(f"/api/v1/events/{event.id}",
                       headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    event.venue = "Другой зал"
    db.session.commit()
    changed = client.get(f"/api/v1/events/{event.id}",
                         headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.get_json()["venue"] == "Другой зал"


def test_draft_events_only_for_their_managers(client, make_event, make_user, make_token,
                                              bearer):
    draft = make_event(status=EventStatus.draft)
    assert client.get(f"/api/v1/events/{draft.id}").status_code == 404
    admin = make_token(make_user("admin"))
    assert client.get(f"/api/v1/events/{draft.id}", headers=bearer(admin)).status_code == 200


def test_enrol_and_cancel_through_the_same_services(client, make_event, make_user,
                                                    make_branch, make_token, bearer):
    branch = make_branch()
    coordinator = make_user("coordinator", branch=branch)
    token = make_token(coordinator)
    event = make_event(capacity=1)
    first, second = make_user(branch=branch), make_user(branch=branch)
    a = client.post("/api/v1/enrolments", json={"event_id": event.id, "person_id": first.id},
                    headers=bearer(token)).get_json()
    b = client.post("/api/v1/enrolments", json={"event_id": event.id, "person_id": second.id},
                    headers=bearer(token)).get_json()
    assert (a["status"], b["status"], b["waitlist_position"]) == ("confirmed", "waitlisted", 1)
    twice = client.post("/api/v1/enrolments", json={"event_id": event.id,
                                                    "person_id": first.id},
                        headers=bearer(token))
    assert twice.status_code == 400 and twice.get_json()["code"] == "already_enrolled"
    no_reason = client.post(f"/api/v1/enrolments/{a['id']}/cancel", json={},
                            headers=bearer(token))
    assert no_reason.status_code == 400 and no_reason.get_json()["code"] == "reason_required"
    done = client.post(f"/api/v1/enrolments/{a['id']}/cancel", json={"reason": "ill"},
                       headers=bearer(token))
    assert done.status_code == 200
    assert done.get_json()["enrolment"]["status"] == "cancelled"
    assert done.get_json()["promoted"] == [b["id"]]
    listed = client.get(f"/api/v1/enrolments?event_id={event.id}",
                        headers=bearer(token)).get_json()["items"]
    assert {e["id"]: e["status"] for e in listed} == {a["id"]: "cancelled",
                                                      b["id"]: "confirmed"}


def test_coordinators_nominate_only_their_people_and_approval_rules_hold(
        client, make_event, make_user, make_branch, make_token, bearer):
    mine, other = make_branch(), make_branch()
    token = make_token(make_user("coordinator", branch=mine))
    centre = make_event(approval_mode=ApprovalMode.centre)
    stranger = make_user(branch=other)
    refused = client.post("/api/v1/enrolments", json={"event_id": centre.id,
                                                      "person_id": stranger.id},
                          headers=bearer(token))
    assert refused.status_code == 403 and refused.get_json()["code"] == "forbidden"
    person = make_user(branch=mine)
    pending = client.post("/api/v1/enrolments", json={"event_id": centre.id,
                                                      "person_id": person.id},
                          headers=bearer(token))
    assert pending.status_code == 201 and pending.get_json()["status"] == "pending"
    # The stranger's enrolment (made by an admin) is invisible to the coordinator: 404.
    admin = make_token(make_user("admin"))
    theirs = client.post("/api/v1/enrolments", json={"event_id": centre.id,
                                                     "person_id": stranger.id},
                         headers=bearer(admin)).get_json()
    assert client.get(f"/api/v1/enrolments/{theirs['id']}",
                      headers=bearer(token)).status_code == 404
    assert client.post(f"/api/v1/enrolments/{theirs['id']}/cancel", json={"reason": "x y z"},
                       headers=bearer(token)).status_code == 404


def test_problem_detail_follows_accept_language(client, make_event, make_user, make_token,
                                                bearer):
    event = make_event(enrol_closes_at=datetime.now(UTC) - timedelta(hours=1))
    token = make_token(make_user("admin"))
    details = {}
    for lang in ("ru", "kk", "en"):
        response = client.post("/api/v1/enrolments", json={"event_id": event.id},
                               headers=bearer(token, **{"Accept-Language": f"{lang}-KZ"}))
        assert response.status_code == 400
        assert response.mimetype == "application/problem+json"
        body = response.get_json()
        assert body["code"] == "enrol_closed" and body["status"] == 400
        details[lang] = body["detail"]
    assert len(set(details.values())) == 3  # three languages, three texts


def test_bad_input_is_a_4xx_problem(client, make_user, make_token, bearer):
    token = make_token(make_user("admin"))
    for body in ({}, {"event_id": "x"}, {"event_id": 2**40}, {"event_id": 1, "extra": 1}, []):
        response = client.post("/api/v1/enrolments", json=body, headers=bearer(token))
        assert response.status_code == 422, body
        assert response.mimetype == "application/problem+json"
    raw = client.post("/api/v1/enrolments", data="{", headers=bearer(
        token, **{"Content-Type": "application/json"}))
    assert 400 <= raw.status_code < 500
    assert client.post("/api/v1/enrolments", json={"event_id": 99999},
                       headers=bearer(token)).status_code == 404


def test_verify_by_code_and_by_number_and_surname(client, make_event, make_user,
                                                  make_enrollment):
    from school.certificates import services as certificates

    event = make_event(starts_on=date(2026, 3, 12), status=EventStatus.completed)
    person = make_user(full_name="Сапарова Айгерим Нурлановна", iin="850425300126")
    enrollment = make_enrollment(event, person, status="completed", attended_hours=24,
                                 attended_sessions=3)
    certificate = certificates.issue_certificate(enrollment)
    db.session.commit()
    body = client.get(f"/api/v1/verify/{certificate.verification_code}").get_json()
    assert body["status"] == "valid" and body["number"] == certificate.number
    text = str(body)
    assert "850425300126" not in text and person.email not in text  # only the public page
    by_number = client.get(f"/api/v1/verify?number={certificate.number}&surname=сапарова")
    assert by_number.status_code == 200
    wrong = client.get(f"/api/v1/verify?number={certificate.number}&surname=Иванова")
    assert wrong.status_code == 404
    unknown = client.get("/api/v1/verify/NO-SUCH-CODE")
    assert unknown.status_code == 404 and unknown.mimetype == "application/problem+json"
    assert unknown.get_json()["code"] == "certificate_not_found"


def test_tokens_are_hashed_expire_are_revocable_and_record_last_use(
        client, make_user, make_token, bearer):
    admin = make_user("admin")
    token = make_token(admin, scopes=("catalogue:read",), days=1)
    row = db.session.scalar(db.select(ApiToken))
    assert token not in (row.token_hash, row.prefix) and len(row.token_hash) == 64
    assert row.last_used_at is None
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    db.session.refresh(row)
    assert row.last_used_at is not None
    assert client.get("/api/v1/enrolments", headers=bearer(token)).status_code == 403
    row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    expired = client.get("/api/v1/me", headers=bearer(token))
    assert expired.status_code == 401 and "Bearer" in expired.headers["WWW-Authenticate"]
    row.expires_at = datetime.now(UTC) + timedelta(days=1)
    row.revoked_at = datetime.now(UTC)
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Basic eDp5"}).status_code == 401


def test_cookies_do_not_authenticate_the_api(client, make_user, login):
    admin = make_user("admin")
    login(admin)
    assert client.get("/api/v1/enrolments").status_code == 401


def test_yearly_report_rows_match_the_csv(client, regions, make_user, make_token, bearer,
                                          login):
    admin = make_user("admin")
    token = make_token(admin, scopes=("reports:read",))
    year = date.today().year - 1
    rows = client.get(f"/api/v1/reports/yearly?year={year}",
                      headers=bearer(token)).get_json()["items"]
    login(admin)
    csv = client.get(f"/reports/yearly?year={year}&format=csv").get_data(as_text=True)
    lines = csv.lstrip("\ufeff").strip().splitlines()
    assert len(lines) - 1 == len(rows) and rows
    first = lines[1].replace('"', "").split(",")
    assert [str(rows[0][k]) for k in ("year", "region_code")] == first[:2]
    assert client.get("/api/v1/reports/yearly?year=1500",
                      headers=bearer(token)).status_code == 422


def test_rate_limit_per_token(make_app, make_user, make_token, bearer):
    limited = make_app(RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute")
    one, two = make_token(make_user("admin")), make_token(make_user("admin"))
    client = limited.test_client()
    codes = [client.get("/api/v1/me", headers=bearer(one)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    blocked = client.get("/api/v1/me", headers=bearer(one))
    assert blocked.mimetype == "application/problem+json"
    assert client.get("/api/v1/me", headers=bearer(two)).status_code == 200  # its own count


def test_enrolment_rows_snapshot_is_the_services(client, make_event, make_user, make_branch,
                                                 make_token, bearer):
    branch = make_branch()
    admin = make_token(make_user("admin"))
    person = make_user(branch=branch)
    event = make_event()
    made = client.post("/api/v1/enrolments", json={"event_id": event.id,
                                                   "person_id": person.id},
                       headers=bearer(admin)).get_json()
    row = db.session.get(Enrollment, made["id"])
    assert row.status is EnrollmentStatus.confirmed and row.branch_id == branch.id
    assert row.nominated_by_id is not None


def test_verification_keeps_the_public_pages_rate_limit(make_app):
    limited = make_app(RATELIMIT_ENABLED=True, CERTIFICATE_VERIFY_RATE_LIMIT="2 per minute",
                       API_RATE_LIMIT="100 per minute")
    client = limited.test_client()
    codes = [client.get(f"/api/v1/verify/CODE{i}").status_code for i in range(3)]
    assert codes == [404, 404, 429]
    assert client.get("/api/v1/events").status_code == 200  # the rest keeps its own limit
