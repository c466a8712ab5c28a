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


def test_nul_characters_in_input_are_dropped_not_a_500(client, make_user, login):
    # PostgreSQL refuses NUL in text: searches, logins and forms must never reach it with one.
    assert client.get("/events?q=a%00b").status_code == 200
    assert client.post("/login", data={"email": "a\x00@example.kz",
                                       "password": "x"}).status_code == 200
    login(make_user("admin"))
    assert client.get("/people?q=%00").status_code == 200
    assert client.get("/orgs/organizations?q=%00").status_code == 200


def test_nul_characters_in_paths_are_a_404(client, make_user, login):
    assert client.get("/verify/AB%00CD").status_code == 404
    login(make_user())
    assert client.get("/certificates/FPRK-2025-%00.pdf").status_code == 404
