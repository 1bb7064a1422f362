"""Load the demo B2B events through the events services (``corridor demo``).

Two events from ``demo_data.json``, dated from the day the demo loads:

- a past one (Z-Park's semiconductor and AI docking day in Beijing, two months ago):
  organisations registered and approved, their people with the sessions they attended,
  requests sent and answered, the schedule made by the real scheduler and published,
  and the organisers' check-in (most meetings held, a few not), so the outcome ledger's
  event meetings are not empty;
- an upcoming one (STZA's robotics and fintech forum in Lahore, in a month): registration
  open, one registration waiting for STZA's approval, requests accepted and pending, and
  a published schedule, so the demo logins ``member.pk`` and ``member.cn`` have an agenda
  and a calendar feed.

Every step goes through the service a person's click calls, with ``now`` set to when
it happened (the services take it), so every rule holds in the demo too. Organisations
are demo organisations with published cooperation profiles, which they bring to the
event; each sends one person: the demo login of its organisation, else its demo author
(``author.<slug>``, created by the profiles loader). An event already there (same slug)
is left as it is: what happened to it since belongs to the services. A second run
writes nothing. E-mail is not sent for the demo's history.
"""

from __future__ import annotations

import datetime
import json
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from corridor.core.models import Notification
from corridor.docking.demo.loader import AUTHOR_PREFIX
from corridor.docking.demo.pipeline import PEOPLE
from corridor.docking.models import CooperationProfile
from corridor.docking.selectors import published_q
from corridor.registry.models import Authority, Organisation

from . import services
from .models import Event, Participant, ScheduledMeeting, ScheduleRun

DATA = Path(__file__).with_name("demo_data.json")
# Registrations are made in the morning, approved the next day; requests go out a week
# before a past event (the day after the last approval for the upcoming one).
REGISTER_HOUR = 10
PAST_REQUESTS_DAYS = 7


@dataclass
class EventsResult:
    created: list[str] = field(default_factory=list)  # slugs
    past: int = 0
    upcoming: int = 0
    found: int = 0
    registrations: int = 0
    participants: int = 0
    requests: int = 0
    scheduled: int = 0
    held: int = 0
    not_held: int = 0


def read_events(path: Path | None = None) -> dict:
    return json.loads((path or DATA).read_text(encoding="utf-8"))


def _user(username: str):
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ValueError(f"demo user {username} is missing (load the profiles demo first)")
    return user


def _person(slug: str):
    """The person who acts for organisation ``slug`` in the demo."""
    return _user(PEOPLE.get(slug, f"{AUTHOR_PREFIX}{slug}"))


def _at(day: datetime.date, hm: str, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    hour, minute = (int(part) for part in hm.split(":"))
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zone)


class _Plan:
    """The moments of one event, counted from the load's ``now`` on the event's clock."""

    def __init__(self, spec: dict, now: datetime.datetime):
        self.now = now
        self.zone = zoneinfo.ZoneInfo(spec["time_zone"])
        today = timezone.localtime(now, self.zone).date()
        self.first_day = today + datetime.timedelta(days=spec["starts_in_days"])
        self.last_day = self.first_day + datetime.timedelta(days=spec["days"] - 1)
        self.opens = _at(today + datetime.timedelta(days=spec["registration_opens_in_days"]),
                         "09:00", self.zone)  # fmt: skip
        self.closes = _at(today + datetime.timedelta(days=spec["registration_closes_in_days"]),
                          "18:00", self.zone)  # fmt: skip
        self.past = self.last_day < today

    def day(self, offset: int) -> datetime.date:
        return self.first_day + datetime.timedelta(days=offset)

    def before(self, days: int, hour: int = REGISTER_HOUR) -> datetime.datetime:
        """``days`` before the event's first day, at ``hour`` on its clock."""
        return _at(self.first_day - datetime.timedelta(days=days), f"{hour}:00", self.zone)


def _event(spec: dict, plan: _Plan, organiser) -> tuple[Event, dict]:
    authority = Authority.objects.filter(code=spec["authority"]).first()
    if authority is None:
        raise ValueError(f"event {spec['slug']}: unknown authority {spec['authority']}")
    event = services.event_create(
        by=organiser, authority=authority, slug=spec["slug"], title_en=spec["title_en"],
        title_zh_hans=spec["title_zh_hans"], title_ur=spec["title_ur"],
        description=spec["description"], format=spec["format"], time_zone=spec["time_zone"],
        starts_on=plan.first_day, ends_on=plan.last_day, venue=spec["venue"],
        registration_opens_at=plan.opens, registration_closes_at=plan.closes,
        eligible_countries=spec["eligible_countries"], capacity=spec["capacity"],
        requires_approval=spec["requires_approval"],
        default_max_meetings=spec["default_max_meetings"],
    )  # fmt: skip
    sessions = {}
    for item in spec["sessions"]:
        day = plan.day(item["day"])
        sessions[item["key"]] = services.session_add(
            event=event, by=organiser, name=item["name"],
            starts_at=_at(day, item["start"], plan.zone), ends_at=_at(day, item["end"], plan.zone),
            slot_minutes=item["slot_minutes"], tables=item["tables"],
            location=item.get("location", ""),
            video_link_template=item.get("video_link_template", ""),
            breaks=[(_at(day, a, plan.zone), _at(day, b, plan.zone), label)
                    for a, b, label in item.get("breaks", [])],
        )  # fmt: skip
    return services.event_publish(event=event, by=organiser), sessions


