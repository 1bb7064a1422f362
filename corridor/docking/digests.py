"""E-mail digests of new matches, one per organisation (``corridor send-digests``).

For every organisation with published profiles, the best matches of each of its
profiles (at or above ``CORRIDOR_DIGEST_MIN_SCORE``) are recorded as
:class:`~.models.MatchNotice` the first time they are seen. Each member who wants
digests then gets one e-mail listing the notices nobody has sent them yet, in
their own language, with links to the profile pages. The partner is shown as the
public sees it, by reference: never its organisation, anonymous or not, since
identities are revealed only when both sides consent.

Sending is per person and idempotent: what a person was sent is recorded in the
same transaction as the sending, a failure for one person is logged and retried
on the next run, and the others go on.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from corridor.accounts.models import OrganisationMembership
from corridor.core.i18n import localized
from corridor.matching.embed import EmbedderError
from corridor.registry.models import Organisation, Sector

from .matching import profile_matches_unchecked
from .models import CooperationProfile, MatchNotice, MatchNoticeDelivery
from .selectors import ProfileView, profile_views, published_q

logger = logging.getLogger(__name__)

# Matches looked at per profile, and listed per e-mail (the best first; the rest next time).
MATCHES_PER_PROFILE = 10
MAX_PER_EMAIL = 50
PROFILE_URL = "docking:profile_detail"


@dataclass
class DigestReport:
    """What one run did: new notices, e-mails sent, and what failed (and why)."""

    organisations: int = 0
    new_matches: int = 0
    sent: int = 0
    failed_organisations: dict[str, str] = field(default_factory=dict)
    failed_profiles: dict[int, str] = field(default_factory=dict)
    failed_recipients: dict[str, str] = field(default_factory=dict)

    @property
    def failed(self) -> int:
        return (
            len(self.failed_organisations) + len(self.failed_profiles) + len(self.failed_recipients)
        )


def digests_send(*, now: datetime.datetime | None = None) -> DigestReport:
    """Record new matches of every organisation's published profiles and e-mail its members."""
    now = now or timezone.now()
    report = DigestReport()
    live = CooperationProfile.objects.filter(published_q(now))
    organisation_ids = sorted(set(live.values_list("organisation_id", flat=True)))
    for organisation in Organisation.objects.filter(pk__in=organisation_ids).order_by("pk"):
        report.organisations += 1
        try:
            report.new_matches += _record_matches(organisation, live, now, report)
        except Exception as exc:  # what was recorded before is still sent below
            logger.exception("matches of organisation %s were not recorded", organisation.pk)
            report.failed_organisations[organisation.slug] = str(exc)[:500] or repr(exc)
        for user in _recipients(organisation):
            try:
                if _send_to(user, organisation, live, now):
                    report.sent += 1
            except Exception as exc:  # one person's failure must not stop the others
                logger.exception(
                    "match digest for %s (organisation %s) was not sent", user.pk, organisation.pk
                )
                report.failed_recipients[user.get_username()] = str(exc)[:500] or repr(exc)
    return report


# --- Recording matches ----------------------------------------------------------------


def _shared_sectors(result) -> list[list[str]]:
    return [
        [pair["query"]["code"], pair["candidate"]["code"]]
        for pair in result.explanation.get("shared_sectors", [])
    ]


def _record_matches(organisation: Organisation, live, now, report: DigestReport) -> int:
    found: dict[tuple[int, int], MatchNotice] = {}
    minimum = settings.CORRIDOR_DIGEST_MIN_SCORE
    for profile in live.filter(organisation=organisation).order_by("pk"):
        try:
            matches = profile_matches_unchecked(profile=profile, k=MATCHES_PER_PROFILE)
        except (EmbedderError, ValueError) as exc:
            logger.warning("digest matches for profile %s failed: %s", profile.pk, exc)
            report.failed_profiles[profile.pk] = str(exc)[:500]
            continue
        for result in matches:
            if result.score < minimum:
                continue
            found[(profile.pk, result.profile.id)] = MatchNotice(
                profile_id=profile.pk,
                candidate_id=result.profile.id,
                score=result.score,
                shared_sectors=_shared_sectors(result),
                first_seen_at=now,
            )
    if not found:
        return 0
    known = set(
        MatchNotice.objects.filter(profile__organisation=organisation).values_list(
            "profile_id", "candidate_id"
        )
    )
    new = [notice for key, notice in found.items() if key not in known]
    # A run at the same moment may have recorded some already: the constraint keeps one.
    MatchNotice.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


# --- Sending --------------------------------------------------------------------------


