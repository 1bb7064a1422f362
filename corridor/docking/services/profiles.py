"""Writes to cooperation profiles: every rule, permission and state change is here.

Life cycle: draft → submitted → published (approved by staff of the authority of
the organisation's country) or rejected (with a reason; may be edited and
submitted again) → expired (deadline, or 12 months after publishing, extendable
once) / withdrawn by the organisation.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from corridor.core import audit
from corridor.core.permissions import (
    is_platform_admin,
    organisation_role,
    require,
    staff_countries,
)
from corridor.core.text import LANGUAGE_CODES, TextError, clean_text, detect_language
from corridor.registry.models import Organisation, Sector

from ..models import MAX_KEYWORD_LENGTH, MAX_KEYWORDS, CooperationProfile, ProfileTranslation

Status = CooperationProfile.Status

PROFILE_FIELDS = {
    "kind", "title", "summary", "description", "language", "keywords", "trl", "trl_min",
    "trl_max", "modes", "target_countries", "deadline", "is_anonymous",
}  # fmt: skip
TEXT_FIELDS = ("title", "summary", "description")
EDITABLE = (Status.DRAFT, Status.REJECTED)
PUBLISHED_FOR = relativedelta(days=365)
EXTENSION = relativedelta(months=12)
MAX_DEADLINE_AHEAD = relativedelta(years=2)


# --- Permissions ----------------------------------------------------------------


def can_author_profile(user, organisation: Organisation) -> bool:
    """An organisation's admins and members write, submit, withdraw and extend its profiles."""
    return organisation_role(user, organisation) in ("admin", "member")


def can_edit_profile(user, profile: CooperationProfile) -> bool:
    return can_author_profile(user, profile.organisation)


def can_moderate_profile(user, profile: CooperationProfile) -> bool:
    """Platform admins, and staff of the authority of the organisation's country."""
    if is_platform_admin(user):
        return True
    return str(profile.organisation.country) in staff_countries(user)


# --- Validation -----------------------------------------------------------------


def _text_errors(fields: dict) -> tuple[dict, dict]:
    errors, cleaned = {}, {}
    for key, value in fields.items():
        if isinstance(value, str):
            try:
                value = clean_text(value, field=key)
            except TextError:
                errors[key] = [_("Contains a NUL byte, which cannot be stored.")]
        cleaned[key] = value
    return cleaned, errors


def _string_list(value, *, field: str, errors: dict) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, (list, tuple, set, frozenset)):
        errors[field] = [_("Give a list.")]
        return []
    out: list[str] = []
    for item in value:
        if not isinstance(item, str):
            errors[field] = [_("Give a list.")]
            return []
        try:
            item = clean_text(item, field=field)
        except TextError:
            errors[field] = [_("Contains a NUL byte, which cannot be stored.")]
            return []
        if item and item not in out:
            out.append(item)
    return out


def _check_lists(profile: CooperationProfile, errors: dict) -> None:
    keywords = _string_list(profile.keywords, field="keywords", errors=errors)
    if "keywords" not in errors:
        if len(keywords) > MAX_KEYWORDS:
            errors["keywords"] = [
                _("At most %(count)d keywords.") % {"count": MAX_KEYWORDS},
            ]
        elif any(len(k) > MAX_KEYWORD_LENGTH for k in keywords):
            errors["keywords"] = [
                _("A keyword may have at most %(count)d characters.")
                % {"count": MAX_KEYWORD_LENGTH},
            ]
    profile.keywords = keywords

    modes = _string_list(profile.modes, field="modes", errors=errors)
    if "modes" not in errors and set(modes) - set(CooperationProfile.Mode.values):
        errors["modes"] = [_("Unknown cooperation mode.")]
    profile.modes = modes

    given = _string_list(profile.target_countries, field="target_countries", errors=errors)
    codes = [countries.alpha2(c.upper()) for c in given]
    if "target_countries" not in errors and not all(codes):
        errors["target_countries"] = [_("Unknown country.")]
    profile.target_countries = sorted(set(filter(None, codes)))


def _check_trl(profile: CooperationProfile, errors: dict) -> None:
    if profile.kind in CooperationProfile.REQUEST_KINDS:
        if profile.trl is not None:
            errors["trl"] = [_("A request gives a wanted range of readiness levels.")]
        lo, hi = profile.trl_min, profile.trl_max
        if isinstance(lo, int) and isinstance(hi, int) and lo > hi:
            errors["trl_max"] = [_("The highest level must not be below the lowest.")]
    elif profile.trl_min is not None or profile.trl_max is not None:
        errors["trl_min"] = [_("Only requests give a wanted range of readiness levels.")]


