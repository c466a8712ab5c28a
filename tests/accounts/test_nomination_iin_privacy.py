"""Issue 11, item 7: a nomination list answers the same for an IIN held by someone the
coordinator cannot see as for a free IIN (no "this IIN is registered" answer)."""

from __future__ import annotations

from flask_babel import force_locale
from sqlalchemy import select

from school.accounts.models import User
from school.audit.models import AuditEntry
from school.enrollment import nominations
from school.extensions import db
from tests.accounts.conftest import VALID_IIN

FREE_IIN = "900101300007"
HEADER = "full_name,email,iin,phone,primary_org,category"


def _file(*lines: str) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode()


def _view(report) -> list[tuple]:
    return [(r.outcome, r.errors, r.notes, r.user is None) for r in report.rows]


def test_an_outsiders_iin_reads_like_a_free_one(make_event, make_user, org_tree):
    coordinator = make_user("coordinator", branch=org_tree["a"])
    holder = make_user(branch=org_tree["b"], iin=VALID_IIN, email="holder@example.kz")
    event = make_event()
    with force_locale("en"):
        taken = nominations.plan(event, _file(f"Жаңа Адам,new1@example.kz,{VALID_IIN},,,"),
                                 coordinator)
        free = nominations.plan(event, _file(f"Жаңа Адам,new1@example.kz,{FREE_IIN},,,"),
                                coordinator)
        no_email_taken = nominations.plan(event, _file(f"Жаңа Адам,,{VALID_IIN},,,"),
                                          coordinator)
        no_email_free = nominations.plan(event, _file(f"Жаңа Адам,,{FREE_IIN},,,"),
                                         coordinator)
    assert _view(taken) == _view(free) and taken.ok
    assert _view(no_email_taken) == _view(no_email_free)

    report = nominations.apply(event, _file(f"Жаңа Адам,new1@example.kz,{VALID_IIN},,,"),
                               coordinator)
    assert report.ok
    db.session.commit()
    created = db.session.scalar(select(User).where(User.email == "new1@example.kz"))
    assert created is not None and created.iin is None
    assert db.session.get(User, holder.id).iin == VALID_IIN
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.iin_conflict"))
    assert entry is not None and entry.actor_id == coordinator.id


def test_an_admin_still_finds_the_person_by_iin(make_event, make_user, org_tree):
    admin = make_user("admin")
    holder = make_user(branch=org_tree["b"], iin=VALID_IIN)
    report = nominations.plan(make_event(), _file(f"Жаңа Адам,,{VALID_IIN},,,"), admin)
    assert report.rows[0].user is not None and report.rows[0].user.id == holder.id
