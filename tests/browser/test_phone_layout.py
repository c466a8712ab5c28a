"""Staff and visitors on a phone (390 px): approvals, the roster and the calendar fit the
screen, with every button reachable without sideways scrolling. Lives here for the shared
browser fixtures; the features' other tests are in tests/enrollment and tests/catalog."""

from __future__ import annotations

from datetime import timedelta

import pytest

from school.catalog.models import ApprovalMode
from school.timeutil import local_today
from tests.factories import PASSWORD

WIDTH = 390
LONG_ORG = ("ППО коммунального государственного учреждения «Детско-юношеская спортивная "
            "школа олимпийского резерва» управления физической культуры и спорта")


def _sign_in(page, base: str, user) -> None:
    page.goto(base + "/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def _fits(page) -> None:
    """Nothing wider than the screen, and no visible control pushed off to the right (in a
    scrolling box it would not widen the page, yet still be out of reach)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    off = page.evaluate("""() => [...document.querySelectorAll(
            'main a, main button, main input:not([type=hidden]), main select')]
        .filter(el => el.offsetParent !== null)
        .filter(el => { const r = el.getBoundingClientRect();
                        return r.width > 0 && (r.right > window.innerWidth + 1 || r.left < -1); })
        .map(el => el.outerHTML.slice(0, 120))""")
    assert off == []


@pytest.fixture
def staff_world(make_branch, make_org, make_user, make_event, make_program, make_enrollment):
    branch = make_branch(name_ru="Южно-Казахстанский областной филиал отраслевого профсоюза")
    org = make_org(branch=branch, name_ru=LONG_ORG, name_kk=LONG_ORG)
    admin = make_user("admin")
    program = make_program(title_ru="Коллективно-договорное регулирование и социальное "
                                    "партнёрство в организациях образования")
    event = make_event(program, approval_mode=ApprovalMode.centre, capacity=40)
    people = [make_user(branch=branch, primary_org_id=org.id,
                        full_name=f"Абдрахмановa-Сейтказиева Айгерим Нурлановна {n}",
                        email=f"aigerim.abdrakhmanova.seitkazieva{n}@example.kz",
                        phone="+7 701 123 45 67", iin="850425300126" if n == 0 else None)
              for n in range(4)]
    for n, person in enumerate(people):
        make_enrollment(event, person, status="pending" if n % 2 else "confirmed")
    return {"admin": admin, "event": event}


def test_approvals_on_a_phone(live_server, phone, shots, staff_world):
    shot = shots(phone)
    _sign_in(phone, live_server, staff_world["admin"])
    phone.goto(f"{live_server}/approvals")
    shot("approvals")
    _fits(phone)
    approve = phone.locator("button[name=single][value^=approve]")
    assert approve.count() == 2
    for i in range(approve.count()):
        box = approve.nth(i).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH
    approve.first.click()
    phone.wait_for_load_state()
    shot("approved")
    assert phone.locator(".alert-success").count() == 1


def test_roster_on_a_phone(live_server, phone, shots, staff_world):
    shot = shots(phone)
    _sign_in(phone, live_server, staff_world["admin"])
    phone.goto(f"{live_server}/events/{staff_world['event'].id}/roster")
    shot("roster")
    _fits(phone)
    cancel = phone.locator("form[action$='/cancel'] button[type=submit]")
    assert cancel.count() == 4
    box = cancel.first.bounding_box()
    assert box["x"] + box["width"] <= WIDTH
    assert phone.get_by_text("850425300126").first.is_visible()
    phone.goto(f"{live_server}/events/{staff_world['event'].id}/nominate")
    shot("nominate")
    _fits(phone)


def test_calendar_on_a_phone_shows_the_weekend(live_server, phone, shots, make_event,
                                               make_program):
    today = local_today()
    first_of_next = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    friday = first_of_next + timedelta(days=(4 - first_of_next.weekday()) % 7)
    make_event(make_program(title_ru="Выездной семинар выходного дня",
                            title_kk="Выездной семинар выходного дня"), sessions=3,
               starts_on=friday)
    shot = shots(phone)
    phone.goto(f"{live_server}/calendar?month={first_of_next:%Y-%m}")
    shot("calendar")
    _fits(phone)
    days = phone.locator(".calendar-agenda section")
    assert days.count() == 3  # Friday, Saturday and Sunday, one after another
    for i in range(3):
        link = days.nth(i).get_by_role("link", name="Выездной семинар выходного дня")
        assert link.is_visible()
        box = link.bounding_box()
        assert box["x"] + box["width"] <= WIDTH


def test_event_management_bar_on_a_phone(live_server, phone, page, shots, staff_world):
    event = staff_world["event"]
    shot = shots(phone)
    for screen in (page, phone):
        _sign_in(screen, live_server, staff_world["admin"])
        screen.goto(f"{live_server}/manage/events/{event.id}")
        screen.screenshot(path=str(shot.dir / f"manage-{screen.viewport_size['width']}.png"),
                          full_page=True)
        bar = screen.locator("nav.event-actions")
        assert bar.locator(f"a[href='/events/{event.id}/roster']").is_visible()
        assert bar.locator(f"a[href='/events/{event.id}/attendance']").is_visible()
        assert bar.locator(f"a[href='/events/{event.id}/nominate']").is_visible()
    _fits(phone)
    phone.locator("nav.event-actions").get_by_role("link").first.click()
    phone.wait_for_load_state()
    assert phone.url.endswith(f"/events/{event.id}/roster")
