"""Issue 12, item 7: the roster sorts its confirmed people and its requests by a
whitelisted column (?sort=name|branch|org|category, minus for descending); the waiting list
keeps its queue order."""

from __future__ import annotations

import re

from school.accounts.models import Category


def _tables(page: str) -> list[list[str]]:
    return [[n.strip() for n in re.findall(r"<td class=\"stack-title\">([^<]+)<", table)]
            for table in page.split('<table class="table table-sm table-stack roster-table">')[1:]]


def test_roster_sorted_by_column(client, login, make_union, make_branch, make_user, make_event,
                                 make_enrollment):
    union = make_union()
    almaty = make_branch(union, "KZ-75", name_ru="Алматинский филиал")
    shymkent = make_branch(union, "KZ-79", name_ru="Шымкентский филиал")
    event = make_event(capacity=3)
    people = {
        "Бекова Айгуль": (shymkent, Category.treasurer, "confirmed"),
        "Абаев Ерлан": (almaty, Category.chair, "confirmed"),
        "Викторова Анна": (shymkent, Category.activist, "confirmed"),
        "Яхин Марат": (almaty, Category.chair, "pending"),
        "Голова Ирина": (shymkent, Category.chair, "pending"),
        "Юсупов Олжас": (almaty, Category.chair, "waitlisted"),
        "Аманов Даулет": (almaty, Category.chair, "waitlisted"),
    }
    for name, (branch, category, status) in people.items():
        make_enrollment(event, make_user(full_name=name, branch=branch, category=category),
                        status)
    login(make_user("admin"))
    client.post("/lang", data={"lang": "ru"})

    def tables(sort=None):
        response = client.get(f"/events/{event.id}/roster",
                              query_string={"sort": sort} if sort else {})
        assert response.status_code == 200
        return _tables(response.get_data(as_text=True)), response.get_data(as_text=True)

    (confirmed, pending, waiting), page = tables()
    assert confirmed == ["Абаев Ерлан", "Бекова Айгуль", "Викторова Анна"]
    assert pending == ["Яхин Марат", "Голова Ирина"]  # as they came
    assert waiting == ["Юсупов Олжас", "Аманов Даулет"]  # the queue
    assert page.count('aria-sort="ascending"') == 1  # the confirmed list's name column
    (confirmed, pending, waiting), page = tables("-name")
    assert confirmed == ["Викторова Анна", "Бекова Айгуль", "Абаев Ерлан"]
    assert pending == ["Яхин Марат", "Голова Ирина"]
    assert waiting == ["Юсупов Олжас", "Аманов Даулет"]
    assert page.count('aria-sort="descending"') == 2
    (confirmed, pending, _), _page = tables("branch")
    assert confirmed[0] == "Абаев Ерлан" and pending == ["Яхин Марат", "Голова Ирина"]
    (confirmed, pending, _), _page = tables("-branch")
    assert confirmed[-1] == "Абаев Ерлан" and pending == ["Голова Ирина", "Яхин Марат"]
    # «Казначей», «Председатель…», «Профсоюзный активист».
    (confirmed, _, _), _page = tables("category")
    assert confirmed == ["Бекова Айгуль", "Абаев Ерлан", "Викторова Анна"]
    # Not a column: the default order.
    assert tables("user.password_hash")[0] == tables()[0]
