"""`flask create-user` and `flask seed-demo`."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from school.accounts.models import Role, User
from school.extensions import db


def _count(table) -> int:
    return db.session.scalar(select(func.count()).select_from(table))


def test_create_user_prints_the_new_id(app, org_tree):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "--email", "Coord@Example.kz", "--password",
                                 "Strong-pass-1", "--role", "coordinator", "--name",
                                 "Жұмабеков Ерлан", "--branch-id", str(org_tree["a"].id)])
    assert result.exit_code == 0, result.output
    user_id = int(result.stdout.strip())
    db.session.expire_all()
    user = db.session.get(User, user_id)
    assert user.email == "coord@example.kz"
    assert user.full_name == "Жұмабеков Ерлан"
    assert user.check_password("Strong-pass-1")
    assert {(g.role, g.branch_id) for g in user.grants} == {
        (Role.coordinator, org_tree["a"].id), (Role.trainee, None)}


@pytest.mark.parametrize(
    "args",
    [
        ["--email", "c@example.kz", "--password", "Strong-pass-1", "--role", "coordinator"],
        ["--email", "c@example.kz", "--password", "short", "--role", "admin"],
        ["--email", "c@example.kz", "--password", "Strong-pass-1", "--role", "root"],
    ],
)
def test_create_user_refusals_create_nothing(app, args):
    result = app.test_cli_runner().invoke(args=["create-user", *args])
    assert result.exit_code != 0
    assert _count(User) == 0


def test_create_user_refuses_a_taken_email(app, make_user):
    make_user(email="taken@example.kz")
    result = app.test_cli_runner().invoke(args=[
        "create-user", "--email", "taken@example.kz", "--password", "Strong-pass-1",
        "--role", "admin"])
    assert result.exit_code == 1
    assert _count(User) == 1


def _row_counts() -> dict[str, int]:
    db.session.expire_all()
    return {t.name: _count(t) for t in db.metadata.sorted_tables if t.name != "audit_entry"}


def test_seed_demo_is_idempotent_and_prints_the_logins(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    counts = _row_counts()
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert _row_counts() == counts
    assert counts["region"] == 20 and counts["branch"] >= 36
    assert counts["primary_organization"] >= 200

    for email in ("admin@demo.kz", "coordinator@demo.kz", "instructor@demo.kz",
                  "trainee@demo.kz"):
        assert email in second.output
    # Every printed login works with the printed password.
    client = app.test_client()
    from school.demo import DEMO_PASSWORD

    assert DEMO_PASSWORD in second.output
    for email in ("admin@demo.kz", "coordinator@demo.kz", "trainee@demo.kz"):
        response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        client.post("/logout")
    trainee = db.session.scalar(select(User).where(User.email == "trainee@demo.kz"))
    assert trainee.full_name == "Әбілқайырова Гауһар Ұлықбекқызы"
