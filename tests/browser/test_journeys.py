"""What people do, in a real browser."""

from __future__ import annotations

from sqlalchemy import select

from school.accounts.models import User
from school.extensions import db


def test_trainee_registers_in_kazakh(live_server, page, shots, make_org, make_branch, regions):
    branch = make_branch(region_code="KZ-79", name_ru="Городской филиал г. Шымкент",
                         name_kk="Шымкент қалалық филиалы")
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
