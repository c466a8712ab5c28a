"""Sessions end when the password changes; lookups answer JSON errors."""

from __future__ import annotations

from tests.factories import PASSWORD


def test_changing_the_password_signs_out_other_sessions(app, make_user):
    user = make_user()
    phone, laptop = app.test_client(), app.test_client()
    for c in (phone, laptop):
        assert c.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
        assert c.get("/profile").status_code == 200

    response = laptop.post("/profile/password", data={
        "current_password": PASSWORD, "new_password": "Brand-new-pass-1",
        "new_password2": "Brand-new-pass-1"})
    assert response.status_code == 302

    assert laptop.get("/profile").status_code == 200  # the session that changed it stays
    gone = phone.get("/profile")
    assert gone.status_code == 302
    assert "/login" in gone.headers["Location"]


def test_a_forged_session_stamp_is_not_accepted(app, make_user):
    user = make_user()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = f"{user.id}:0000000000000000"
        session["_fresh"] = True
    assert client.get("/profile").status_code == 302


def test_api_lookups_answer_json_for_unknown_paths(client):
    response = client.get("/orgs/api/nothing-here")
    assert response.status_code == 404
    assert response.is_json
