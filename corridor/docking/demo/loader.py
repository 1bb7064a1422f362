"""Load the demo cooperation profiles through the docking services.

The registry's demo loader writes rows directly; this one does not. Every profile
is written, translated and submitted by a member of its organisation and approved
or rejected by staff of the organisation's authority, through the services a
person would call, so the demo obeys every rule of the life cycle and leaves the
audit trail real use leaves.

A demo profile is known by its organisation and its title (in the language it is
written in). The model has no field for an outside key and needs none: the title
is how an organisation's people tell its profiles apart. Keywords, the other
place a key could hide, are read by the matcher and shown to visitors. A profile
found again is left as it is, whatever happened to it since (withdrawn, edited
and resubmitted by a demo login): its life cycle belongs to the services, not to
this script. So a second run writes nothing.

The registry's demo data gives people only to the demo logins' two organisations.
Every other organisation with a demo profile gets one author, ``author.<slug>``,
who cannot sign in (no usable password) and is added to it by the authority's
staff through ``organisation_member_add``.

Most profiles come from the labelled evaluation set
(``corridor/matching/data/eval_profiles.jsonl``; ``eval_id`` in the data file),
both sides of each good-partner pair, so the demo's matches are the ones the set
marks as right.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from corridor.accounts.models import OrganisationMembership
from corridor.matching.embed import EmbedderError
from corridor.matching.engine import Matcher
from corridor.registry.models import Organisation
from corridor.registry.services import organisation_member_add

from ..matching import embedder, engine_profile, profiles_index, with_matching_data
from ..models import CooperationProfile
from ..selectors import published_q
from ..services import (
    profile_approve,
    profile_create,
    profile_reject,
    profile_submit,
    profile_translation_set,
)

DATA_FILE = Path(__file__).resolve().parent / "data" / "profiles.json"
# Who approves or rejects: staff of the authority of the organisation's country.
MODERATORS = {"PK": "staff.stza", "CN": "staff.zgc"}
AUTHOR_PREFIX = "author."

Status = CooperationProfile.Status
STATUSES = (Status.DRAFT, Status.SUBMITTED, Status.PUBLISHED, Status.REJECTED)
PROFILE_FIELDS = (
    "kind", "language", "title", "summary", "description", "keywords", "trl", "trl_min",
    "trl_max", "modes", "target_countries",
)  # fmt: skip
ROW_FIELDS = {
    *PROFILE_FIELDS, "key", "eval_id", "organisation", "author", "status", "sectors",
    "published_days_ago", "deadline_days", "anonymous", "rejection_reason", "translations",
}  # fmt: skip


@dataclass
class ProfilesResult:
    """What the loader wrote, and what the matcher indexed."""

    created: Counter = field(default_factory=Counter)  # per model
    statuses: Counter = field(default_factory=Counter)  # of the profiles created now
    found: int = 0  # demo profiles already there
    published: int = 0  # demo profiles published now (old and new)
    indexed: int = 0
    failed: int = 0
    index_seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()))


def read_rows(path: Path | None = None) -> list[dict]:
    with open(path or DATA_FILE, encoding="utf-8") as handle:
        rows = json.load(handle)
    _check_rows(rows)
    return rows


def _check_rows(rows: list[dict]) -> None:
    """Refuse a data file with a slip the services would not catch (they check the rest)."""
    keys, titles = set(), set()
    for row in rows:
        key = row.get("key") or "?"
        unknown = sorted(set(row) - ROW_FIELDS)
        if unknown:
            raise ValueError(f"profile {key}: unknown fields {', '.join(unknown)}")
        if key in keys:
            raise ValueError(f"profile {key}: the key is used twice")
        keys.add(key)
        title = (row.get("organisation"), row.get("title"))
        if title in titles:
            raise ValueError(f"profile {key}: another profile of {title[0]} has this title")
        titles.add(title)
        if row.get("status") not in STATUSES:
            raise ValueError(f"profile {key}: status must be one of {', '.join(STATUSES)}")
        if row["status"] == Status.PUBLISHED and not isinstance(row.get("published_days_ago"), int):
            raise ValueError(f"profile {key}: a published profile needs published_days_ago")
        if row["status"] == Status.REJECTED and not row.get("rejection_reason"):
            raise ValueError(f"profile {key}: a rejected profile needs rejection_reason")


def _users(usernames) -> dict:
    User = get_user_model()
    return {u.username: u for u in User.objects.filter(username__in=set(usernames))}


def _author(organisation: Organisation, language: str, moderator, result: ProfilesResult):
    """The organisation's demo author, created and added by staff the first time."""
    User = get_user_model()
    username = f"{AUTHOR_PREFIX}{organisation.slug}"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(
            username=username,
            first_name="Demo",
            last_name="Author",
            email=f"{username}@demo.corridor.invalid",
            language=language,
            match_digest=False,  # nobody reads this mailbox
        )
        user.set_unusable_password()
        user.full_clean()
        user.save()
        result.created["User"] += 1
    if not OrganisationMembership.objects.filter(user=user, organisation=organisation).exists():
        organisation_member_add(
            organisation=organisation,
            user=user,
            role=OrganisationMembership.Role.MEMBER,
            by=moderator,
        )
        result.created["OrganisationMembership"] += 1
    return user


