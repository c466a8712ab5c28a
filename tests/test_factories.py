from datetime import UTC

from school.enrollment.models import EnrollmentStatus


def test_event_factory_builds_sessions_at_nine_almaty_time(make_event):
    event = make_event(sessions=3)
    assert len(event.sessions) == 3
    first = event.sessions[0].starts_at
    assert first.tzinfo is not None
    # 09:00 in Asia/Almaty (UTC+5) is 04:00 UTC.
    assert first.astimezone(UTC).hour == 4


def test_enrollment_factory_keeps_snapshot(make_event, make_user, make_branch, make_enrollment):
    branch = make_branch()
    user = make_user(branch=branch)
    enrollment = make_enrollment(make_event(), user)
    assert enrollment.status is EnrollmentStatus.confirmed
    assert enrollment.branch_id == branch.id
    assert enrollment.region_id == branch.region_id
