"""Issue 13, item 5: withdrawal stops processing, retention anonymises, a person downloads
their data."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from school.accounts import consent, privacy
from school.accounts.models import ConsentRecord, User
from school.certificates.models import Certificate
from school.enrollment import services as enrolment
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.errors import DomainError
from school.extensions import db
from school.reports import services as reports

OLD = datetime(2019, 3, 1, 6, 0, tzinfo=UTC)


def _consented(make_user, **kw) -> User:
    user = make_user(**kw)
    consent.accept(user, locale="ru", ip_address="127.0.0.1")
    db.session.commit()
    return user


def _status(enrollment) -> str:
    db.session.expire_all()
    return db.session.get(Enrollment, enrollment.id).status.value


# --- withdrawal -------------------------------------------------------------------------


def test_withdrawal_frees_the_seat_and_promotes_the_queue(make_event, make_user,
                                                          make_enrollment, org_tree):
    event = make_event(capacity=1)
    past = make_event(starts_on=date.today() - timedelta(days=40))
    person = _consented(make_user, branch=org_tree["a"])
    waiting = make_user(branch=org_tree["a"])
    seat = make_enrollment(event, person, "confirmed")
    queued = make_enrollment(event, waiting, "waitlisted")
    done = make_enrollment(past, person, "completed")

    cancelled = privacy.withdraw(person)
    db.session.commit()
    assert [e.id for e in cancelled] == [seat.id]
    assert _status(seat) == "cancelled"
    assert _status(queued) == "confirmed"  # the head of the queue took the seat
    assert _status(done) == "completed"  # counted statistics stay
    person = db.session.get(User, person.id)
    assert person.consent_withdrawn_at is not None and consent.state(person) == "withdrawn"
    with pytest.raises(DomainError) as e:
        privacy.withdraw(person)
    assert e.value.code == "no_consent"


def test_after_withdrawal_nobody_can_nominate_and_contacts_are_hidden(
        client, login, make_event, make_user, org_tree):
    coordinator = make_user("coordinator", branch=org_tree["a"])
    person = _consented(make_user, branch=org_tree["a"], phone="+7 701 000 11 22")
    event = make_event()
    privacy.withdraw(person)
    db.session.commit()
    assert privacy.contacts(person).hidden and privacy.contacts(person).email == ""
    enrolled, skipped = enrolment.nominate(event, [person], coordinator)
    db.session.rollback()
    assert enrolled == [] and [(p.id, code) for p, code in skipped] == [
        (person.id, "consent_withdrawn")]
    with pytest.raises(DomainError) as e:
        enrolment.enroll(event, person, actor=coordinator)
    assert e.value.code == "consent_withdrawn"
    db.session.rollback()
    login(coordinator)
    page = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert person.email not in page and "701 000 11 22" not in page
    listing = client.get("/people").get_data(as_text=True)
    assert person.email not in listing and person.full_name in listing


def test_consenting_again_brings_the_person_back(client, login, make_event, make_user,
                                                 org_tree):
    person = _consented(make_user, branch=org_tree["a"])
    privacy.withdraw(person)
    db.session.commit()
    login(person)
    assert client.get("/my").headers["Location"].startswith("/consent")
    client.post("/consent")
    db.session.expire_all()
    person = db.session.get(User, person.id)
    assert consent.state(person) == "given" and not privacy.contacts(person).hidden
    assert len(person.consents) == 2
    enrolment.enroll(make_event(), person)  # processing again
    db.session.commit()


def test_the_withdraw_page_cancels_the_future_enrolment(client, login, make_event, make_user,
                                                        make_enrollment, org_tree):
    person = _consented(make_user, branch=org_tree["a"])
    seat = make_enrollment(make_event(), person)
    login(person)
    assert client.post("/profile/consent/withdraw", data={"confirm": "y"}).status_code == 302
    assert _status(seat) == "cancelled"


# --- retention ---------------------------------------------------------------------------


def _history(make_event, make_user, make_enrollment, org_tree):
    """An old trainee (2019, certificate issued) and a recent one, both in the same event."""
    event = make_event(starts_on=date(2019, 3, 1), status="completed")
    old = make_user(branch=org_tree["a"], created_at=OLD, iin="850425300126",
                    phone="+7 701 111 22 33")
    recent = make_user(branch=org_tree["a"])
    for person in (old, recent):
        e = make_enrollment(event, person, "completed", created_at=OLD, completed_at=OLD)
        db.session.add(Certificate(enrollment_id=e.id, number=f"SPL-2019-{person.id:06d}",
                                   verification_code=f"code{person.id}",
                                   holder_name=person.full_name, pdf=b"%PDF", sha256="0" * 64))
    recent_seat = make_enrollment(make_event(), recent)
    assert recent_seat.id
    db.session.commit()
    return old, recent


def _figures(admin):
    report = reports.yearly_report(2019, admin)
    return (report.total.participations, report.total.people,
            {k: (c.participations, c.people) for k, c in report.cells.items()})


def test_anonymise_expired_dry_run_lists_and_the_run_keeps_the_yearly_totals(
        app, make_event, make_user, make_enrollment, org_tree):
    admin = make_user("admin", created_at=OLD)  # staff are not anonymised
    old, recent = _history(make_event, make_user, make_enrollment, org_tree)
    old_name = old.full_name
    before = _figures(admin)
    assert before[0] == 2 and before[1] == 2

    runner = app.test_cli_runner()
    dry = runner.invoke(args=["anonymise-expired", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert old_name in dry.output and recent.full_name not in dry.output
    assert admin.full_name not in dry.output and "1 people would be" in dry.output
    db.session.expire_all()
    assert db.session.get(User, old.id).anonymised_at is None  # nothing changed

    real = runner.invoke(args=["anonymise-expired"])
    assert real.exit_code == 0, real.output
    db.session.expire_all()
    gone = db.session.get(User, old.id)
    assert gone.anonymised_at is not None and gone.iin is None and gone.phone is None
    assert old_name not in gone.full_name and gone.email.endswith("@invalid")
    assert _figures(admin) == before
    # The registry's "issued to …" line is the printed name, kept.
    holder = db.session.scalar(select(Certificate.holder_name).where(
        Certificate.number == f"SPL-2019-{old.id:06d}"))
    assert holder == old_name
    again = runner.invoke(args=["anonymise-expired", "--dry-run"])
    assert "0 people would be" in again.output


# --- the person's copy ----------------------------------------------------------------


def test_a_person_downloads_their_data(client, login, make_event, make_user, make_enrollment,
                                       org_tree):
    person = _consented(make_user, branch=org_tree["a"], phone="+7 701 555 66 77")
    make_enrollment(make_event(), person)
    login(person)
    response = client.get("/profile/my-data.json")
    assert response.status_code == 200 and "attachment" in response.headers[
        "Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["profile"]["email"] == person.email
    assert data["profile"]["phone"] == "+7 701 555 66 77"
    assert len(data["enrolments"]) == 1 and len(data["consents"]) == 1
    page = client.get("/profile/my-data").get_data(as_text=True)
    assert person.email in page and "701 555 66 77" in page
    assert db.session.scalars(select(ConsentRecord)).first().ip_address in page
    assert EnrollmentStatus.confirmed.label in page or "confirmed" in page


def test_the_roster_and_its_export_drop_a_withdrawn_persons_contacts(
        client, login, make_event, make_user, make_enrollment, org_tree):
    coordinator = make_user("coordinator", branch=org_tree["a"])
    event = make_event(starts_on=date.today() - timedelta(days=10), sessions=1)
    person = _consented(make_user, branch=org_tree["a"], phone="+7 701 999 88 77",
                        email="kept.out@example.kz")
    other = make_user(branch=org_tree["a"], email="still.here@example.kz")
    make_enrollment(event, person, "completed")  # a past event: withdrawal keeps the row
    make_enrollment(event, other, "completed")
    login(coordinator)
    before = client.get(f"/events/{event.id}/roster.csv").get_data(as_text=True)
    assert "kept.out@example.kz" in before and "999 88 77" in before
    privacy.withdraw(db.session.get(User, person.id))
    db.session.commit()
    after = client.get(f"/events/{event.id}/roster.csv").get_data(as_text=True)
    assert "kept.out@example.kz" not in after and "999 88 77" not in after
    assert person.full_name in after and "still.here@example.kz" in after
    page = client.get(f"/events/{event.id}/roster").get_data(as_text=True)
    assert "kept.out@example.kz" not in page and "still.here@example.kz" in page


def test_a_withdrawn_persons_hidden_address_does_not_find_them(make_user):
    """The security review: /people hid the e-mail but still matched a search on it."""
    from school.accounts.services import people_query

    admin = make_user("admin")
    person = make_user(full_name="Серікова Әйгерім", email="hidden.address@example.kz")
    db.session.commit()
    found = lambda text: list(db.session.scalars(people_query(admin, search=text)))  # noqa: E731
    assert found("hidden.address") == [person]
    person.consent_withdrawn_at = datetime.now(UTC)
    db.session.commit()
    assert found("hidden.address") == [] and found("Серікова") == [person]
