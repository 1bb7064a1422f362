"""Reads of meetings: which one a person may open, and an introduction's meetings for a page."""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from corridor.core.timezones import user_zone

from .. import parties
from ..models import Interest, Meeting
from ..services.meetings import meeting_actions, meeting_outcome


def meetings_of(interest: Interest) -> QuerySet[Meeting]:
    """The meetings of an introduction, soonest first, with what a list shows of each."""
    return (
        Meeting.objects.filter(interest=interest)
        .select_related("interest__profile__organisation", "interest__organisation")
        .prefetch_related("outcomes")
        .order_by("starts_at", "id")
    )


def can_read_meetings(user, interest: Interest) -> bool:
    """The parties once the identities are revealed (a meeting names both sides, and before
    the reveal there is none to read); the brokering staff always."""
    if parties.party_organisation_id(user, interest) is not None:
        return interest.reveal == Interest.Reveal.REVEALED
    return parties.is_broker(user, interest)


def meeting_for(user, pk) -> Meeting:
    """Meeting ``pk`` if ``user`` may read its introduction's meetings; 404 otherwise."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    meeting = (
        Meeting.objects.filter(pk=pk, interest__in=parties.interests_readable_by(user))
        .select_related(
            "interest__profile__organisation", "interest__organisation", "interest__sender_profile"
        )
        .prefetch_related("outcomes")
        .first()
    )
    if meeting is None or not can_read_meetings(user, meeting.interest):
        raise Http404
    return meeting


@dataclass(frozen=True)
class MeetingView:
    """A meeting as one reader sees it: times in the reader's zone and in the proposer's,
    which side said what, and what the reader may do. Sides are named by role ("owner":
    the profile's organisation, "sender": the interested one), never by name."""

    meeting: Meeting
    viewer_side: str | None  # "owner", "sender", or None for brokers
    viewer_zone: str
    starts_local: datetime.datetime  # in the viewer's zone
    ends_local: datetime.datetime
    proposer_zone: str
    starts_proposer: datetime.datetime  # in the proposer's zone
    ends_proposer: datetime.datetime
    proposed_by: str  # "owner" or "sender"
    outcome: str  # "held", "not_held", "unknown"
    marks: dict  # side -> True / False / None
    actions: frozenset

    @property
    def pk(self) -> int:
        return self.meeting.pk

    @property
    def duration_minutes(self) -> int:
        return int((self.meeting.ends_at - self.meeting.starts_at).total_seconds()) // 60

    @property
    def same_zone(self) -> bool:
        return self.viewer_zone == self.proposer_zone

    @property
    def proposed_by_viewer(self) -> bool:
        return self.proposed_by == self.viewer_side

    @property
    def viewer_mark(self) -> bool | None:
        return self.marks.get(self.viewer_side) if self.viewer_side else None


def _role(interest: Interest, organisation_id: int | None) -> str | None:
    if organisation_id is None:
        return None
    return "owner" if organisation_id == parties.owner_organisation_id(interest) else "sender"


def meeting_views(meetings, viewer, *, now=None) -> list[MeetingView]:
    """Each meeting as ``viewer`` sees it (no query beyond what ``meetings_of`` loads)."""
    now = now or timezone.now()
    zone = user_zone(viewer)
    views = []
    for meeting in meetings:
        interest = meeting.interest
        proposer_zone = zoneinfo.ZoneInfo(meeting.timezone)
        marks = {"owner": None, "sender": None}
        for outcome in meeting.outcomes.all():
            marks[_role(interest, outcome.organisation_id)] = outcome.held
        views.append(
            MeetingView(
                meeting=meeting,
                viewer_side=_role(interest, parties.party_organisation_id(viewer, interest)),
                viewer_zone=str(zone),
                starts_local=meeting.starts_at.astimezone(zone),
                ends_local=meeting.ends_at.astimezone(zone),
                proposer_zone=meeting.timezone,
                starts_proposer=meeting.starts_at.astimezone(proposer_zone),
                ends_proposer=meeting.ends_at.astimezone(proposer_zone),
                proposed_by=_role(interest, meeting.proposed_by_organisation_id),
                outcome=meeting_outcome(meeting),
                marks=marks,
                actions=meeting_actions(meeting, viewer, now=now),
            )
        )
    return views
