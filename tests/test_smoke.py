def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_home_page_in_russian_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    assert 'lang="ru"' in response.get_data(as_text=True)


def test_the_test_client_follows_redirects(client, make_user, login):
    login(make_user())
    response = client.post("/logout", follow_redirects=True)
    assert response.status_code == 200
    assert 'lang="ru"' in response.get_data(as_text=True)
