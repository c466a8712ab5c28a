"""Issue 12, item 6: the yearly report at 1366 px and on a 390 px phone keeps its total
column on screen (a sticky column in the table's scrolling box), its charts keep a legible
size, and the main menu is open on a 1366 desktop (no hamburger). The anonymous home page
lists the next events."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from school.accounts.models import Category
from school.catalog.models import ApprovalMode
from school.timeutil import local_today
from tests.factories import PASSWORD

YEAR = 2025
SCREENS = {"desktop": (1366, 768, False), "phone": (390, 844, True)}
REGIONS = ["KZ-79", "KZ-75", "KZ-71", "KZ-11"]


@pytest.fixture
def trained_year(make_union, make_branch, make_user, make_program, make_event,
                 make_enrollment):
    """People of every category trained in four regions in 2025 (a table wider than 1366)."""
    union = make_union()
    program = make_program(title_ru="Основы деятельности председателя первичной организации")
    for n, code in enumerate(REGIONS):
        branch = make_branch(union, code)
        event = make_event(program, starts_on=date(YEAR, 3 + n, 3), sessions=2,
                           status="completed", region_code=code)
        for category in Category:
            make_enrollment(event, make_user(branch=branch, category=category),
                            status="completed")
    return make_user("admin", full_name="Администраторова-Жумабекова Айгерим Нурлановна")


def _context(browser, screen, locale="ru-RU"):
    width, height, mobile = SCREENS[screen]
    return browser.new_context(viewport={"width": width, "height": height}, is_mobile=mobile,
                               has_touch=mobile, locale=locale)


def _sign_in(page, base: str, user) -> None:
    page.goto(base + "/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def _on_screen(page, selector: str) -> None:
    """The element lies inside the viewport and nothing covers its centre."""
    handle = page.locator(selector)
    handle.evaluate("e => window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY"
                    " - window.innerHeight / 2)")
    box = handle.bounding_box()
    width = page.viewport_size["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, (selector, box, width)
    assert handle.evaluate("""e => { const r = e.getBoundingClientRect();
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return hit !== null && (hit === e || e.contains(hit)); }"""), selector


@pytest.mark.parametrize("screen", SCREENS)
def test_yearly_report_total_on_screen(live_server, browser, shots, trained_year, screen):
    context = _context(browser, screen)
    page = context.new_page()
    try:
        shot = shots(page)
        _sign_in(page, live_server, trained_year)
        page.goto(f"{live_server}/reports/yearly?year={YEAR}")
        width = SCREENS[screen][0]
        assert page.locator("#yearly-total").get_attribute("data-people") == str(
            len(REGIONS) * len(Category))
        # The table is wider than the screen: its box scrolls, the page does not.
        box = page.locator("#yearly-table").evaluate(
            "t => [t.offsetWidth, t.parentElement.clientWidth]")
        assert box[0] > box[1], box
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot("yearly")
        for selector in ("#yearly-total", "#yearly-table thead th:last-child",
                         "#yearly-table tbody tr:first-child td:last-child",
                         "#yearly-table tbody tr:first-child th"):
            _on_screen(page, selector)
        # Scrolled to the far right, the region names stay too.
        page.locator("#yearly-table").evaluate("t => t.parentElement.scrollLeft = 10000")
        shot("scrolled")
        _on_screen(page, "#yearly-table tbody tr:first-child th")
        _on_screen(page, "#yearly-total")
        for tid in ("plan-total", "plan-branches"):
            _on_screen(page, f"#{tid} thead th:last-child")
        # Charts: the text of an SVG drawn at 12 units stays at least 10 px high.
        for chart in page.locator("svg.report-chart").all():
            scale = chart.evaluate("s => s.getBoundingClientRect().width / s.viewBox.baseVal.width")
            assert 12 * scale >= 10, scale
    finally:
        context.close()


@pytest.mark.parametrize("locale", ["ru-RU", "kk-KZ"])
def test_menu_open_on_a_desktop(live_server, browser, shots, trained_year, locale,
                                make_event, make_user, make_enrollment):
    # Requests waiting for the admin: the menu carries their count too.
    event = make_event(approval_mode=ApprovalMode.centre)
    for _ in range(12):
        make_enrollment(event, make_user(), status="pending")
    context = _context(browser, "desktop", locale)
    page = context.new_page()
    try:
        _sign_in(page, live_server, trained_year)
        page.goto(f"{live_server}/reports/yearly?year={YEAR}")
        shots(page)("menu")
        assert not page.locator(".navbar-toggler").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        links = page.locator("nav.navbar .nav-link, nav.navbar .btn-group .btn")
        assert links.count() >= 9
        for i in range(links.count()):
            link = links.nth(i)
            assert link.is_visible(), link.inner_text()
            box = link.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 1366, link.inner_text()
        # The menu stays one row: the brand, the entries and the language switch.
        assert page.locator("nav.navbar").bounding_box()["height"] < 80
        # Drop-downs still open with the keyboard.
        page.locator("nav.navbar .dropdown-toggle").first.focus()
        page.keyboard.press("Enter")
        assert page.locator("nav.navbar .dropdown-menu.show .dropdown-item").first.is_visible()
    finally:
        context.close()


def test_anonymous_home_shows_next_events(live_server, browser, make_program, make_event):
    soon = make_event(make_program(title_ru="Переговоры о коллективном договоре"),
                      starts_on=local_today() + timedelta(days=10))
    context = _context(browser, "phone")
    page = context.new_page()
    try:
        page.goto(live_server + "/")
        link = page.locator(f"#next-events a[href$='/events/{soon.id}']")
        assert link.is_visible()
        assert "Переговоры о коллективном договоре" in link.inner_text()
    finally:
        context.close()


def _fits(page) -> None:
    """Nothing wider than the phone, and no visible control pushed off to either side."""
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    off = page.evaluate("""() => [...document.querySelectorAll(
            'main a, main button, main input:not([type=hidden]), main select, main td, main th')]
        .filter(el => el.offsetParent !== null && !el.closest('.table-sticky'))
        .filter(el => { const r = el.getBoundingClientRect();
                        return r.width > 0 && (r.right > window.innerWidth + 1 || r.left < -1); })
        .map(el => el.outerHTML.slice(0, 120))""")
    assert off == [], "\n".join(off)


@pytest.fixture
def finished_with_certificates(make_program, make_event, make_user, make_enrollment):
    program = make_program(title_ru="Коллективно-договорное регулирование и социальное "
                                    "партнёрство в организациях образования", academic_hours=24)
    event = make_event(program, starts_on=local_today() - timedelta(days=20), sessions=3,
                       status="completed")
    for n in range(3):
        make_enrollment(event, make_user(full_name=f"Абдрахманова-Сейтказиева Айгерим {n}"),
                        status="completed", attended_hours=24, attended_sessions=3)
    make_event(program)  # an upcoming one on the manage list as well
    return {"admin": make_user("admin"), "event": event}


def test_staff_pages_fit_a_phone(live_server, browser, shots, finished_with_certificates):
    event = finished_with_certificates["event"]
    context = _context(browser, "phone")
    page = context.new_page()
    try:
        shot = shots(page)
        _sign_in(page, live_server, finished_with_certificates["admin"])
        for name, path in (("manage-events", "/manage/events"),
                           ("schedule", f"/manage/events/{event.id}"),
                           ("certificates", f"/events/{event.id}/certificates")):
            page.goto(live_server + path)
            shot(name)
            _fits(page)
    finally:
        context.close()
