"""Load the demo docking pipeline through the services: interest → reveal → thread → meetings → agreement.

Each interest in ``data/pipeline.json`` is sent, answered, revealed, discussed, met
and signed by the organisations' own people (and approved by authority staff where
the authority asks for it) at the times the data gives, counted back from the day
the demo loads, through the same services a person's clicks call. So the outcome
ledger has a realistic funnel to show, and every rule of the pipeline holds in the
demo too. The Pakistani authority approves each reveal in the demo, so its staff
have one introduction waiting in their queue.

An interest already there (same profile, same interested organisation) is left as
it is: what happened to it since belongs to the services. A second run writes
nothing. E-mail is not sent for the demo's history: its notifications are kept for
the app and marked as not needing e-mail.
"""

from __future__ import annotations

import datetime
import json
import zoneinfo
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from corridor.core.models import Notification
from corridor.registry.models import Authority, Organisation

from ..models import CooperationProfile, Interest, RevealApproval
from ..services.agreements import agreement_record
from ..services.interest import (
    interest_accept,
    interest_decline,
    interest_send,
    interest_withdraw,
    interests_expire,
    interests_remind,
    reveal_approve,
)
from ..services.introductions import message_post
from ..services.meetings import meeting_accept, meeting_mark, meeting_propose
from .loader import AUTHOR_PREFIX, MODERATORS, read_rows

DATA = Path(__file__).parent / "data" / "pipeline.json"
# The demo logins act for their own organisations; other organisations' demo author does.
PEOPLE = {"indus-robotics": "member.pk", "xingxin-microelectronics": "member.cn"}
# Interests are sent in the morning, answered in the afternoon, of the day the data gives.
SENT_HOUR, ANSWER_HOUR = 3, 9


@dataclass
class PipelineResult:
    created: Counter = field(default_factory=Counter)
    found: int = 0
    statuses: Counter = field(default_factory=Counter)


def read_pipeline(path: Path | None = None) -> dict:
    return json.loads((path or DATA).read_text(encoding="utf-8"))


class _Clock:
    """Moments counted back from one ``now``, so a whole load shares one present."""

    def __init__(self, now: datetime.datetime):
        self.now = now.replace(minute=0, second=0, microsecond=0)

    def day(self, days_ago: int, hour: int = SENT_HOUR) -> datetime.datetime:
        return (self.now - datetime.timedelta(days=days_ago)).replace(hour=hour)

    def local(self, days_ago: int, hour: int, zone: str) -> datetime.datetime:
        date = (self.now - datetime.timedelta(days=days_ago)).astimezone(zoneinfo.ZoneInfo(zone))
        return datetime.datetime(
            date.year, date.month, date.day, hour, tzinfo=zoneinfo.ZoneInfo(zone)
        )


def _profiles_by_key() -> dict[str, CooperationProfile]:
    rows = read_rows()
    found = {}
    for row in rows:
        profile = CooperationProfile.objects.filter(
            organisation__slug=row["organisation"], title=row["title"]
        ).first()
        if profile is not None:
            found[row["key"]] = profile
    return found


def _person(organisation: Organisation):
    username = PEOPLE.get(organisation.slug, f"{AUTHOR_PREFIX}{organisation.slug}")
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ValueError(f"no demo person acts for {organisation.slug} ({username})")
    return user


def _staff(authority: Authority):
    username = MODERATORS.get(str(authority.country), "")
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ValueError(f"no demo staff for authority {authority.code}")
    return user


def _load_one(row: dict, profiles: dict, clock: _Clock, result: PipelineResult) -> None:
    profile = profiles.get(row["profile"])
    sender_org = Organisation.objects.filter(slug=row["sender"]).first()
    if profile is None or sender_org is None:
        raise ValueError(f"unknown profile {row['profile']} or organisation {row['sender']}")
    if Interest.objects.filter(profile=profile, organisation=sender_org).exists():
        result.found += 1
        return
    sides = {"sender": _person(sender_org), "owner": _person(profile.organisation)}
    interest = interest_send(
        profile=profile,
        organisation=sender_org,
        by=sides["sender"],
        message=row["message"],
        sender_profile=profiles.get(row.get("sender_profile", "")),
        now=clock.day(row["days_ago"]),
    )
    result.created["Interest"] += 1
    if "decline_days_ago" in row:
        interest_decline(
            interest=interest,
            by=sides["owner"],
            reason=row.get("decline_reason", ""),
            note=row.get("decline_note", ""),
            now=clock.day(row["decline_days_ago"], ANSWER_HOUR),
        )
    elif "withdraw_days_ago" in row:
        interest_withdraw(
            interest=interest, by=sides["sender"], now=clock.day(row["withdraw_days_ago"])
        )
    elif "accept_days_ago" in row:
        interest_accept(
            interest=interest, by=sides["owner"], now=clock.day(row["accept_days_ago"], ANSWER_HOUR)
        )
        if "approve_days_ago" in row:
            approved = clock.day(row["approve_days_ago"], ANSWER_HOUR + 2)
            for approval in RevealApproval.objects.filter(interest=interest).select_related(
                "authority"
            ):
                reveal_approve(approval=approval, by=_staff(approval.authority), now=approved)
        interest.refresh_from_db()
        if interest.is_revealed:
            _introduce(row, interest, sides, clock, result)
    interest.refresh_from_db()
    result.statuses[interest.status] += 1


