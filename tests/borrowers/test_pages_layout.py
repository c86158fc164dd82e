"""The shared layout (base.html) and the error pages.

Navigation links to pages that other parts of Lossmit add (worklist, approvals, dashboard,
rules) appear once their URL names exist, and only for the roles that use them. This module
doubles as a URLconf that defines those names, so the tests can see the links.
"""

import re

import pytest
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import include, path

urlpatterns = [
    path("worklist/", lambda request: HttpResponse(), name="worklist"),
    path("approvals/", lambda request: HttpResponse(), name="approvals"),
    path("dashboard/", lambda request: HttpResponse(), name="dashboard"),
    path("rules/", lambda request: HttpResponse(), name="rules"),
    path("", include("lossmit.urls")),
]

THIS_URLCONF = "tests.borrowers.test_pages_layout"


def nav_links(html: str) -> list[str]:
    nav = html[html.index('<nav class="mainnav"') : html.index("</nav>", html.index('<nav class="mainnav"'))]
    return re.findall(r">([^<>]+)</a>", nav)


@pytest.mark.urls(THIS_URLCONF)
@pytest.mark.parametrize(
    ("persona", "links"),
    [
        ("specialist", ["Worklist", "Loans"]),
        ("manager", ["Worklist", "Loans", "Approvals", "Dashboard", "Rules"]),
        ("admin_user", ["Loans", "Dashboard", "Rules", "Imports", "Letters", "Django admin"]),
    ],
)
def test_navigation_shows_each_role_its_pages(client, request, persona, links):
    client.force_login(request.getfixturevalue(persona))
    assert nav_links(client.get("/loans/").content.decode()) == links


def test_navigation_hides_pages_that_do_not_exist_yet(client, manager):
    client.force_login(manager)
    # Under the project's own URLconf the other pages may or may not exist; Loans always does.
    assert "Loans" in nav_links(client.get("/loans/").content.decode())


def test_current_page_is_marked_in_the_navigation(client, specialist):
    client.force_login(specialist)
    html = client.get("/loans/").content.decode()
    assert '<a href="/loans/" aria-current="page">Loans</a>' in html


def test_role_shown_next_to_the_user_name(client, manager):
    client.force_login(manager)
    assert '<span class="role-tag">Manager</span>' in client.get("/loans/").content.decode()


def test_layout_loads_only_local_assets(client, specialist):
    client.force_login(specialist)
    html = client.get("/loans/").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert [s for s in sources if s.startswith(("http:", "https:", "//"))] == []
    assert "/static/css/lossmit.css" in sources
    assert "/static/vendor/htmx-2.0.11/htmx.min.js" in sources


def test_messages_region_is_a_polite_live_region(client, specialist):
    client.force_login(specialist)
    html = client.get("/loans/").content.decode()
    assert '<div id="messages" class="messages container" role="status" aria-live="polite">' in html
    assert '<main id="main" class="container" tabindex="-1">' in html


def test_unknown_page_renders_the_404_template(client, specialist):
    client.force_login(specialist)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()
    assert '<a href="/loans/">Search loans</a>' in response.content.decode()


def test_user_without_role_is_told_to_ask_for_one(client, outsider):
    client.force_login(outsider)
    html = client.get("/loans/").content.decode()
    assert "Your account has no Lossmit role yet" in html
    assert '<span class="role-tag">No role</span>' in html


def test_500_template_renders_without_a_request_or_database():
    html = render_to_string("500.html")
    assert "Something went wrong on our side" in html
    assert "{%" not in html
    assert "/static/" not in html  # stands alone: no stylesheet that could itself fail