def _register(spec, plan, event, sessions, organiser, result) -> dict[str, Participant]:
    """Each organisation registers, names its person, and (unless pending) is approved."""
    people = {}
    for item in spec["registrations"]:
        slug = item["organisation"]
        organisation = Organisation.objects.filter(slug=slug).first()
        if organisation is None:
            raise ValueError(f"unknown organisation {slug}")
        profiles = list(CooperationProfile.objects.filter(published_q(), organisation=organisation))
        if not profiles:
            raise ValueError(f"{slug} has no published cooperation profile to bring")
        person = _person(slug)
        when = plan.before(item["days_before"])
        registration = services.registration_create(
            event=event, organisation=organisation, by=person, profiles=profiles,
            note=item.get("note", ""), now=when,
        )  # fmt: skip
        people[slug] = services.participant_add(
            registration=registration, user=person, by=person,
            sessions=[sessions[key] for key in item["sessions"]],
            max_meetings=item.get("max_meetings"), now=when + datetime.timedelta(hours=1),
        )  # fmt: skip
        if not item.get("pending"):
            services.registration_approve(
                registration=registration, by=organiser, now=when + datetime.timedelta(days=1)
            )
        result.registrations += 1
        result.participants += 1
    return people


def _requests(spec, plan, people, result) -> None:
    if plan.past:
        sent = plan.before(PAST_REQUESTS_DAYS, 9)
    else:  # the day after the last approval
        last = min(item["days_before"] for item in spec["registrations"] if not item.get("pending"))
        sent = plan.before(last - 2, 9)
    for n, item in enumerate(spec["requests"]):
        a, b = people[item["from"]], people[item["to"]]
        when = sent + datetime.timedelta(minutes=20 * n)
        request = services.request_send(
            requester=a, recipient=b, by=a.user, message=item["message"],
            priority=item["priority"], now=when,
        )  # fmt: skip
        answered = when + datetime.timedelta(hours=5)
        if item["answer"] == "accepted":
            services.request_accept(request=request, by=b.user, now=answered)
        elif item["answer"] == "declined":
            services.request_decline(request=request, by=b.user, now=answered)
        elif item["answer"] != "pending":
            raise ValueError(f"unknown answer {item['answer']}")
        result.requests += 1


def _schedule(spec, plan, event, organiser, result) -> None:
    options = spec["schedule"]
    days = options.get("days_before")
    when = plan.now if days is None else plan.before(days, 17)
    run = services.schedule_run(
        event=event, by=organiser, time_limit=options["time_limit"], seed=options["seed"],
        now=when,
    )  # fmt: skip
    if run.status != ScheduleRun.Status.DONE or run.published_at is None:
        raise ValueError(f"event {spec['slug']}: the schedule run failed: {run.error}")
    result.scheduled += run.placed


def _check_in(spec, plan, event, organiser, people, result) -> None:
    """A past event's organisers mark each meeting held, except the pairs in ``not_held``."""
    missed = {frozenset((people[a].pk, people[b].pk)) for a, b in spec.get("not_held", [])}
    meetings = ScheduledMeeting.objects.filter(
        event=event, status=ScheduledMeeting.Status.SCHEDULED
    ).select_related("request", "slot")
    evening = _at(plan.last_day, "18:00", plan.zone)
    for meeting in meetings.order_by("slot__starts_at", "table"):
        pair = frozenset((meeting.request.requester_id, meeting.request.recipient_id))
        held = pair not in missed
        services.meeting_check_in(meeting=meeting, by=organiser, held=held, now=evening)
        if held:
            result.held += 1
        else:
            result.not_held += 1
    # What was still pending when the last day began expired then.
    services.requests_expire(event=event, now=services.requests_close_at(event))


def _load_event(spec: dict, now: datetime.datetime, result: EventsResult) -> None:
    plan = _Plan(spec, now)
    organiser = _user(spec["organiser"])
    event, sessions = _event(spec, plan, organiser)
    people = _register(spec, plan, event, sessions, organiser, result)
    _requests(spec, plan, people, result)
    _schedule(spec, plan, event, organiser, result)
    if plan.past:
        _check_in(spec, plan, event, organiser, people, result)
        result.past += 1
    else:
        result.upcoming += 1
    result.created.append(event.slug)


def load_events(*, now: datetime.datetime | None = None, path: Path | None = None) -> EventsResult:
    """Create the demo events that are missing, in one transaction."""
    now = (now or timezone.now()).replace(second=0, microsecond=0)
    result = EventsResult()
    started = timezone.now()
    with transaction.atomic():
        for spec in read_events(path)["events"]:
            if Event.objects.filter(slug=spec["slug"]).exists():
                result.found += 1
                continue
            try:
                _load_event(spec, now, result)
            except ValidationError as error:
                raise ValueError(f"event {spec['slug']}: {error.messages}") from error
            except PermissionDenied as error:
                raise ValueError(f"event {spec['slug']}: {error}") from error
        # The demo's history is not news: its notifications stay in the app, unsent.
        Notification.objects.filter(
            created_at__gte=started, email=Notification.Email.PENDING
        ).update(email=Notification.Email.SKIPPED)
    return result


def summary(result: EventsResult) -> list[str]:
    from django.utils.translation import gettext as _

    if not result.created:
        return [
            _("Demo events: %(found)d already there; nothing changed.") % {"found": result.found}
        ]
    return [
        _(
            "Demo events: %(n)d new (%(past)d past, %(upcoming)d upcoming), %(found)d already "
            "there; %(registrations)d registrations, %(requests)d meeting requests, "
            "%(scheduled)d meetings scheduled, %(held)d held and %(not_held)d not held."
        )
        % {
            "n": len(result.created),
            "past": result.past,
            "upcoming": result.upcoming,
            "found": result.found,
            "registrations": result.registrations,
            "requests": result.requests,
            "scheduled": result.scheduled,
            "held": result.held,
            "not_held": result.not_held,
        }
    ]
