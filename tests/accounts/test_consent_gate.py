"""Issue 13, item 5: people a coordinator enters consent at their first sign-in, before any
other page; until then only the invitation reaches them; registering with their e-mail or
IIN leads to a claim link, not a dead end."""

from __future__ import annotations

import re

from sqlalchemy import select

from school.accounts import consent
from school.accounts.models import ConsentRecord, User
from school.audit.models import AuditEntry
from school.enrollment import nominations
from school.extensions import db
from tests.accounts.conftest import VALID_IIN

HEADER = "full_name,email,iin,phone,primary_org,category"
PASSWORD = "Qazaqstan-2026"


def _upload(event, coordinator, *lines: str):
    data = ("\n".join([HEADER, *lines]) + "\n").encode()
    report = nominations.apply(event, data, coordinator)
    assert report.ok, [r.errors for r in report.rows]
    db.session.commit()
    return report


def _link(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0).split("localhost", 1)[-1]


def _accept_invitation(client, message) -> None:
    path = _link(message).replace("http://school.local", "")
    path = path[path.index("/password/"):]
    response = client.post(path, data={"password": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def _uploaded(make_event, make_user, org_tree, outbox):
    coordinator = make_user("coordinator", branch=org_tree["a"])
    event = make_event()
    _upload(event, coordinator, "Жаңа Адам Серікұлы,new@example.kz,,+77011234567,,chair")
    person = db.session.scalar(select(User).where(User.email == "new@example.kz"))
    return coordinator, event, person


def test_an_uploaded_person_is_pending_and_gets_only_the_invitation(
        make_event, make_user, org_tree, outbox):
    _coordinator, _event, person = _uploaded(make_event, make_user, org_tree, outbox)
    assert person.consent_pending is True and consent.state(person) == "pending"
    mine = [m for m in outbox if m.to == ["new@example.kz"]]
    # The enrolment confirmation is held back; the invitation goes out.
    assert len(mine) == 1 and "/password/reset/" in mine[0].body
    assert consent.mail_allowed("new@example.kz", "enrollment_confirmed") is False
    assert consent.mail_allowed("new@example.kz", "enrollment_invite") is True


def test_first_sign_in_stops_at_consent_decline_signs_out_accept_records(
        client, make_event, make_user, org_tree, outbox):
    _c, _e, person = _uploaded(make_event, make_user, org_tree, outbox)
    [invite] = [m for m in outbox if m.to == ["new@example.kz"]]
    _accept_invitation(client, invite)
    assert client.post("/login", data={"email": person.email,
                                       "password": PASSWORD}).status_code == 302
    for page in ("/my", "/profile", "/events"):
        response = client.get(page)
        assert response.status_code == 302 and response.headers["Location"].startswith(
            "/consent"), page
    page = client.get("/consent").get_data(as_text=True)
    assert "94-V" in page and ("BIN" in page or "БИН" in page)

    # Declining: signed out, recorded, nothing else changed.
    assert client.post("/consent/decline").status_code == 302
    assert client.get("/profile").status_code == 302
    assert client.get("/profile").headers["Location"].startswith("/login")
    declined = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "user.consent_declined", AuditEntry.object_id == person.id))
    assert declined is not None and declined.details["version"]
    db.session.expire_all()
    assert db.session.get(User, person.id).consent_pending is True
    assert not db.session.scalars(select(ConsentRecord)).all()

    # Accepting: version, time and address recorded; the pages open.
    client.post("/login", data={"email": person.email, "password": PASSWORD})
    response = client.post("/consent?next=/my", environ_base={"REMOTE_ADDR": "10.20.30.40"})
    assert response.status_code == 302 and response.headers["Location"] == "/my"
    db.session.expire_all()
    [record] = db.session.scalars(select(ConsentRecord)).all()
    assert record.user_id == person.id and record.ip_address == "10.20.30.40"
    assert record.text_version == client.application.config["CONSENT_VERSION"]
    assert record.granted_at is not None and record.withdrawn_at is None
    assert db.session.get(User, person.id).consent_pending is False
    assert client.get("/my").status_code == 200
    # Mail flows again.
    assert consent.mail_allowed(person.email, "enrollment_confirmed") is True


