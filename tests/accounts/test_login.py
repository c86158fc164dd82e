"""Logging in and out, and the login wall in front of every page."""

import pytest
from django.contrib.auth import SESSION_KEY

LOGIN = "/accounts/login/"
LOGOUT = "/accounts/logout/"


def test_login_page_renders_a_labelled_form(client, db):
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_username">Username</label>' in html
    assert '<label for="id_password">Password</label>' in html
    assert "Log in to Lossmit" in html


def test_correct_password_logs_in_and_goes_to_the_start_page(client, specialist):
    response = client.post(LOGIN, {"username": "maria", "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session[SESSION_KEY] == str(specialist.pk)


def test_login_returns_to_the_page_asked_for(client, specialist):
    response = client.post(LOGIN, {"username": "maria", "password": "correct-horse-battery", "next": "/loans/"})
    assert response["Location"] == "/loans/"


def test_wrong_password_shows_an_error_and_does_not_log_in(client, specialist):
    response = client.post(LOGIN, {"username": "maria", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password." in response.content.decode()
    assert SESSION_KEY not in client.session


def test_logout_needs_post_and_ends_the_session(client, specialist):
    client.force_login(specialist)
    assert client.get(LOGOUT).status_code == 405
    response = client.post(LOGOUT)
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert SESSION_KEY not in client.session


def test_layout_shows_user_role_and_a_logout_form(client, specialist):
    client.force_login(specialist)
    html = client.get("/loans/").content.decode()
    assert '<span class="user-name">Maria' in html
    assert '<span class="role-tag">Specialist</span>' in html
    assert f'<form method="post" action="{LOGOUT}"' in html
    assert '<a class="skip-link" href="#main">Skip to content</a>' in html
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
    assert "/static/vendor/htmx-2.0.11/htmx.min.js" in html


@pytest.mark.parametrize("path", ["/", "/loans/", "/loans/1/", "/admin/"])
def test_anonymous_visitor_is_sent_to_login(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")
