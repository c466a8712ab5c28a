"""Anonymous public pages come from a short cache; nobody else's do."""

from __future__ import annotations

import pytest

from school.core.cache import page_cache


@pytest.fixture
def cached_app(make_app):
    page_cache.clear()
    yield make_app(PAGE_CACHE_SECONDS=60)
    page_cache.clear()


def test_anonymous_catalogue_is_served_from_the_cache(cached_app, make_event, make_program):
    client = cached_app.test_client()
    make_event(make_program(title_ru="Первая программа"))
    first = client.get("/events").get_data(as_text=True)
    assert "Первая программа" in first
    assert "csrf_token" not in first  # nothing personal in a shared page

    make_event(make_program(title_ru="Вторая программа"))
    again = client.get("/events").get_data(as_text=True)
    assert again == first  # the cached page, not a new render


def test_signed_in_people_always_get_a_fresh_page(cached_app, make_event, make_program,
                                                  make_user):
    anonymous, person = cached_app.test_client(), cached_app.test_client()
    user = make_user()
    person.post("/login", data={"email": user.email, "password": "correct-horse-7"})
    anonymous.get("/events")
    make_event(make_program(title_ru="Свежая программа"))
    assert "Свежая программа" in person.get("/events").get_data(as_text=True)
    assert "Свежая программа" not in anonymous.get("/events").get_data(as_text=True)


def test_each_language_has_its_own_page(cached_app, make_event):
    make_event()
    ru = cached_app.test_client().get("/events", headers={"Accept-Language": "ru"})
    kk = cached_app.test_client().get("/events", headers={"Accept-Language": "kk"})
    assert 'lang="ru"' in ru.get_data(as_text=True)
    assert 'lang="kk"' in kk.get_data(as_text=True)


def test_a_page_with_a_message_is_not_cached(cached_app, make_user):
    client = cached_app.test_client()
    client.get("/")  # fills the cache
    user = make_user()
    client.post("/login", data={"email": user.email, "password": "correct-horse-7"})
    client.post("/logout")  # leaves "You have logged out" to flash
    page = client.get("/").get_data(as_text=True)
    assert "alert-info" in page
    assert "alert-info" not in client.get("/").get_data(as_text=True)
