"""Letters leave with the outermost COMMIT only: a released SAVEPOINT (one person of a
nomination list) must not send them, and a rollback afterwards drops them."""

from __future__ import annotations

from school.extensions import db
from school.mail import queue_mail


def test_a_released_savepoint_sends_nothing_and_a_rollback_drops_it(app, outbox):
    with app.test_request_context():
        db.session.execute(db.select(1))
        with db.session.begin_nested():
            queue_mail("a@example.kz", "password_reset", locale="ru",
                       user=type("U", (), {"full_name": "Тестов Тест"})(), link="http://x")
        assert outbox == []  # the savepoint is released, the transaction still open
        db.session.rollback()
        assert outbox == []


def test_the_outer_commit_sends(app, outbox):
    with app.test_request_context():
        db.session.execute(db.select(1))
        with db.session.begin_nested():
            queue_mail("a@example.kz", "password_reset", locale="ru",
                       user=type("U", (), {"full_name": "Тестов Тест"})(), link="http://x")
        db.session.commit()
        assert [m.to for m in outbox] == [["a@example.kz"]]