def _resolve_sectors(sectors: Iterable, errors: dict) -> list[Sector]:
    items = list(sectors)
    codes = {s for s in items if isinstance(s, str)}
    found = {s.code: s for s in Sector.objects.filter(code__in=codes)} if codes else {}
    resolved = []
    for item in items:
        if isinstance(item, Sector) and item.pk is not None:
            resolved.append(item)
        elif isinstance(item, str) and item in found:
            resolved.append(found[item])
        else:
            errors["sectors"] = [_("Unknown sector.")]
            return []
    return resolved


def _validate(profile: CooperationProfile, errors: dict, sectors) -> list[Sector] | None:
    """Check everything before anything is written; raise one error naming every bad field."""
    title = profile.title if isinstance(profile.title, str) else ""
    if title and not any(ch.isalnum() for ch in title):
        # Emoji or punctuation only: nothing a reader or the matcher can use.
        errors.setdefault("title", [_("The title must contain words.")])
    exclude = {"organisation", "created_by"}
    if not profile.language:
        texts = " ".join(str(getattr(profile, f) or "") for f in TEXT_FIELDS if f not in errors)
        profile.language = detect_language(texts)
        if not profile.language:
            if any(ch.isalnum() for ch in texts):
                errors.setdefault("language", [_("Could not tell the language; choose one.")])
            elif set(TEXT_FIELDS) & set(errors):
                exclude.add("language")  # the text's own error is the one to fix first
    _check_lists(profile, errors)
    _check_trl(profile, errors)
    resolved = _resolve_sectors(sectors, errors) if sectors is not None else None
    try:
        profile.full_clean(exclude=set(errors) | exclude)
    except ValidationError as e:
        for key, messages in e.message_dict.items():
            errors.setdefault(key, messages)
    if "deadline" not in errors and isinstance(profile.deadline, datetime.date):
        today = timezone.localdate()
        if profile.deadline < today:
            errors["deadline"] = [_("The deadline has passed.")]
        elif profile.deadline > today + MAX_DEADLINE_AHEAD:
            # A profile lives 12 months, 24 with its one extension: a later deadline means nothing.
            errors["deadline"] = [_("The deadline may be at most two years ahead.")]
    if errors:
        raise ValidationError(errors)
    return resolved


def _fields(fields: dict) -> tuple[dict, dict]:
    unknown = sorted(set(fields) - PROFILE_FIELDS)
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in unknown})
    return _text_errors(fields)


def _locked(profile: CooperationProfile) -> CooperationProfile:
    return (
        CooperationProfile.objects.select_for_update()
        .select_related("organisation")
        .get(pk=profile.pk)
    )


def _queue_for_matching(*profiles: CooperationProfile) -> list[str]:
    """Mark profiles for the matcher and index them (in one task) once the transaction commits.

    Returns the field to add to the caller's ``update_fields``.
    """
    from ..matching import schedule_index  # the adapter imports this module

    for profile in profiles:
        profile.needs_indexing = True
    schedule_index([p.pk for p in profiles])
    return ["needs_indexing"]


def _refresh(target: CooperationProfile, source: CooperationProfile) -> CooperationProfile:
    """Let the caller's object see the new state too."""
    for field in CooperationProfile._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    return target


# --- Writing --------------------------------------------------------------------


@transaction.atomic
def profile_create(
    *, organisation: Organisation, by, sectors: Iterable = (), **fields
) -> CooperationProfile:
    """Write a draft profile for ``organisation`` (its admins and members may)."""
    require(
        can_author_profile(by, organisation),
        _("Only the organisation's admins and members may write its profiles."),
    )
    fields, errors = _fields(fields)
    profile = CooperationProfile(organisation=organisation, created_by=by, **fields)
    profile.status = Status.DRAFT
    resolved = _validate(profile, errors, sectors)
    profile.save()
    profile.sectors.set(resolved)
    audit.record(by, "profile.create", profile, {"kind": profile.kind})
    return profile


