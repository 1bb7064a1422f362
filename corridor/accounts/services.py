"""Writes to accounts: personal API tokens, e-mail preferences and time zone."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from corridor.core import audit
from corridor.core.permissions import is_platform_admin, require
from corridor.core.text import TextError, clean_text
from corridor.core.timezones import is_valid_zone

from .models import ApiToken

# A person needs a few tokens (one per script or machine), not an unbounded pile of secrets.
MAX_ACTIVE_TOKENS = 20


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


@transaction.atomic
def api_token_create(*, by, name: str) -> tuple[ApiToken, str]:
    """Make a token for ``by``. Returns the token and its key: the key is shown this once.

    Only the key's SHA-256 hash is stored, so a stolen database does not give access.
    """
    require(_signed_in(by), _("Sign in to create an API token."))
    try:
        name = clean_text(name, field="name")
    except TextError as exc:
        raise ValidationError(
            {"name": [_("Contains a NUL byte, which cannot be stored.")]}
        ) from exc
    # Lock the user's row so two requests at once cannot both pass the limit.
    get_user_model().objects.select_for_update().filter(pk=by.pk).first()
    active = ApiToken.objects.filter(user=by, revoked_at__isnull=True).count()
    if active >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            _("You already have %(count)d active tokens; revoke one first.")
            % {"count": MAX_ACTIVE_TOKENS}
        )
    key = ApiToken.new_key()
    token = ApiToken(user=by, name=name, key_hash=ApiToken.hash_key(key))
    token.full_clean(exclude={"key_hash"})
    token.save()
    audit.record(by, "api_token.create", token, {"name": token.name})
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by) -> ApiToken:
    """Revoke a token: its owner or a platform admin may. Revoking twice changes nothing."""
    require(
        _signed_in(by) and (token.user_id == by.pk or is_platform_admin(by)),
        _("You may revoke only your own tokens."),
    )
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        audit.record(by, "api_token.revoke", token, {"name": token.name})
    return token


@transaction.atomic
def user_preferences_update(
    *,
    user,
    by,
    match_digest: bool | None = None,
    notify_by_email: bool | None = None,
    time_zone: str | None = None,
):
    """Change a person's e-mail preferences and time zone (None: unchanged).

    Only they (or a platform admin) may. Bad input changes nothing: every value is
    checked before any is written. ``time_zone`` is an IANA name, or "" for the zone of
    their organisation's country.
    """
    require(
        _signed_in(by) and (user.pk == by.pk or is_platform_admin(by)),
        _("You may change only your own preferences."),
    )
    wanted = {"match_digest": match_digest, "notify_by_email": notify_by_email}
    errors = {
        name: [_("Choose yes or no.")]
        for name, value in wanted.items()
        if value is not None and not isinstance(value, bool)
    }
    if time_zone is not None:
        if not isinstance(time_zone, str) or (time_zone and not is_valid_zone(time_zone)):
            errors["time_zone"] = [_("Unknown time zone.")]
        wanted["time_zone"] = time_zone
    if errors:
        raise ValidationError(errors)
    changed = {
        name: value
        for name, value in wanted.items()
        if value is not None and getattr(user, name) != value
    }
    if changed:
        for name, value in changed.items():
            setattr(user, name, value)
        user.save(update_fields=sorted(changed))
        audit.record(by, "user.preferences", user, changed)
    return user