def _introduce(row: dict, interest: Interest, sides: dict, clock: _Clock, result) -> None:
    for message in row.get("messages", []):
        message_post(
            interest=interest,
            by=sides[message["side"]],
            body=message["body"],
            now=clock.day(message["days_ago"], ANSWER_HOUR + 3),
        )
        result.created["Message"] += 1
    held = []
    for spec in row.get("meetings", []):
        other = "owner" if spec["by"] == "sender" else "sender"
        starts = clock.local(spec["starts_days_ago"], spec["hour"], spec["timezone"])
        proposed = clock.day(spec["proposed_days_ago"], ANSWER_HOUR + 4)
        meeting = meeting_propose(
            interest=interest,
            by=sides[spec["by"]],
            starts_at=starts,
            duration_minutes=spec["minutes"],
            timezone=spec["timezone"],
            format=spec["format"],
            link=spec.get("link", ""),
            place=spec.get("place", ""),
            agenda=spec.get("agenda", ""),
            now=proposed,
        )
        result.created["Meeting"] += 1
        if spec.get("accepted"):
            meeting_accept(
                meeting=meeting, by=sides[other], now=proposed + datetime.timedelta(hours=2)
            )
        ended = starts + datetime.timedelta(minutes=spec["minutes"], hours=1)
        for side, was_held in spec.get("held", {}).items():
            meeting_mark(meeting=meeting, by=sides[side], held=was_held, now=ended)
            if was_held:
                held.append(meeting)
    spec = row.get("agreement")
    if spec:
        signed = clock.day(spec["signed_days_ago"], ANSWER_HOUR)
        agreement_record(
            by=sides[spec["by"]],
            kind=spec["kind"],
            title=spec["title"],
            signed_on=signed.date(),
            parties=[interest.organisation_id, interest.profile.organisation_id],
            value=Decimal(spec["value"]) if spec.get("value") else None,
            currency=spec.get("currency", ""),
            status=spec.get("status", "signed"),
            interest=interest,
            meetings=held,
            now=signed,
        )
        result.created["Agreement"] += 1


def load_pipeline(
    *, now: datetime.datetime | None = None, path: Path | None = None
) -> PipelineResult:
    """Create the demo pipeline's interests that are missing, in one transaction."""
    clock = _Clock(now or timezone.now())
    data = read_pipeline(path)
    result = PipelineResult()
    started = timezone.now()
    with transaction.atomic():
        # The demo's Pakistani authority asks its staff to approve each reveal.
        Authority.objects.filter(code__in=data.get("reveal_approval_authorities", [])).update(
            reveal_needs_approval=True
        )
        profiles = _profiles_by_key()
        for row in data["interests"]:
            try:
                _load_one(row, profiles, clock, result)
            except ValidationError as error:
                raise ValueError(f"interest {row['key']}: {error.messages}") from error
            except PermissionDenied as error:
                raise ValueError(f"interest {row['key']}: {error}") from error
        # What is due today happens as it would on the first periodic run.
        interests_expire(now=clock.now)
        interests_remind(now=clock.now)
        # The demo's past is not news: keep its notifications in the app, send no e-mail.
        Notification.objects.filter(
            created_at__gte=started, email=Notification.Email.PENDING
        ).update(email=Notification.Email.SKIPPED)
    return result


def summary(result: PipelineResult) -> list[str]:
    from django.utils.translation import gettext as _

    statuses = ", ".join(f"{k} {v}" for k, v in sorted(result.statuses.items()))
    return [
        _("Demo expressions of interest: %(n)d new (%(statuses)s), %(found)d already there; ")
        % {"n": result.created["Interest"], "statuses": statuses or "-", "found": result.found}
        + _("messages %(messages)d, meetings %(meetings)d, agreements %(agreements)d.")
        % {
            "messages": result.created["Message"],
            "meetings": result.created["Meeting"],
            "agreements": result.created["Agreement"],
        }
    ]
