"""Issue 12, item 7: the people list sorts on the server by a whitelisted column
(?sort=name, -name, email, category, branch), with aria-sort on the sorted header."""

from __future__ import annotations

import re

import pytest

from school.accounts.models import Category
from school.core.sorting import Sort


def _names(page: str) -> list[str]:
    return re.findall(r'<a href="/people/\d+">([^<]+)</a>', page)


@pytest.fixture
def people(make_union, make_branch, make_user):
    union = make_union()
    almaty = make_branch(union, "KZ-75", name_ru="Алматинский филиал", name_kk="Алматы филиалы")
    shymkent = make_branch(union, "KZ-79", name_ru="Шымкентский филиал",
                           name_kk="Шымкент филиалы")
    admin = make_user("admin", full_name="Яковлев Админ", email="z-admin@example.kz",
                      category=None)
    made = [
        make_user(full_name="Бекова Айгуль", email="c@example.kz", branch=shymkent,
                  category=Category.treasurer),
        make_user(full_name="Абаев Ерлан", email="b@example.kz", branch=almaty,
                  category=Category.chair),
        make_user(full_name="Викторова Анна", email="a@example.kz", branch=None,
                  category=Category.activist),
    ]
    return admin, made


def test_sort_values_are_whitelisted():
    assert Sort.parse("-email", ["name", "email"], "name") == Sort("email", True)
    assert Sort.parse("password_hash", ["name", "email"], "name") == Sort("name", False)
    assert Sort.parse(None, ["name"], "-name") == Sort("name", True)
    sort = Sort("name")
    assert (sort.link("name"), sort.link("email")) == ("-name", "email")
    assert (sort.aria("name"), sort.aria("email")) == ("ascending", None)
    assert Sort("name", True).link("name") == "name"


def test_people_sorted_by_each_column(client, login, people):
    admin, _made = people
    login(admin)
    client.post("/lang", data={"lang": "ru"})

    def names(sort):
        return _names(client.get("/people", query_string={"sort": sort}).get_data(True))

    assert names("name") == ["Абаев Ерлан", "Бекова Айгуль", "Викторова Анна", "Яковлев Админ"]
    assert names("-name") == ["Яковлев Админ", "Викторова Анна", "Бекова Айгуль", "Абаев Ерлан"]
    assert names("email") == ["Викторова Анна", "Абаев Ерлан", "Бекова Айгуль", "Яковлев Админ"]
    # Branch by its name; people without a branch last, either way.
    assert names("branch")[:2] == ["Абаев Ерлан", "Бекова Айгуль"]
    assert names("-branch")[:2] == ["Бекова Айгуль", "Абаев Ерлан"]
    assert set(names("branch")[2:]) == {"Викторова Анна", "Яковлев Админ"}
    # Category by its label in the page's language: «Казначей», «Председатель…»,
    # «Профсоюзный активист» (in English "Chair…" would come first).
    assert names("category")[:3] == ["Бекова Айгуль", "Абаев Ерлан", "Викторова Анна"]
    client.post("/lang", data={"lang": "en"})
    assert names("category")[:3] == ["Абаев Ерлан", "Бекова Айгуль", "Викторова Анна"]
    # Anything else: the default order, not an error.
    assert names("password_hash") == names("name") == names("")


def test_sorted_header_is_announced(client, login, people):
    login(people[0])
    page = client.get("/people?sort=-email&q=example").get_data(as_text=True)
    assert re.search(r'<th scope="col" aria-sort="descending"><a class="sort-link" '
                     r'href="/people\?q=example&amp;sort=email">', page), page
    assert page.count("aria-sort=") == 1
    assert 'name="sort" value="-email"' in page  # the search form keeps the order
