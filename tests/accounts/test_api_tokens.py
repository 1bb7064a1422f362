"""Personal API tokens: made while signed in, shown once, stored as a hash, revocable."""

import hashlib
import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from corridor.accounts import services
from corridor.accounts.models import ApiToken
from corridor.core.models import AuditEntry
from corridor.registry.models import Organisation

from ..factories import UserFactory

API = "/api/v1"
CSRF = "t" * 32

pytestmark = pytest.mark.django_db


def browser_for(user) -> Client:
    """A signed-in browser that sends its CSRF token, as the site's own pages do."""
    browser = Client(enforce_csrf_checks=True, HTTP_X_CSRFTOKEN=CSRF)
    browser.force_login(user)
    browser.cookies["csrftoken"] = CSRF
    return browser


def post_json(client, path, body, **extra):
    return client.post(API + path, data=json.dumps(body), content_type="application/json", **extra)


def test_a_signed_in_person_creates_a_token_shown_once_and_stored_as_a_hash(outsider):
    browser = browser_for(outsider)
    response = post_json(browser, "/tokens", {"name": "nightly import"})
    assert response.status_code == 201, response.content
    body = response.json()
    key = body["key"]
    assert key.startswith("cor_") and len(key) > 40
    token = ApiToken.objects.get(pk=body["id"])
    assert token.user == outsider and token.name == "nightly import"
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    # The key itself is nowhere in the row.
    assert key not in json.dumps(list(ApiToken.objects.filter(pk=token.pk).values()), default=str)
    # Listing never shows a key again.
    listed = browser.get(f"{API}/tokens").json()
    assert [t["name"] for t in listed] == ["nightly import"]
    assert "key" not in listed[0] and "key_hash" not in listed[0]
    assert AuditEntry.objects.filter(verb="api_token.create", actor=outsider).count() == 1


def test_the_new_key_authenticates_api_writes_and_records_its_use(outsider):
    key = post_json(browser_for(outsider), "/tokens", {"name": "script"}).json()["key"]
    response = post_json(
        Client(),
        "/organisations",
        {"kind": "enterprise", "name": "Token Made Ltd", "country": "PK"},
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 201, response.content
    assert Organisation.objects.get(slug="token-made-ltd").memberships.get().user == outsider
    assert ApiToken.objects.get(user=outsider).last_used_at is not None


def test_creating_a_token_needs_the_csrf_token(outsider):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(outsider)
    response = post_json(browser, "/tokens", {"name": "forged"})
    assert response.status_code == 403
    assert not ApiToken.objects.exists()


def test_a_token_cannot_create_more_tokens(outsider):
    _token, key = services.api_token_create(by=outsider, name="first")
    response = post_json(
        Client(), "/tokens", {"name": "second"}, HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert response.status_code == 401
    assert ApiToken.objects.count() == 1


def test_anonymous_visitor_cannot_create_or_list_tokens(db):
    assert post_json(Client(), "/tokens", {"name": "x"}).status_code == 401
    assert Client().get(f"{API}/tokens").status_code == 401
    assert not ApiToken.objects.exists()


def test_people_see_only_their_own_tokens(outsider, org_member):
    services.api_token_create(by=outsider, name="mine")
    _token, key = services.api_token_create(by=org_member, name="theirs")
    listed = Client().get(f"{API}/tokens", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert [t["name"] for t in listed] == ["theirs"]


def test_revoking_a_token_stops_it_working(outsider):
    token, key = services.api_token_create(by=outsider, name="old laptop")
    browser = browser_for(outsider)
    response = browser.delete(f"{API}/tokens/{token.pk}")
    assert response.status_code == 200, response.content
    assert response.json()["revoked_at"]
    response = Client().get(f"{API}/tokens", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 401
    # Revoking again changes nothing and is not audited twice.
    assert browser.delete(f"{API}/tokens/{token.pk}").status_code == 200
    assert AuditEntry.objects.filter(verb="api_token.revoke").count() == 1


def test_someone_elses_token_is_not_found_and_stays_valid(outsider, org_member):
    token, key = services.api_token_create(by=org_member, name="theirs")
    response = browser_for(outsider).delete(f"{API}/tokens/{token.pk}")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert Client().get(f"{API}/tokens", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200


def test_revoking_needs_the_csrf_token_in_the_browser(outsider):
    token, _key = services.api_token_create(by=outsider, name="kept")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(outsider)
    assert browser.delete(f"{API}/tokens/{token.pk}").status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize(
    "body",
    [
        {"name": "n" * 101},
        {"name": "bad\x00name"},
        {"name": "   "},
        {"name": 42},
        {},
        {"name": "ok", "scope": "everything"},
    ],
)
def test_bad_token_names_are_422_and_nothing_is_made(outsider, body):
    response = post_json(browser_for(outsider), "/tokens", body)
    assert response.status_code == 422, response.content
    assert response.json()["detail"]
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    "token_id", ["0", "-1", "abc", "99999999999999999999999", "9223372036854775807"]
)
def test_odd_token_ids_are_4xx(outsider, token_id):
    response = browser_for(outsider).delete(f"{API}/tokens/{token_id}")
    assert response.status_code in (404, 422)


def test_the_number_of_active_tokens_is_capped(outsider):
    for n in range(services.MAX_ACTIVE_TOKENS):
        services.api_token_create(by=outsider, name=f"t{n}")
    response = post_json(browser_for(outsider), "/tokens", {"name": "one too many"})
    assert response.status_code == 422
    assert "revoke one first" in response.json()["detail"][0]["msg"]
    # A revoked token frees a place.
    services.api_token_revoke(token=ApiToken.objects.filter(user=outsider).first(), by=outsider)
    assert post_json(browser_for(outsider), "/tokens", {"name": "now fits"}).status_code == 201


# --- The services themselves ----------------------------------------------------


def test_anonymous_cannot_create_a_token_through_the_service(db):
    with pytest.raises(PermissionDenied):
        services.api_token_create(by=AnonymousUser(), name="x")
    assert not ApiToken.objects.exists()


def test_only_the_owner_or_a_platform_admin_revokes_a_token(outsider, org_member, platform_admin):
    token, _key = services.api_token_create(by=outsider, name="x")
    with pytest.raises(PermissionDenied):
        services.api_token_revoke(token=token, by=org_member)
    token.refresh_from_db()
    assert token.revoked_at is None
    assert services.api_token_revoke(token=token, by=platform_admin).revoked_at is not None


def test_a_deactivated_persons_tokens_stop_working(db):
    person = UserFactory(username="leaver")
    _token, key = services.api_token_create(by=person, name="x")
    person.is_active = False
    person.save(update_fields=["is_active"])
    assert Client().get(f"{API}/tokens", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_service_rejects_a_name_too_long_for_the_column(outsider):
    with pytest.raises(ValidationError) as error:
        services.api_token_create(by=outsider, name="n" * 101)
    assert "name" in error.value.message_dict
