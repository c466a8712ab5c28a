"""Issue 13, item 6: possible duplicates (scoped) and their merge."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from school.accounts import duplicates, iin_claims
from school.accounts.models import Role, RoleGrant, User
from school.attendance.models import AttendanceMark, AttendanceStatus
from school.audit.models import AuditEntry
from school.certificates.models import Certificate
from school.enrollment.models import Enrollment
from school.errors import DomainError
from school.extensions import db
from school.reports import services as reports

DONE = datetime(2025, 3, 1, 6, 0, tzinfo=UTC)


def _pairs(viewer):
    return {(p.first.id, p.second.id, p.reason) for p in duplicates.possible_duplicates(viewer)}


def test_the_list_finds_the_three_kinds_within_the_coordinators_branches(make_user, org_tree):
    a, b = org_tree["a"], org_tree["b"]
    coordinator, admin = make_user("coordinator", branch=a), make_user("admin")
    x1 = make_user(branch=a, email="Aigerim@example.kz")
    x2 = make_user(branch=a, email="aigerim@example.kz")
    y1 = make_user(branch=a, full_name="Сейіт Арман", iin="850425300126")
    y2 = make_user(branch=a, full_name="сейіт арман", iin="850425300134")
    z1 = make_user(branch=a, full_name="Иванов Иван", iin="900103400560")
    z2 = make_user(branch=a, full_name="Иванов Иван Иванович")
    iin_claims.refuse_quietly(z2, z1)  # z2 tried z1's IIN: stored without it
    far1 = make_user(branch=b, email="Far@example.kz")
    far2 = make_user(branch=b, email="far@example.kz")
    db.session.commit()
    mine = _pairs(coordinator)
    assert mine == {(x1.id, x2.id, "email_case"), (y1.id, y2.id, "name_birth"),
                    (z1.id, z2.id, "iin")}
    assert _pairs(admin) == mine | {(far1.id, far2.id, "email_case")}


def _two_people(make_user, org_tree):
    """A suspect pair: `other` registered again and tried `keep`'s IIN."""
    keep = make_user(branch=org_tree["a"], full_name="Сейіт Арман", iin="850425300126")
    other = make_user(branch=org_tree["a"], full_name="Сейіт Арман", phone="+7 701 222 33 44")
    iin_claims.refuse_quietly(other, keep)
    return keep, other


def test_merge_keeps_every_enrolment_and_certificate_and_counts_the_person_once(
        make_event, make_user, make_enrollment, org_tree):
    admin = make_user("admin")
    keep, other = _two_people(make_user, org_tree)
    first = make_event(starts_on=date(2025, 2, 20), status="completed", sessions=1)
    second = make_event(starts_on=date(2025, 3, 1), status="completed", sessions=1)
    upcoming = make_event()
    e1 = make_enrollment(first, keep, "completed", completed_at=DONE)
    e2 = make_enrollment(second, other, "completed", completed_at=DONE)
    e3 = make_enrollment(upcoming, other)
    other.primary_org_id = org_tree["org_a"].id
    other.grants.append(RoleGrant(role=Role.chair, primary_org_id=org_tree["org_a"].id))
    db.session.add(AttendanceMark(enrollment_id=e2.id, session_id=second.sessions[0].id,
                                  status=AttendanceStatus.present))
    for e, person in ((e1, keep), (e2, other)):
        db.session.add(Certificate(enrollment_id=e.id, number=f"SPL-2025-{e.id:06d}",
                                   verification_code=f"c{e.id}", holder_name=person.full_name,
                                   pdf=b"%PDF", sha256="0" * 64))
    db.session.commit()
    before = reports.yearly_report(2025, admin).total
    assert (before.participations, before.people) == (2, 2)

    result = duplicates.merge(keep, other, admin)
    db.session.commit()
    owners = set(db.session.scalars(select(Enrollment.user_id).where(
        Enrollment.id.in_([e1.id, e2.id, e3.id]))))
    assert owners == {keep.id} and result.moved["enrollment"] == 2
    assert db.session.scalar(select(func.count()).select_from(Certificate).join(
        Enrollment, Enrollment.id == Certificate.enrollment_id).where(
        Enrollment.user_id == keep.id)) == 2
    assert db.session.scalar(select(func.count()).select_from(AttendanceMark)) == 1
    after = reports.yearly_report(2025, admin).total
    assert (after.participations, after.people) == (2, 1)
    keep, other = db.session.get(User, keep.id), db.session.get(User, other.id)
    assert keep.phone == "+7 701 222 33 44"  # what the kept account lacked
    assert keep.has_role("chair") and not other.has_role("chair")
    assert other.active is False and other.email.endswith("@invalid")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.merged"))
    assert entry.actor_id == admin.id and entry.details["other_id"] == other.id