@transaction.atomic
def profile_update(
    *, profile: CooperationProfile, by, sectors: Iterable | None = None, **fields
) -> CooperationProfile:
    """Change a draft or rejected profile."""
    require(
        can_edit_profile(by, profile),
        _("Only the organisation's admins and members may change its profiles."),
    )
    fields, errors = _fields(fields)
    locked = _locked(profile)
    if locked.status not in EDITABLE:
        raise ValidationError({"status": [_("Only draft or rejected profiles can be changed.")]})
    if set(TEXT_FIELDS) & set(fields) and "language" not in fields:
        locked.language = ""  # detect again for the new text
    changed = sorted(k for k, v in fields.items() if getattr(locked, k) != v)
    for key, value in fields.items():
        setattr(locked, key, value)
    resolved = _validate(locked, errors, sectors)
    if locked.translations.filter(language=locked.language).exists():
        raise ValidationError(
            {"language": [_("The profile already has a translation in this language.")]}
        )
    locked.save()
    if resolved is not None:
        locked.sectors.set(resolved)
        changed.append("sectors")
    audit.record(by, "profile.update", locked, {"fields": changed})
    return _refresh(profile, locked)


@transaction.atomic
def profile_translation_set(
    *, profile: CooperationProfile, by, language: str, title: str, summary: str = "",
    description: str = "",
) -> ProfileTranslation:  # fmt: skip
    """Add or replace the author's version of the texts in another language."""
    require(
        can_edit_profile(by, profile),
        _("Only the organisation's admins and members may change its profiles."),
    )
    locked = _locked(profile)
    if locked.status not in EDITABLE:
        raise ValidationError({"status": [_("Only draft or rejected profiles can be changed.")]})
    texts, errors = _text_errors({"title": title, "summary": summary, "description": description})
    if language not in LANGUAGE_CODES:
        errors["language"] = [_("Unknown language.")]
    elif language == locked.language:
        errors["language"] = [_("This is the language the profile is written in.")]
    title = texts["title"]
    if "title" not in errors and title and not any(ch.isalnum() for ch in title):
        errors["title"] = [_("The title must contain words.")]
    translation = ProfileTranslation.objects.filter(
        profile=locked, language=language
    ).first() or ProfileTranslation(profile=locked, language=language)
    for key, value in texts.items():
        setattr(translation, key, value)
    try:
        translation.full_clean(exclude=set(errors) | {"profile"}, validate_unique=False)
    except ValidationError as e:
        for key, messages in e.message_dict.items():
            errors.setdefault(key, messages)
    if errors:
        raise ValidationError(errors)
    translation.save()
    audit.record(by, "profile.translation_set", locked, {"language": language})
    return translation


# --- Life cycle -----------------------------------------------------------------


def _transition(profile, *, allowed_from, message) -> CooperationProfile:
    locked = _locked(profile)
    if locked.status not in allowed_from:
        raise ValidationError({"status": [message]})
    return locked


@transaction.atomic
def profile_submit(*, profile: CooperationProfile, by) -> CooperationProfile:
    """Send a draft (or a rejected profile, once changed) to the authority for approval."""
    require(
        can_edit_profile(by, profile),
        _("Only the organisation's admins and members may submit its profiles."),
    )
    locked = _transition(
        profile,
        allowed_from=EDITABLE,
        message=_("Only draft or rejected profiles can be submitted."),
    )
    if locked.deadline is not None and locked.deadline < timezone.localdate():
        raise ValidationError({"deadline": [_("The deadline has passed.")]})
    locked.status = Status.SUBMITTED
    locked.rejection_reason = ""
    locked.save(update_fields=["status", "rejection_reason", "updated_at"])
    audit.record(by, "profile.submit", locked)
    return _refresh(profile, locked)


def _expiry(published_at: datetime.datetime, deadline: datetime.date | None) -> datetime.datetime:
    expires_at = published_at + PUBLISHED_FOR
    if deadline is not None:
        # The deadline day is still open: the profile goes at the start of the next day.
        end_of_deadline = timezone.make_aware(
            datetime.datetime.combine(deadline + datetime.timedelta(days=1), datetime.time.min)
        )
        expires_at = min(expires_at, end_of_deadline)
    return expires_at


