"""Defects found in review, each proven fixed: leaks across branches, drafts, query keys
reaching url_for, quotas, out-of-range ids and dates."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

from school.catalog.models import EventStatus
from school.core.cache import page_cache
from school.extensions import db
from school.permissions import sees_enrollment as can_see_enrollment


def _upload(client, event, text: str):
    return client.post(f"/events/{event.id}/nominate/upload", data={
        "file": (io.BytesIO(text.encode("utf-8-sig")), "list.csv")},
        content_type="multipart/form-data")


def test_a_list_cannot_confirm_a_strangers_iin(client, login, make_user, make_event, org_tree):
    coordinator = make_user("coordinator", branch=org_tree["a"])
    stranger = make_user(branch=org_tree["b"], email="stranger@example.kz",
                         iin="850425300126")
    event = make_event()
    login(coordinator)
    header = "full_name,email,iin,phone,primary_org,category\n"
    right = _upload(client, event, header + f"X Y,{stranger.email},850425300126,,,chair\n")
    wrong = _upload(client, event, header + f"X Y,{stranger.email},900103400560,,,chair\n")
    assert right.status_code == wrong.status_code == 200

    def shown(page) -> str:
        text = page.get_data(as_text=True)
        return re.sub(r'name="csrf_token"[^>]*>', "", text)

    # The very same page whether the IIN matches or not.
    assert shown(right) == shown(wrong)


def test_drafts_stay_hidden_from_coordinators_who_do_not_manage_them(
        client, login, make_user, make_event, org_tree):
    draft = make_event(status=EventStatus.draft)  # a training-centre draft
    login(make_user("coordinator", branch=org_tree["a"]))
    for path in (f"/events/{draft.id}/roster", f"/events/{draft.id}/nominate"):
        assert client.get(path).status_code == 404, path


def test_query_keys_do_not_reach_url_for(make_app, make_event):
    for _ in range(25):  # two pages of the catalogue
        make_event()
    app = make_app(PAGE_CACHE_SECONDS=60)
    page_cache.clear()
    client = app.test_client()
    for query in ("endpoint=x", "_method=POST", "_external=1&page=1"):
        response = client.get(f"/events?{query}", headers={"Host": "evil.example"})
        assert response.status_code == 200, query
        assert "evil.example" not in response.get_data(as_text=True)
    # What one host's visitors were served is not served for another host.
    other = client.get("/events?_external=1&page=1").get_data(as_text=True)
    assert "evil.example" not in other
    page_cache.clear()


def test_coordinators_set_quotas_for_their_own_branches_only(client, login, make_user,
                                                             make_event, org_tree):
    coordinator = make_user("coordinator", branch=org_tree["a"])
    event = make_event(organizer_branch_id=org_tree["a"].id)
    login(coordinator)
    client.post(f"/manage/events/{event.id}/quotas",
                data={"branch_id": org_tree["b"].id, "seats": 0})
    db.session.refresh(event)
    assert event.quotas == []


def test_a_quota_is_never_below_the_seats_a_branch_holds(make_user, make_event, org_tree,
                                                         make_enrollment):
    import pytest

    from school.catalog.services import set_quota
    from school.errors import DomainError

    event = make_event(capacity=10)
    for _ in range(2):
        make_enrollment(event, make_user(branch=org_tree["a"]), "confirmed")
    with pytest.raises(DomainError) as err:
        set_quota(event, org_tree["a"].id, 1, make_user("admin"))
    assert err.value.code == "quota_below_held"


def test_absurd_ids_in_lists_are_refused_not_crashed(client, login, make_user, make_event):
    login(make_user("admin"))
    event = make_event()
    huge = str(2**63 + 5)
    for path, data in (("/approvals", {"ids": huge, "action": "approve"}),
                       (f"/events/{event.id}/nominate", {"user_ids": huge}),
                       (f"/manage/events/{event.id}/instructors", {"instructor_ids": huge})):
        assert client.post(path, data=data).status_code in (200, 302, 400), path


def test_dates_at_the_edges_of_the_calendar_are_refused(client, login, make_user, make_event,
                                                        make_program):
    from sqlalchemy import func, select

    from school.catalog.models import Event

    login(make_user("admin"))
    event = make_event()
    before = db.session.scalar(select(func.count(Event.id)))
    for day in ("9999-12-30", "0001-01-01"):
        response = client.post(f"/manage/events/{event.id}/clone", data={"starts_on": day})
        assert response.status_code in (200, 302)
    response = client.post("/manage/events/new", data={
        "program_id": make_program().id, "kind": "seminar", "format": "in_person",
        "organizer": "centre", "starts_on": "0001-01-01", "ends_on": "0001-01-02",
        "capacity": 10, "approval_mode": "open", "daily_starts": "00:10",
        "daily_ends": "01:00", "daily_hours": 1, "enrol_opens_at": "0001-01-01T00:00"})
    assert response.status_code in (200, 302)
    assert db.session.scalar(select(func.count(Event.id))) == before


def test_one_rule_for_who_sees_an_enrolment(make_user, make_event, make_union,
                                            make_enrollment):
    union = make_union()
    person = make_user()
    person.union_id = union.id  # a union member with no branch
    db.session.commit()
    enrolment = make_enrollment(make_event(starts_on=date.today() - timedelta(days=9)),
                                person, "completed")
    from school.permissions import manages_enrollment as can_manage

    coordinator = make_user("coordinator", coordinator_of=union)
    assert can_see_enrollment(coordinator, enrolment) == can_manage(coordinator, enrolment)
    assert can_manage(coordinator, enrolment)
