"""What people do, in a real browser."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from school.accounts.models import User
from school.certificates.services import issue_certificate
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.extensions import db
from tests.factories import PASSWORD


def test_trainee_registers_in_kazakh_and_enrols(live_server, page, shots, make_org, make_branch,
                                               regions, make_event, make_program):
    branch = make_branch(region_code="KZ-79", name_ru="Городской филиал г. Шымкент",
                         name_kk="Шымкент қалалық филиалы")
    event = make_event(make_program(title_ru="Школа профсоюзного лидера",
                                    title_kk="Кәсіподақ көшбасшысы мектебі"), capacity=20)
    make_org(branch=branch, name_ru="ППО акимата", name_kk="Әкімдіктің БКҰ")
    shot = shots(page)

    page.goto(live_server + "/")
    page.get_by_role("link", name="Қаз").click()
    assert page.locator("html").get_attribute("lang") == "kk"
    shot("home-kk")

    page.goto(live_server + "/register")
    page.fill("input[name=email]", "gauhar@example.kz")
    page.fill("input[name=password]", "Qazaqstan-2026")
    page.fill("input[name=password2]", "Qazaqstan-2026")
    page.fill("input[name=full_name]", "Әбілқайырова Гауһар Ұлықбекқызы")
    page.fill("input[name=phone]", "+7 701 123 45 67")
    page.fill("input[name=iin]", "850425300126")
    page.select_option("select[name=region_id]", str(regions["KZ-79"].id))
    page.select_option("select[name=union_id]", str(branch.union_id))
    # The branch list is loaded by the page's script once the union is chosen.
    page.wait_for_selector(f"select[name=branch_id] option[value='{branch.id}']",
                           state="attached")
    page.select_option("select[name=branch_id]", str(branch.id))
    page.wait_for_selector("select[name=primary_org_id] option:nth-child(2)", state="attached")
    page.select_option("select[name=primary_org_id]", index=1)
    page.select_option("select[name=category]", "chair")
    page.check("input[name=consent]")
    shot("form-filled")
    page.get_by_role("button", name="Тіркелу").click()
    page.wait_for_load_state()
    shot("registered")

    assert page.locator(".alert-success").count() == 1
    db.session.rollback()
    user = db.session.scalar(select(User).where(User.email == "gauhar@example.kz"))
    assert user is not None
    assert user.full_name == "Әбілқайырова Гауһар Ұлықбекқызы"
    assert user.locale == "kk"
    assert user.branch_id == branch.id
    assert user.current_consent is not None

    # She finds the seminar in the catalogue, in Kazakh, and enrols.
    page.goto(live_server + "/events?region=KZ-79")
    page.locator(f"main a[href$='/events/{event.id}']").first.click()
    page.wait_for_load_state()
    shot("event-page")
    page.locator(f"form[action$='/events/{event.id}/enroll'] button[type=submit]").click()
    page.wait_for_load_state()
    shot("enrolled")
    page.goto(live_server + "/my")
    shot("my-page")
    assert "Кәсіподақ көшбасшысы мектебі" in page.content()
    db.session.rollback()
    enrolment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == user.id))
    assert enrolment is not None and enrolment.status is EnrollmentStatus.confirmed
    assert enrolment.branch_id == branch.id  # the snapshot of where she was


def test_trainee_downloads_a_certificate_whose_qr_code_verifies(
        live_server, page, shots, make_user, make_branch, make_event, make_enrollment, tmp_path):
    branch = make_branch()
    holder = make_user(branch=branch, full_name="Әбілқайырова Ғалия Қоңырқызы", locale="kk")
    event = make_event(starts_on=date.today() - timedelta(days=10))
    enrolment = make_enrollment(event, holder, "completed", attended_sessions=3,
                                attended_hours=24)
    certificate = issue_certificate(enrolment)
    db.session.commit()
    shot = shots(page)

    page.goto(live_server + "/login")
    page.fill("input[name=email]", holder.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.goto(live_server + "/my")
    shot("my-certificates")
    link = page.locator(f"a[href$='/certificates/{certificate.number}.pdf']").first
    # The PDF opens in the browser's viewer; fetch what the link gives, with her session.
    response = page.request.get(live_server + link.get_attribute("href"))
    assert response.ok
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(response.body())
    assert pdf.read_bytes() == certificate.pdf  # the stored document, byte for byte

    # Read the QR code off the printed page, as a phone camera would.
    if not (shutil.which("pdftoppm") and shutil.which("zbarimg")):
        pytest.skip("poppler-utils and zbar-tools read the QR code (scripts/setup installs them)")
    subprocess.run(["pdftoppm", "-png", "-r", "150", str(pdf), str(tmp_path / "page")],
                   check=True)
    png = next(tmp_path.glob("page*.png"))
    decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(png)], capture_output=True,
                             text=True, check=True).stdout.strip()
    assert decoded.endswith(f"/verify/{certificate.verification_code}")
    # The code printed for the app's BASE_URL; open the same path on this server.
    page.goto(live_server + "/verify/" + decoded.rsplit("/verify/", 1)[1])
    shot("verified")
    assert "Әбілқайырова Ғалия Қоңырқызы" in page.content()
    assert holder.email not in page.content()


def test_coordinator_exports_the_yearly_totals(live_server, page, shots, make_user, make_branch,
                                              make_event, make_enrollment, tmp_path):
    branch, other = make_branch(), make_branch()
    coordinator = make_user("coordinator", branch=branch, locale="ru")
    last_year = date.today().year - 1
    event = make_event(starts_on=date(last_year, 3, 10))
    for _ in range(3):
        make_enrollment(event, make_user(branch=branch), "completed")
    make_enrollment(event, make_user(branch=other), "completed")  # not theirs to see
    shot = shots(page)

    page.goto(live_server + "/login")
    page.fill("input[name=email]", coordinator.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.goto(live_server + f"/reports/yearly?year={last_year}")
    shot("report")
    with page.expect_download() as download:
        page.locator("a[href*='format=xlsx']").first.click()
    path = tmp_path / "report.xlsx"
    download.value.save_as(path)
    workbook = load_workbook(path)
    numbers = [c for row in workbook.worksheets[0].iter_rows(values_only=True) for c in row
               if isinstance(c, int) and c != last_year]
    assert max(numbers) == 3  # the branch's three, never the other branch's person
