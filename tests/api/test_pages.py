"""The API token pages: admins and coordinators make tokens (shown once), see and revoke
their own; an admin sees everyone's; nobody else reaches them."""

from __future__ import annotations

from school.api import tokens
from school.api.models import ApiToken
from school.extensions import db


def test_access_by_role(client, make_user, make_branch, login):
    assert client.get("/api-tokens/").status_code == 302  # to the login page
    for role, status in (("trainee", 403), ("instructor", 403), ("coordinator", 200),
                         ("admin", 200)):
        person = make_user(role, branch=make_branch()) if role == "coordinator" else \
            make_user(role)
        login(person)
        assert client.get("/api-tokens/").status_code == status, role
        assert client.post("/api-tokens/1/revoke").status_code in (403 if status == 403
                                                                   else 404,), role
        client.post("/logout")


def test_create_shows_the_token_once_and_it_works(client, make_user, make_branch, login):
    coordinator = make_user("coordinator", branch=make_branch())
    login(coordinator)
    page = client.post("/api-tokens/", data={"name": "Union site",
                                             "scopes": ["catalogue:read", "people:read"],
                                             "days": "30"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    row = db.session.scalar(db.select(ApiToken))
    assert row.owner_id == coordinator.id and row.scope_set == {"catalogue:read",
                                                                 "people:read"}
    start = html.index(tokens.TOKEN_PREFIX, html.index('id="new-token"'))
    secret = html[start:html.index("<", start)]
    assert tokens.hash_token(secret) == row.token_hash
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}
                      ).status_code == 200
    assert secret not in client.get("/api-tokens/").get_data(as_text=True)  # shown once


def test_bad_input_changes_nothing(client, make_user, login):
    login(make_user("admin"))
    for data in ({"name": "", "scopes": ["people:read"], "days": "30"},
                 {"name": "x", "scopes": [], "days": "30"},
                 {"name": "x", "scopes": ["root"], "days": "30"},
                 {"name": "x", "scopes": ["people:read"], "days": "9999"}):
        assert client.post("/api-tokens/", data=data).status_code == 200
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 0


def test_revoke_own_and_admin_sees_all(client, make_user, make_branch, make_token, login):
    branch = make_branch()
    one, two = make_user("coordinator", branch=branch), make_user("coordinator", branch=branch)
    secret = make_token(one)
    make_token(two)
    theirs = db.session.scalar(db.select(ApiToken).where(ApiToken.owner_id == two.id))
    mine = db.session.scalar(db.select(ApiToken).where(ApiToken.owner_id == one.id))
    login(one)
    assert client.post(f"/api-tokens/{theirs.id}/revoke").status_code == 404
    assert client.post(f"/api-tokens/{mine.id}/revoke").status_code == 302
    db.session.refresh(mine)
    assert mine.revoked_at is not None
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}
                      ).status_code == 401
    client.post("/logout")
    login(make_user("admin"))
    html = client.get("/api-tokens/").get_data(as_text=True)
    assert html.count(tokens.TOKEN_PREFIX) >= 2  # both coordinators' tokens (prefixes)


def test_menu_entry(client, make_user, login):
    login(make_user("admin"))
    assert 'href="/api-tokens/"' in client.get("/").get_data(as_text=True)
