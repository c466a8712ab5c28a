"""Every page, as every demo role sees it in ru and kk, judged by tools we did not write:
the Nu Html Checker (valid HTML) and axe-core in Chromium (WCAG 2.1 A and AA), on a
1280×800 desktop and a 390×844 phone."""

from __future__ import annotations

import json
import subprocess
import threading
from pathlib import Path

import pytest

from tests.validators.conftest import AXE, BROWSER_ARGS, CHROMIUM, LANGS, VNU

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("validators")]

# GET endpoints no link or id from the demo leads to, and why; everything else must be seen.
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
UNREACHABLE = {
    "catalog.personal_feed": "a calendar feed (text/calendar) behind a secret token",
    "certificates.batch_status": "JSON progress of a bulk batch; the demo issues without one",
}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCREENS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def test_the_walk_reaches_every_page_without_an_error(walk, demo_app):
    assert not walk.errors, "\n".join(walk.errors)
    reached = {key[2] for key in walk.pages} | set(walk.other)
    missing = sorted(
        rule.endpoint for rule in demo_app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint not in reached
        and rule.endpoint not in UNREACHABLE
        and not rule.endpoint.startswith("api.")  # JSON: schemathesis checks it (tests/api)
        and rule.endpoint not in ("static", "bootstrap.static", "accounts.logout",
                                  "core.set_language")
    )
    assert not missing, "pages no demo role reached (give them demo data or a reason): " + \
        ", ".join(missing)
    for lang in LANGS:
        assert any(key[1] == lang for key in walk.pages)
    # Every page template, not only every route: pages behind a form or a mailed link too.
    templates = {
        str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*.html")
        if not path.name.startswith("_") and path.parts[-2] not in ("mail", "pdf", "_macros")
        and path.name != "base.html"
    }
    assert not templates - walk.templates, "templates no walk rendered: " + ", ".join(
        sorted(templates - walk.templates))


def test_every_page_is_valid_html(walk, tmp_path):
    files = {}
    for (role, lang, endpoint), page in walk.pages.items():
        path = tmp_path / f"{role}-{lang}-{endpoint}.html"
        path.write_text(page.html, encoding="utf-8")
        files[str(path)] = page
    result = subprocess.run(
        ["java", "-Xss8m", "-jar", str(VNU), "--format", "json", "--errors-only",
         "--exit-zero-always", "--stdout", *sorted(files)],
        capture_output=True, text=True, timeout=600, check=True,
    )
    messages = json.loads(result.stdout)["messages"]
    problems = []
    for message in messages:
        page = files.get(message.get("url", "").removeprefix("file:"))
        where = f"{page.role} {page.lang} {page.url}" if page else message.get("url")
        problems.append(f"{where}:{message.get('lastLine')}: {message['message']}")
    assert len(files) > 40
    assert not problems, f"{len(problems)} HTML error(s):\n" + "\n".join(sorted(set(problems)))


def _axe(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']}).then(r => r.violations)",
        AXE_TAGS,
    )


def _axe_walk(walk, password: str, server: str) -> tuple[int, set[str]]:
    from playwright.sync_api import sync_playwright

    pages = walk.by_endpoint()
    by_role: dict[str, list] = {}
    for page in pages.values():
        by_role.setdefault(page.role, []).append(page)
    problems: set[str] = set()
    checked = 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        for role, role_pages in sorted(by_role.items()):
            email = walk.logins.get(role)
            for lang in LANGS:
                for screen, viewport in SCREENS.items():
                    context = browser.new_context(viewport=viewport, bypass_csp=True,
                                                  is_mobile=screen == "phone")
                    tab = context.new_page()
                    tab.set_default_timeout(20_000)
                    if email:
                        tab.goto(server + "/login")
                        tab.fill("input[name=email]", email)
                        tab.fill("input[name=password]", password)
                        tab.locator("form:has(input[name=password]) [type=submit]").click()
                        tab.wait_for_load_state()
                    tab.request.post(server + "/lang", form={"lang": lang, "next": "/"})
                    for page in role_pages:
                        if page.method == "GET":
                            tab.goto(server + page.url)
                        else:  # the answer to a form: its HTML, on the site's origin
                            tab.goto(server + "/healthz")
                            tab.set_content(page.html)
                        checked += 1
                        for violation in _axe(tab):
                            if violation["impact"] in ("serious", "critical"):
                                targets = "; ".join(
                                    " ".join(n["target"][0:1]) if isinstance(n["target"][0], str)
                                    else str(n["target"]) for n in violation["nodes"][:3]
                                )
                                problems.add(f"{violation['id']} ({violation['impact']}) "
                                             f"{role} {lang} {screen} {page.url}: {targets}")
                    context.close()
        browser.close()
    return checked, problems


def test_every_page_passes_axe_on_desktop_and_phone(walk, demo_app, demo_server):
    # Playwright's sync API refuses a thread where an asyncio loop runs (a test before this
    # one in the same worker may have left one): the browser gets a thread of its own.
    outcome: dict = {}

    def run():
        try:
            outcome["result"] = _axe_walk(walk, demo_app.config["DEMO_PASSWORD"], demo_server)
        except BaseException as error:  # re-raised below, in the test's own thread
            outcome["error"] = error

    worker = threading.Thread(target=run, name="axe")
    worker.start()
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    checked, problems = outcome["result"]
    assert checked >= 4 * len(walk.by_endpoint())
    assert not problems, f"{len(problems)} violation(s):\n" + "\n".join(sorted(problems))
