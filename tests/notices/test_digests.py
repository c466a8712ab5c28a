"""The approvers' daily digest: only the requests the approver may decide, once a day,
even when two runs overlap."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from school.catalog.models import ApprovalMode
from school.enrollment import digests
from school.extensions import db

NOW = datetime.now(UTC).replace(hour=4, minute=0, second=0, microsecond=0)  # 09:00 in KZ


def _requests(org_tree, make_event, make_user, make_enrollment):
    branch_event = make_event(approval_mode=ApprovalMode.branch, title_ru="Семинар филиалов")
    centre_event = make_event(approval_mode=ApprovalMode.centre, title_ru="Семинар центра")
    people = {
        "a": make_user(branch=org_tree["a"], full_name="Аев Азат"),
        "b": make_user(branch=org_tree["b"], full_name="Бекова Бота"),
        "c": make_user(branch=org_tree["a"], full_name="Центров Цезарь"),
        "old": make_user(branch=org_tree["a"], full_name="Старов Стас"),
    }
    make_enrollment(branch_event, people["a"], "pending", created_at=NOW - timedelta(hours=3))
    make_enrollment(branch_event, people["b"], "pending", created_at=NOW - timedelta(hours=2))
    make_enrollment(centre_event, people["c"], "pending", created_at=NOW - timedelta(hours=1))
    make_enrollment(branch_event, people["old"], "pending", created_at=NOW - timedelta(days=3))
    return people


def test_a_digest_lists_only_the_requests_the_approver_may_decide(
    app, org_tree, make_event, make_user, make_enrollment, outbox
):
    _requests(org_tree, make_event, make_user, make_enrollment)
    coord_a = make_user("coordinator", branch=org_tree["a"], locale="ru")
    coord_b = make_user("coordinator", branch=org_tree["b"], locale="ru")
    admin = make_user("admin", locale="ru")
    make_user("coordinator", branch=org_tree["a2"])  # nothing of theirs waits: no letter
    assert digests.send_digests(now=NOW) == 3
    letters = {m.to[0]: m.body for m in outbox}
    assert set(letters) == {coord_a.email, coord_b.email, admin.email}
    assert "Аев Азат" in letters[coord_a.email]
    assert "Бекова" not in letters[coord_a.email] and "Центров" not in letters[coord_a.email]
    assert "Старов" not in letters[coord_a.email]  # not new: three days old
    assert "Бекова Бота" in letters[coord_b.email] and "Аев" not in letters[coord_b.email]
    assert "Центров Цезарь" in letters[admin.email]
    assert "Аев" not in letters[admin.email]  # the branch decides those
    assert "/approvals" in letters[coord_a.email]
    # once a day; and not before the digest hour (the first run of the day at 01:00 is early)
    assert digests.send_digests(now=NOW + timedelta(hours=2)) == 0
    assert digests.send_digests(now=NOW + timedelta(days=1) - timedelta(hours=3)) == 0
    assert len(outbox) == 3


def test_two_runs_at_once_send_each_digest_once(
    app, org_tree, make_event, make_user, make_enrollment, outbox
):
    _requests(org_tree, make_event, make_user, make_enrollment)
    for _ in range(3):
        make_user("coordinator", branch=org_tree["a"])
    barrier = threading.Barrier(2)
    counts, errors = [], []

    def run():
        try:
            with app.app_context():
                barrier.wait()
                counts.append(digests.send_digests(now=NOW))
                db.session.remove()
        except Exception as e:  # pragma: no cover - shown by the assertion
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sum(counts) == 3
    assert len(outbox) == 3 and len({m.to[0] for m in outbox}) == 3