def _create(row: dict, organisation, author, moderator, now, result: ProfilesResult):
    """Write one profile and take it through its life cycle to the status the data gives."""
    fields = {k: row[k] for k in PROFILE_FIELDS if k in row}
    fields["is_anonymous"] = row.get("anonymous", True)
    if "deadline_days" in row:
        fields["deadline"] = timezone.localdate(now) + datetime.timedelta(days=row["deadline_days"])
    profile = profile_create(
        organisation=organisation, by=author, sectors=row.get("sectors", []), **fields
    )
    for translation in row.get("translations", []):
        profile_translation_set(profile=profile, by=author, **translation)
        result.created["ProfileTranslation"] += 1
    status = row["status"]
    if status != Status.DRAFT:
        profile_submit(profile=profile, by=author)
    if status == Status.PUBLISHED:
        published_at = now - datetime.timedelta(days=row["published_days_ago"])
        profile_approve(profile=profile, by=moderator, now=published_at)
    elif status == Status.REJECTED:
        profile_reject(profile=profile, by=moderator, reason=row["rejection_reason"])
    result.created["CooperationProfile"] += 1
    result.statuses[status] += 1
    return profile


def _load(rows: list[dict], now, result: ProfilesResult) -> list[int]:
    slugs = {row["organisation"] for row in rows}
    organisations = {o.slug: o for o in Organisation.objects.filter(slug__in=slugs)}
    missing = sorted(slugs - set(organisations))
    if missing:
        raise ValueError(f"unknown organisations {', '.join(missing)}")
    users = _users([*MODERATORS.values(), *(row["author"] for row in rows if row.get("author"))])
    pks = []
    for row in rows:
        key = row["key"]
        organisation = organisations[row["organisation"]]
        existing = CooperationProfile.objects.filter(
            organisation=organisation, title=row["title"]
        ).first()
        if existing is not None:
            result.found += 1
            pks.append(existing.pk)
            continue
        moderator = users.get(MODERATORS.get(str(organisation.country), ""))
        if moderator is None:
            raise ValueError(f"profile {key}: no demo staff moderates {organisation.country}")
        if row.get("author"):
            author = users.get(row["author"])
            if author is None:
                raise ValueError(f"profile {key}: unknown author {row['author']}")
        else:
            author = _author(organisation, row["language"], moderator, result)
        try:
            pks.append(_create(row, organisation, author, moderator, now, result).pk)
        except ValidationError as error:
            raise ValueError(f"profile {key}: {error.message_dict}") from error
        except PermissionDenied as error:
            raise ValueError(f"profile {key}: {error}") from error
    return pks


def _embed_in_one_batch(pks: list[int]) -> None:
    """Fill the embedding cache for the queued published profiles with one model call.

    ``profiles_index`` embeds profile by profile (so one bad text fails alone); on two
    busy cores a model call costs far more than its texts, and fifty calls took four
    times as long as one batch of the same passages. Indexing then reads the cache.
    A failure here is not one: indexing embeds and reports each profile itself.
    """
    queued = with_matching_data(
        CooperationProfile.objects.filter(published_q(), needs_indexing=True, pk__in=pks)
    )
    profiles = [engine_profile(p) for p in queued]
    if profiles:
        with contextlib.suppress(EmbedderError, ValueError):
            Matcher(embedder()).prepare(profiles)


def load_profiles(*, now: datetime.datetime | None = None, path: Path | None = None):
    """Create the demo profiles that are missing, then index the published ones.

    One transaction: a bad row leaves nothing behind. Indexing runs inside it, in
    one pass, so the per-profile indexing the services schedule for after the
    commit finds nothing left to do. ``index_seconds`` covers embedding and indexing.
    """
    now = now or timezone.now()
    rows = read_rows(path)
    result = ProfilesResult()
    with transaction.atomic():
        pks = _load(rows, now, result)
        started = time.perf_counter()
        _embed_in_one_batch(pks)
        report = profiles_index(ids=pks)
        result.index_seconds = time.perf_counter() - started
        result.indexed, result.failed = report.indexed, len(report.failed)
        result.published = CooperationProfile.objects.filter(published_q(), pk__in=pks).count()
    return result


def summary(result: ProfilesResult) -> list[str]:
    """What ``corridor demo`` prints about the profiles."""
    lines = [""]
    if result.changed:
        statuses = ", ".join(
            f"{CooperationProfile.Status(k).label} {v}" for k, v in sorted(result.statuses.items())
        )
        lines.append(
            _(
                "Demo cooperation profiles created: %(n)d (%(statuses)s), with %(translations)d "
                "translations; %(authors)d profile authors added to their organisations."
            )
            % {
                "n": result.created["CooperationProfile"],
                "statuses": statuses,
                "translations": result.created["ProfileTranslation"],
                "authors": result.created["OrganisationMembership"],
            }
        )
    else:
        lines.append(_("The demo cooperation profiles were already loaded: nothing changed."))
    lines.append(
        _(
            "Published demo profiles: %(published)d; indexed for matching now: %(indexed)d "
            "in %(seconds).1f s."
        )
        % {
            "published": result.published,
            "indexed": result.indexed,
            "seconds": result.index_seconds,
        }
    )
    if result.failed:
        lines.append(
            _("Profiles that could not be indexed: %(n)d; `corridor index-profiles` retries them.")
            % {"n": result.failed}
        )
    return lines
