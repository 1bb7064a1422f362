"""How the API tests call /api/v1: with a token, or as the browser (session + CSRF)."""

import json

from django.test import Client

from corridor.accounts.services import api_token_create

API = "/api/v1"


def bearer(user) -> dict:
    _token, key = api_token_create(by=user, name="tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def send(client, method, path, body=None, user=None, **extra):
    """One request, as ``user`` by token (anonymous when None); GET sends ``body`` as the query."""
    headers = bearer(user) if user is not None else {}
    if method == "get":
        return client.get(API + path, body or {}, **headers, **extra)
    data = body if isinstance(body, str | bytes) else json.dumps(body or {})
    return getattr(client, method)(
        API + path, data=data, content_type="application/json", **headers, **extra
    )


def client_for(user, how: str) -> tuple[Client, dict]:
    """A client and the headers to send for ``user``, by "token" or "session"."""
    if how == "token":
        headers = {}
        if user is not None:
            _token, key = api_token_create(by=user, name="permission table")
            headers["HTTP_AUTHORIZATION"] = f"Bearer {key}"
        return Client(), headers
    # The browser: a session, with the CSRF cookie and the header that must match it.
    browser = Client(enforce_csrf_checks=True)
    if user is not None:
        browser.force_login(user)
    browser.cookies["csrftoken"] = "c" * 32
    return browser, {"HTTP_X_CSRFTOKEN": "c" * 32}
