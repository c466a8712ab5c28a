"""Query keys of the catalogue never reach url_for nor another host's cached page."""

from __future__ import annotations

from school.core.cache import page_cache


def test_query_keys_do_not_reach_url_for(make_app, make_event):
    for _ in range(25):  # two pages of the catalogue
        make_event()
    app = make_app(PAGE_CACHE_SECONDS=60)
    page_cache.clear()
    client = app.test_client()
    for query in ("endpoint=x", "_method=POST", "_external=1&page=1"):
        response = client.get(f"/events?{query}", headers={"Host": "evil.example"})
        assert response.status_code == 200, query
        assert "evil.example" not in response.get_data(as_text=True)
    # What one host's visitors were served is not served for another host.
    other = client.get("/events?_external=1&page=1").get_data(as_text=True)
    assert "evil.example" not in other
    page_cache.clear()
