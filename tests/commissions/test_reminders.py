"""The monthly reminder to branch coordinators: who became due, each once."""

from __future__ import annotations

from datetime import date

from school.commissions.models import Reminder
from school.commissions.reminders import send_reminders
from school.extensions import db
from tests.commissions.conftest import TODAY


def test_reminder_lists_who_became_due_once(app, org_tree, make_user, make_body, make_member,
                                             make_requirement, complete, outbox):
    req = make_requirement(validity_months=12, new_member_months=6)
    coord_a = make_user("coordinator", branch=org_tree["a"], email="coord.a@example.kz")
    union_coord = make_user("coordinator", coordinator_of=org_tree["v"],
                            email="union.v@example.kz")
    body_a = make_body(org_tree["org_a"])
    overdue = make_user(branch=org_tree["a"], full_name="Просроченный Пётр")
    trained = make_user(branch=org_tree["a"], full_name="Обученная Ольга")
    make_member(body_a, overdue)
    make_member(body_a, trained)
    complete(overdue, req.programs[0], date(2025, 1, 10))
    complete(trained, req.programs[0], date(2026, 5, 10))
    never_b = make_user(branch=org_tree["b"], full_name="Новый Бахыт")
    make_member(make_body(org_tree["org_b"]), never_b, term_start=date(2025, 1, 1))

    assert send_reminders(TODAY) == 2
    db.session.commit()
    letters = {m.to[0]: m.body for m in outbox}
    assert set(letters) == {coord_a.email, union_coord.email}  # B has no own coordinator
    assert "Просроченный Пётр" in letters[coord_a.email]
    assert "Обученная Ольга" not in letters[coord_a.email]
    assert "Новый Бахыт" in letters[union_coord.email]

    # Run again (the same day or a month later): nothing new, nothing sent.
    assert send_reminders(TODAY) == 0
    assert send_reminders(date(2026, 7, 15)) == 0
    db.session.commit()
    assert len(outbox) == 2
    assert db.session.scalar(db.select(db.func.count(Reminder.id))) == 2

    # A new deadline is news again: the trained one's validity ends within the window.
    assert send_reminders(date(2027, 4, 1)) == 1
    db.session.commit()
    assert "Обученная Ольга" in outbox[-1].body


def test_cli_command(app, org_tree, make_user, make_body, make_member, make_requirement,
                     outbox):
    make_requirement(new_member_months=0)
    make_user("coordinator", branch=org_tree["a"])
    make_member(make_body(org_tree["org_a"]), make_user(branch=org_tree["a"]))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["send-commission-reminders"])
    assert result.exit_code == 0, result.output
    assert "sent: 1" in result.output
    assert "sent: 0" in runner.invoke(args=["send-commission-reminders"]).output