def test_both_enrolled_in_one_event_keeps_the_better_status(make_event, make_user,
                                                            make_enrollment, org_tree):
    admin = make_user("admin")
    keep, other = _two_people(make_user, org_tree)
    event = make_event(capacity=2)
    waiting = make_enrollment(event, keep, "waitlisted")
    seat = make_enrollment(event, other, "confirmed")
    result = duplicates.merge(keep, other, admin)
    db.session.commit()
    assert result.settled == [(event.id, "confirmed", "waitlisted")]
    statuses = dict(db.session.execute(select(Enrollment.id, Enrollment.status)).all())
    assert statuses[seat.id].value == "confirmed" and statuses[waiting.id].value == "cancelled"
    assert set(db.session.scalars(select(Enrollment.user_id))) == {keep.id}


def test_merge_refuses_what_it_cannot_settle(make_event, make_user, make_enrollment,
                                             org_tree):
    admin = make_user("admin")
    keep, other = _two_people(make_user, org_tree)
    event = make_event(starts_on=date(2025, 2, 20), status="completed")
    make_enrollment(event, keep, "completed")
    make_enrollment(event, other, "completed")
    with pytest.raises(DomainError) as e:
        duplicates.merge(keep, other, admin)
    assert e.value.code == "merge_conflict"
    db.session.rollback()
    with pytest.raises(DomainError) as e:
        duplicates.merge(keep, keep, admin)
    assert e.value.code == "merge_same"
    staff = make_user("coordinator", branch=org_tree["a"])
    with pytest.raises(DomainError) as e:
        duplicates.merge(keep, staff, admin)
    assert e.value.code == "merge_staff"


def test_duplicate_pages_and_access(client, login, make_user, org_tree):
    coordinator = make_user("coordinator", branch=org_tree["a"])
    keep, other = _two_people(make_user, org_tree)
    other.email = keep.email.upper()
    outsider = make_user(branch=org_tree["b"])
    db.session.commit()
    login(make_user())
    assert client.get("/people/duplicates").status_code == 403
    client.post("/logout")
    login(coordinator)
    page = client.get("/people/duplicates")
    assert page.status_code == 200 and keep.full_name in page.get_data(as_text=True)
    hidden = client.post("/people/duplicates/merge",
                         data={"keep_id": keep.id, "other_id": outsider.id})
    assert hidden.status_code == 404
    bad = client.post("/people/duplicates/merge", data={"keep_id": "x"})
    assert bad.status_code == 302
    done = client.post("/people/duplicates/merge",
                       data={"keep_id": keep.id, "other_id": other.id})
    assert done.status_code == 302 and done.headers["Location"] == f"/people/{keep.id}"
    db.session.expire_all()
    assert db.session.get(User, other.id).active is False


def test_only_a_suspect_pair_merges_and_never_into_the_mergers_own_account(
        make_user, org_tree):
    """The security review: a coordinator could merge any person of their branch into
    their own account and so take over its records and grants."""
    a = org_tree["a"]
    coordinator, admin = make_user("coordinator", branch=a), make_user("admin")
    keep, other = _two_people(make_user, org_tree)
    stranger = make_user(branch=a, full_name="Другой Человек")
    db.session.commit()
    for target, giver, actor, code in (
            (coordinator, stranger, coordinator, "merge_self"),
            (keep, stranger, coordinator, "merge_not_duplicates"),
            (other, keep, admin, "merge_keep_iin"),  # keep holds the IIN other tried
    ):
        with pytest.raises(DomainError) as e:
            duplicates.merge(target, giver, actor)
        assert e.value.code == code
        db.session.rollback()
    # A person's twin may not be merged into a staff account by a coordinator.
    twin = make_user(branch=a, email=coordinator.email.upper())
    db.session.commit()
    with pytest.raises(DomainError) as e:
        duplicates.merge(coordinator, twin, make_user("coordinator", branch=a))
    assert e.value.code == "merge_staff"
    db.session.rollback()
    assert db.session.get(User, stranger.id).active is True