def _recipients(organisation: Organisation):
    return (
        get_user_model()
        .objects.filter(
            pk__in=OrganisationMembership.objects.filter(organisation=organisation).values(
                "user_id"
            ),
            is_active=True,
            match_digest=True,
        )
        .exclude(email="")
        .order_by("pk")
    )


def _send_to(user, organisation: Organisation, live, now) -> bool:
    """E-mail ``user`` the organisation's notices not sent to them yet; whether one was sent."""
    with transaction.atomic():
        # Two runs at once queue here, and the second finds nothing left to send.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        pending = list(
            MatchNotice.objects.filter(
                profile__organisation=organisation,
                profile__in=live.values("pk"),
                candidate__in=live.values("pk"),
            )
            .exclude(deliveries__user=user)
            .select_related("profile")
            .order_by("-score", "pk")[:MAX_PER_EMAIL]
        )
        if not pending:
            return False
        message = digest_message(user=user, organisation=organisation, notices=pending)
        MatchNoticeDelivery.objects.bulk_create(
            [MatchNoticeDelivery(notice=n, user=user, sent_at=now) for n in pending]
        )
        MatchNotice.objects.filter(pk__in=[n.pk for n in pending], sent_at__isnull=True).update(
            sent_at=now
        )
        # Sent last: if it fails, the deliveries above roll back and the next run retries.
        message.send()
    return True


def _absolute(path: str) -> str:
    return settings.CORRIDOR_SITE_URL + path


def _profile_url(pk: int) -> str:
    return _absolute(reverse(PROFILE_URL, kwargs={"pk": pk}))


def _title(view: ProfileView, language: str) -> tuple[str, str]:
    """The profile's title in the reader's language when its author gave one, else as written."""
    for translated in view.translations:
        if translated.language == language and translated.title:
            return translated.title, language
    return view.title, view.language


def _sector_names(notices: list[MatchNotice]) -> dict[str, str]:
    codes = {code for n in notices for pair in n.shared_sectors for code in pair}
    return {s.code: localized(s, "name") for s in Sector.objects.filter(code__in=codes)}


def digest_message(*, user, organisation: Organisation, notices: list[MatchNotice]):
    """The digest e-mail for ``user``, written in their language (plain text and HTML)."""
    language = user.language or settings.LANGUAGE_CODE
    with translation.override(language):
        # Everyone's view of both sides: the partner's identity is never in it.
        candidates = {
            view.id: view for view in profile_views(list({n.candidate_id for n in notices}), None)
        }
        names = _sector_names(notices)
        groups: dict[int, dict] = {}
        for notice in notices:
            candidate = candidates.get(notice.candidate_id)
            if candidate is None:
                continue
            own = notice.profile
            group = groups.setdefault(
                own.pk,
                {
                    "reference": own.reference,
                    "title": own.title,
                    "title_language": own.language,
                    "url": _profile_url(own.pk),
                    "matches": [],
                },
            )
            title, title_language = _title(candidate, language)
            group["matches"].append(
                {
                    "reference": candidate.reference,
                    "title": title,
                    "title_language": title_language,
                    "kind": CooperationProfile.Kind(candidate.kind).label,
                    "score": notice.score,
                    "sectors": _sector_labels(notice.shared_sectors, names),
                    "url": _profile_url(notice.candidate_id),
                }
            )
        count = sum(len(g["matches"]) for g in groups.values())
        context = {
            "user": user,
            "organisation": organisation,
            "organisation_name": organisation.display_name,
            "groups": list(groups.values()),
            "count": count,
            "account_url": _absolute(reverse("accounts:account")),
            "site_url": _absolute(reverse("registry:home")),
        }
        subject = ngettext(
            "Corridor: %(count)d new match for %(organisation)s",
            "Corridor: %(count)d new matches for %(organisation)s",
            count,
        ) % {"count": count, "organisation": context["organisation_name"]}
        text = render_to_string("docking/email/match_digest.txt", context)
        html = render_to_string("docking/email/match_digest.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        to=[user.email],
        headers={
            "Auto-Submitted": "auto-generated",
            "Content-Language": language,
            "List-Unsubscribe": f"<{context['account_url']}>",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def _sector_labels(pairs: list[list[str]], names: dict[str, str]) -> list[str]:
    labels = []
    for ours, theirs in pairs:
        if ours == theirs:
            label = names.get(ours, ours)
        else:
            label = f"{names.get(ours, ours)} ↔ {names.get(theirs, theirs)}"
        if label not in labels:
            labels.append(label)
    return labels
