"""Issue 13, item 1 (review row 21): the lists people pick from are in Kazakh or Russian
alphabetical order (Қ after К, Ә after А, Ө after О, Ш after Қ), not by code point."""

from __future__ import annotations

import pytest

KK_BRANCHES = ["Ақтөбе филиалы", "Әбу филиалы", "Көкшетау филиалы", "Қарағанды филиалы",
               "Өскемен филиалы", "Шымкент филиалы"]
RU_BRANCHES = ["Актобе", "Караганда", "Костанай", "Шымкент"]


@pytest.fixture
def branches(make_union, make_branch):
    union = make_union("kz", name_ru="Профсоюз", name_kk="Кәсіподақ")
    for kk, ru in zip(reversed(KK_BRANCHES), ["Шымкент", "Костанай", "Караганда", "Актобе",
                                               "Ясный", "Ёлкино"], strict=True):
        make_branch(union, name_kk=kk, name_ru=ru)
    return union


def test_branch_select_in_kazakh_order(client, branches):
    client.post("/lang", data={"lang": "kk"})
    names = [b["name"] for b in client.get(f"/orgs/api/branches?union_id={branches.id}").json]
    assert names == KK_BRANCHES
    assert sorted(names) != KK_BRANCHES  # code-point order would put Қ, Ә, Ө after Ш


def test_branch_select_in_russian_order(client, branches):
    client.post("/lang", data={"lang": "ru"})
    names = [b["name"] for b in client.get(f"/orgs/api/branches?union_id={branches.id}").json]
    assert names == ["Актобе", "Ёлкино", "Караганда", "Костанай", "Шымкент", "Ясный"]


def test_organisations_in_kazakh_order(client, make_branch, make_org):
    branch = make_branch()
    for name in ("Шахтер БКҰ", "Қазақтелеком БКҰ", "Әуежай БКҰ", "Казпочта БКҰ", "Аэро БКҰ"):
        make_org(branch, name_kk=name, name_ru=name)
    client.post("/lang", data={"lang": "kk"})
    names = [o["name"] for o in client.get(f"/orgs/api/organizations?branch_id={branch.id}").json]
    assert names == ["Аэро БКҰ", "Әуежай БКҰ", "Казпочта БКҰ", "Қазақтелеком БКҰ", "Шахтер БКҰ"]


def test_regions_cities_first_then_oblasts_alphabetically(app, regions):
    from flask_babel import force_locale

    from school.orgs.services import regions as region_list

    with app.test_request_context():
        with force_locale("kk"):
            kk = [r.name for r in region_list()]
        with force_locale("ru"):
            ru = [r.name for r in region_list()]
    assert kk[:3] == ["Астана", "Алматы", "Шымкент"]
    assert kk.index("Абай облысы") < kk.index("Ақмола облысы") < kk.index("Жетісу облысы")
    assert kk.index("Қарағанды облысы") > kk.index("Жетісу облысы")
    assert kk.index("Қарағанды облысы") < kk.index("Ұлытау облысы") < kk.index(
        "Шығыс Қазақстан облысы")
    assert ru.index("область Абай") < ru.index("Акмолинская область")  # «Абай» under А
