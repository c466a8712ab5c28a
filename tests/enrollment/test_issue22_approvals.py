"""Two-step approval on the /approvals page: each viewer sees the step they decide."""

from __future__ import annotations

from school.catalog.models import ApprovalMode
from school.enrollment import services


def test_each_step_its_own_queue(client, login, make_program, make_event, people, tx):
    program = make_program(two_step_approval=True)
    event = make_event(program, approval_mode=ApprovalMode.branch)
    first, second = people["trainees"](2)
    with tx():
        services.enroll(event, first)
        row = services.enroll(event, second)
    with tx():
        services.approve(row, people["coord_a"])
    login(people["coord_a"])
    page = client.get("/approvals").get_data(as_text=True)
    assert first.full_name in page and second.full_name not in page
    client.post("/logout")
    login(people["admin"])
    centre = client.get("/approvals?step=2").get_data(as_text=True)
    assert second.full_name in centre and first.full_name not in centre
    branch = client.get("/approvals?step=1").get_data(as_text=True)
    assert first.full_name in branch and second.full_name not in branch
    everything = client.get("/approvals").get_data(as_text=True)
    assert first.full_name in everything and second.full_name in everything
    assert "Место сохраняется." in centre or "The seat is held." in centre  # the row says so