@transaction.atomic
def profile_approve(*, profile: CooperationProfile, by, now=None) -> CooperationProfile:
    """Publish a submitted profile (staff of the organisation's authority, or a platform admin)."""
    require(
        can_moderate_profile(by, profile),
        _("Only staff of the organisation's authority may approve or reject its profiles."),
    )
    locked = _transition(
        profile,
        allowed_from=(Status.SUBMITTED,),
        message=_("Only submitted profiles can be approved or rejected."),
    )
    now = now or timezone.now()
    if locked.deadline is not None and locked.deadline < timezone.localdate(now):
        raise ValidationError({"deadline": [_("The deadline has passed.")]})
    locked.status = Status.PUBLISHED
    locked.published_at = now
    locked.expires_at = _expiry(now, locked.deadline)
    queued = _queue_for_matching(locked)
    locked.save(update_fields=["status", "published_at", "expires_at", "updated_at", *queued])
    audit.record(by, "profile.approve", locked, {"expires_at": locked.expires_at.isoformat()})
    return _refresh(profile, locked)


@transaction.atomic
def profile_reject(*, profile: CooperationProfile, by, reason: str) -> CooperationProfile:
    """Send a submitted profile back to its authors with the reason."""
    require(
        can_moderate_profile(by, profile),
        _("Only staff of the organisation's authority may approve or reject its profiles."),
    )
    texts, errors = _text_errors({"rejection_reason": reason if isinstance(reason, str) else ""})
    reason = texts["rejection_reason"]
    if not errors and not reason:
        errors["rejection_reason"] = [_("Give the reason for the rejection.")]
    locked = _transition(
        profile,
        allowed_from=(Status.SUBMITTED,),
        message=_("Only submitted profiles can be approved or rejected."),
    )
    locked.rejection_reason = reason
    if not errors:
        try:
            locked.clean_fields(
                exclude={f.name for f in locked._meta.fields} - {"rejection_reason"}
            )
        except ValidationError as e:
            errors.update(e.message_dict)
    if errors:
        raise ValidationError(errors)
    locked.status = Status.REJECTED
    locked.save(update_fields=["status", "rejection_reason", "updated_at"])
    audit.record(by, "profile.reject", locked, {"reason": reason})
    return _refresh(profile, locked)


@transaction.atomic
def profile_withdraw(*, profile: CooperationProfile, by) -> CooperationProfile:
    """Take a profile back for good (the organisation may, at any stage before it ends)."""
    require(
        can_edit_profile(by, profile),
        _("Only the organisation's admins and members may withdraw its profiles."),
    )
    locked = _transition(
        profile,
        allowed_from=(Status.DRAFT, Status.SUBMITTED, Status.PUBLISHED),
        message=_("This profile can no longer be withdrawn."),
    )
    was_published = locked.status == Status.PUBLISHED
    locked.status = Status.WITHDRAWN
    queued = _queue_for_matching(locked) if was_published else []
    locked.save(update_fields=["status", "updated_at", *queued])
    audit.record(by, "profile.withdraw", locked)
    return _refresh(profile, locked)


@transaction.atomic
def profile_extend(*, profile: CooperationProfile, by) -> CooperationProfile:
    """Keep a published profile 12 months longer; allowed once."""
    require(
        can_edit_profile(by, profile),
        _("Only the organisation's admins and members may extend its profiles."),
    )
    locked = _transition(
        profile,
        allowed_from=(Status.PUBLISHED,),
        message=_("Only published profiles can be extended."),
    )
    if locked.extended:
        raise ValidationError({"extended": [_("A profile can be extended only once.")]})
    locked.expires_at = locked.expires_at + EXTENSION
    if locked.deadline is not None:
        # The old deadline ended the profile; it no longer does.
        locked.deadline = timezone.localdate(locked.expires_at)
    locked.extended = True
    queued = _queue_for_matching(locked)
    locked.save(update_fields=["expires_at", "deadline", "extended", "updated_at", *queued])
    audit.record(by, "profile.extend", locked, {"expires_at": locked.expires_at.isoformat()})
    return _refresh(profile, locked)


def profiles_expire(*, now: datetime.datetime | None = None) -> int:
    """Mark published profiles whose time is up as expired; the number expired."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            CooperationProfile.objects.select_for_update()
            .filter(status=Status.PUBLISHED, expires_at__lte=now)
            .order_by("pk")
        )
        if not due:
            return 0
        queued = _queue_for_matching(*due)
        for profile in due:
            profile.status = Status.EXPIRED
            profile.save(update_fields=["status", "updated_at", *queued])
            audit.record(None, "profile.expire", profile, {"at": now.isoformat()})
    return len(due)