def test_the_gate_leaves_logout_and_language_open(client, make_event, make_user, org_tree,
                                                  outbox):
    _c, _e, person = _uploaded(make_event, make_user, org_tree, outbox)
    [invite] = [m for m in outbox if m.to == ["new@example.kz"]]
    _accept_invitation(client, invite)
    client.post("/login", data={"email": person.email, "password": PASSWORD})
    assert client.get("/lang/kk").status_code == 302
    assert client.get("/lang/kk").headers["Location"] != "/consent"
    assert client.post("/logout").status_code == 302
    assert client.get("/profile").headers["Location"].startswith("/login")


def test_people_who_registered_are_not_stopped(client, login, make_user):
    user = make_user()
    login(user)
    assert client.get("/my").status_code == 200


def test_registering_with_a_coordinators_email_mails_a_claim_link(
        client, make_event, make_user, org_tree, outbox, registration):
    _c, _e, person = _uploaded(make_event, make_user, org_tree, outbox)
    outbox.clear()
    response = client.post("/register", data=registration(email="NEW@example.kz"))
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    [claim] = outbox
    assert claim.to == ["new@example.kz"] and "/password/reset/" in claim.body
    assert db.session.scalar(select(User).where(User.email == "gauhar@example.kz")) is None
    # The link lets the person in once, then the consent page comes first.
    _accept_invitation(client, claim)
    path = _link(claim)
    path = path[path.index("/password/"):]
    assert client.get(path).status_code == 302  # used: refused
    client.post("/login", data={"email": person.email, "password": PASSWORD})
    assert client.get("/my").headers["Location"].startswith("/consent")


def test_registering_with_a_coordinators_iin_mails_the_claim_link_to_that_account(
        client, make_user, org_tree, outbox, registration):
    coordinator = make_user("coordinator", branch=org_tree["a"])
    entered = User(email="entered@example.kz", full_name="Әбілқайырова Гауһар",
                   iin=VALID_IIN, branch_id=org_tree["a"].id)
    db.session.add(entered)
    db.session.commit()
    assert entered.consent_pending is True  # no password: entered by someone else
    assert coordinator.consent_pending is False
    response = client.post("/register", data=registration())
    assert response.status_code == 302
    claim = [m for m in outbox if m.to == ["entered@example.kz"]]
    assert len(claim) == 1 and "/password/reset/" in claim[0].body


def test_a_list_naming_a_person_who_withdrew_says_so_in_its_preview(make_event, make_user,
                                                                     org_tree):
    from school.accounts import privacy

    coordinator = make_user("coordinator", branch=org_tree["a"])
    person = make_user(branch=org_tree["a"], email="gone@example.kz")
    consent.accept(person, locale="ru", ip_address=None)
    privacy.withdraw(person)
    db.session.commit()
    data = (HEADER + "\nКеткен Адам,gone@example.kz,,,,chair\n").encode()
    report = nominations.plan(make_event(), data, coordinator)
    assert not report.ok and report.rows[0].errors
    report = nominations.apply(make_event(), data, coordinator)
    assert not report.ok and not report.enrolled


def test_registering_again_and_again_mails_one_claim_link_a_day(
        client, make_event, make_user, org_tree, outbox, registration):
    """The security review: every POST /register with the address sent another link."""
    _uploaded(make_event, make_user, org_tree, outbox)
    outbox.clear()
    for _ in range(3):
        assert client.post("/register", data=registration(email="new@example.kz")
                           ).status_code == 302
    assert len(outbox) == 1


def test_an_api_token_stops_working_when_its_owner_withdraws_consent(client, make_user):
    from datetime import UTC, datetime

    from school.api.tokens import SCOPES, create_token

    owner = make_user("admin")
    _row, value = create_token(owner, "sync", sorted(SCOPES), 30)
    db.session.commit()
    headers = {"Authorization": f"Bearer {value}"}
    assert client.get("/api/v1/programmes", headers=headers).status_code == 200
    owner.consent_withdrawn_at = datetime.now(UTC)
    db.session.commit()
    assert client.get("/api/v1/programmes", headers=headers).status_code == 401
