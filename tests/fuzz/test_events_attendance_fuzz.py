"""The event form, the attendance sheet, exports and PDFs under hostile input: never a 500,
nothing stored half-way, markup inert wherever it comes back."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import func, select

from school.attendance.models import AttendanceMark
from school.catalog.models import Event, EventSession
from school.certificates.services import issue_certificate
from school.extensions import db
from tests.fuzz.strategies import NASTY, hostile_text

FUZZ = settings(max_examples=30, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
RAW = ("<script>alert(1)</script>", "<img src=x onerror")


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@FUZZ
@given(title=hostile_text(), city=hostile_text(130), venue=hostile_text(), link=hostile_text(),
       capacity=st.one_of(st.integers(-5, 10**12), st.just("")),
       start=st.one_of(st.dates(date(1990, 1, 1), date(2100, 1, 1)), st.just("")),
       days=st.integers(-3, 40), organizer=st.sampled_from(["", "centre", "branch:x", "<b>"]),
       kind=st.sampled_from(["seminar", "", "x<y"]), hours=st.integers(-2, 50))
def test_event_form_survives_hostile_input(client, login, make_user, make_program, regions,
                                           title, city, venue, link, capacity, start, days,
                                           organizer, kind, hours):
    login(make_user("admin"))
    program = make_program()
    events, sessions = _count(Event), _count(EventSession)
    end = start + timedelta(days=days) if isinstance(start, date) else ""
    response = client.post("/manage/events/new", data={
        "program_id": program.id, "kind": kind, "format": "in_person", "title_ru": title,
        "title_kk": title, "organizer": organizer, "region_id": regions["KZ-79"].id,
        "city_ru": city, "venue": venue, "online_link": link, "capacity": capacity,
        "starts_on": str(start), "ends_on": str(end), "approval_mode": "open",
        "daily_starts": "09:00", "daily_ends": "17:00", "daily_hours": hours,
    })
    assert response.status_code in (200, 302)
    if response.status_code == 200:  # refused: neither the event nor its sessions stored
        assert (_count(Event), _count(EventSession)) == (events, sessions)
    page = client.get("/manage/events").get_data(as_text=True)
    assert not any(raw in page for raw in RAW)


@pytest.fixture
def sheet(make_user, make_event, make_enrollment):
    instructor = make_user("instructor")
    event = make_event(sessions=2, starts_on=date.today() - timedelta(days=5),
                       instructors=[instructor])
    people = [make_enrollment(event, make_user(full_name=name)) for name in
              ("=HYPERLINK(\"http://evil\")", "<script>alert(1)</script> Ким")]
    return instructor, event, people


@FUZZ
@given(remarks=st.lists(hostile_text(400), min_size=4, max_size=4),
       statuses=st.lists(st.sampled_from(["present", "late", "excused", "absent", "", "bogus",
                                          "<b>"]), min_size=4, max_size=4),
       junk_key=st.sampled_from(["s-x-y", "s-999999999999999999999-1", "s--1-2", "r-1"]))
def test_attendance_sheet_survives_hostile_input(client, login, sheet, remarks, statuses,
                                                 junk_key):
    instructor, event, people = sheet
    login(instructor)
    data = {"session": "all", junk_key: "present"}
    cells = [(e, s) for e in people for s in event.sessions]
    for (enrolment, session), remark, status in zip(cells, remarks, statuses, strict=True):
        key = f"{enrolment.id}-{session.id}"
        data[f"s-{key}"], data[f"r-{key}"], data[f"os-{key}"] = status, remark, ""
    response = client.post(f"/events/{event.id}/attendance", data=data)
    assert response.status_code in (200, 302, 400)
    for mark in db.session.scalars(select(AttendanceMark)):
        assert "\x00" not in (mark.remark or "")
        assert len(mark.remark or "") <= 300
    page = client.get(f"/events/{event.id}/attendance?session=all").get_data(as_text=True)
    assert not any(raw in page for raw in RAW)


def test_exports_hold_no_formula_and_no_markup(client, login, sheet):
    instructor, event, _people = sheet
    login(instructor)
    response = client.get(f"/events/{event.id}/attendance.xlsx")
    assert response.status_code == 200
    cells = [c for row in load_workbook(io.BytesIO(response.data)).active.iter_rows()
             for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    assert any(str(c.value).startswith("=HYPERLINK") and c.data_type == "s" for c in cells)


def test_a_certificate_prints_markup_as_text(make_user, make_event, make_enrollment, tmp_path):
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils reads the PDF back (scripts/setup installs it)")
    holder = make_user(full_name="<b>Ким</b> & «Әбілқайыр»")
    enrolment = make_enrollment(make_event(starts_on=date.today() - timedelta(days=9)), holder,
                                "completed", attended_sessions=3, attended_hours=24)
    certificate = issue_certificate(enrolment)
    db.session.commit()
    pdf = tmp_path / "c.pdf"
    pdf.write_bytes(certificate.pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "<b>Ким</b> & «Әбілқайыр»" in " ".join(text.split())


def test_nasty_strings_are_all_exercised():
    # The sampled list is the fuzzers' floor: it must keep its hard cases.
    assert any("\x00" in s for s in NASTY) and any(len(s) >= 10_000 for s in NASTY)
    assert any("\u202e" in s for s in NASTY)
