"""Pages of expressions of interest: the introductions inbox, one interest (with its thread,
meetings and agreements once the introduction is open), sending an interest, answering it,
and the staff's queue of reveals to approve.

Who sees what of the other side is decided in ``selectors.interest`` (``counterpart`` for a
party, ``sides`` for brokering staff, ``interest_summaries`` for the inbox); a template
never receives an organisation the viewer may not know. Anyone who may not read an interest gets
404 (``parties.interest_for``), so its existence does not leak.
"""

from __future__ import annotations

import datetime
import math

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from corridor.core.permissions import is_authority_staff, is_platform_admin
from corridor.core.timezones import user_zone

from .. import parties
from ..display import LANGUAGE_NAMES, shown
from ..forms.interest import DeclineForm, InboxFilterForm, InterestForm, RevealDecisionForm
from ..models import CooperationProfile, Interest, RevealApproval
from ..selectors import interest as interest_selectors
from ..selectors.profiles import public_profile_view, published_q
from ..services import interest as interest_services

# The parts of an open introduction, each written by its own module; every one returns a
# dict merged into the interest page's context.
from .agreements import agreements_context
from .introductions import thread_context
from .meetings import meetings_context
from .profiles import _add_service_errors, _paginate, _query_without_page

Status = Interest.Status
Reveal = Interest.Reveal
DAY = datetime.timedelta(days=1)

STATUS_LABELS = dict(Status.choices)
REVEAL_LABELS = dict(Reveal.choices)
REASON_LABELS = dict(Interest.DeclineReason.choices)
DECISION_LABELS = dict(RevealApproval.Decision.choices)


def _error_messages(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _title_in(profile: CooperationProfile, reader: str) -> tuple[str, str]:
    """The profile's title in the reader's language when its author wrote one, and that
    language (reads prefetched translations)."""
    if profile.language != reader:
        for translated in profile.translations.all():
            if translated.language == reader:
                return translated.title, translated.language
    return profile.title, profile.language


def _anonymous_label(interest: Interest) -> str:
    return _("Anonymous organisation (%(reference)s)") % {"reference": interest.profile.reference}


def _expires_in_days(interest: Interest, now: datetime.datetime) -> int | None:
    if interest.status != Status.SENT:
        return None
    return max(0, math.ceil((interest.expires_at - now) / DAY))


def _detail_url(interest_or_pk) -> str:
    pk = getattr(interest_or_pk, "pk", interest_or_pk)
    return reverse("docking:interest_detail", kwargs={"pk": pk})


# --- The inbox ----------------------------------------------------------------------------


def _rows(interests: list[Interest], viewer, reader: str, now) -> list[dict]:
    """The inbox's rows; the other side's organisation only where the viewer may know it."""
    by_pk = {i.pk: i for i in interests}
    rows = []
    for summary in interest_selectors.interest_summaries(interests, viewer):
        interest = by_pk[summary.id]
        title, language = _title_in(interest.profile, reader)
        rows.append(
            {
                "summary": summary,
                "title": title,
                "title_language": language,
                "anonymous_label": _anonymous_label(interest),
                "status_label": STATUS_LABELS.get(summary.status, summary.status),
                "reveal_label": REVEAL_LABELS.get(summary.reveal, summary.reveal),
                "expires_in": _expires_in_days(interest, now),
            }
        )
    return rows


@login_required
def introductions(request: HttpRequest) -> HttpResponse:
    """The viewer's expressions of interest: received (for their profiles) and sent."""
    user = request.user
    form = InboxFilterForm(request.GET or None)
    box, status = ("sent" if request.GET.get("box") == "sent" else "received"), ""
    rows = Interest.objects.none()
    if not form.is_bound or form.is_valid():
        box = form.box_value()
        status = form.cleaned_data.get("status", "") if form.is_bound else ""
        if box == "received":
            rows = interest_selectors.interests_received(user)
        else:
            rows = interest_selectors.interests_sent(user)
        if status:
            rows = rows.filter(status=status)
        rows = rows.select_related("profile__organisation", "organisation").prefetch_related(
            "profile__translations"
        )
    page_obj = _paginate(request, rows)
    reader = translation.get_language() or "en"
    now = timezone.now()
    return render(
        request,
        "docking/introductions.html",
        {
            "form": form,
            "box": box,
            "status": status,
            "statuses": Status.choices,
            "page_obj": page_obj,
            "rows": _rows(list(page_obj.object_list), user, reader, now),
            "query": _query_without_page(request),
            "viewer_zone": user_zone(user),
        },
    )


# --- One interest -------------------------------------------------------------------------


def _profile_block(interest: Interest, viewer, reader: str) -> dict:
    """The profile as the viewer may see it; its texts only, never its organisation."""
    profile = interest.profile
    try:
        view = public_profile_view(profile, viewer)
    except PermissionDenied:  # withdrawn or expired since: the reference and title remain
        title, language = _title_in(profile, reader)
        return {"reference": profile.reference, "title": title, "language": language,
                "pk": None, "kind": ""}  # fmt: skip
    item = shown(view, reader=reader)
    return {"reference": view.reference, "title": item.title, "language": item.language,
            "pk": view.id, "kind": item.kind}  # fmt: skip


def _identity_note(interest: Interest, side: str | None, knows_organisation: bool) -> str:
    """Why the other side's identity, or their contacts, are not shown."""
    if interest.reveal == Reveal.REVEALED:
        return ""
    if interest.reveal == Reveal.AWAITING_APPROVAL:
        return _(
            "Accepted. The identities are revealed once the authority staff approve: awaiting "
            "approval by authority staff."
        )
    if interest.reveal == Reveal.REFUSED:
        return _("The authority staff refused to reveal the identities for this introduction.")
    if interest.status == Status.SENT:
        if not knows_organisation:
            return _("Their identity is revealed when they accept.")
        if side == interest_selectors.OWNER:
            return _("Their named contacts are shown when you accept.")
        return _("Their named contacts are shown when they accept.")
    if not knows_organisation:
        return _(
            "The profile's organisation stays anonymous: this expression of interest is closed."
        )
    return _("Named contacts are shared only when an expression of interest is accepted.")


def _history(interest: Interest) -> list[dict]:
    events = [{"label": _("Sent"), "at": interest.created_at}]
    if interest.answered_at:
        events.append(
            {
                "label": STATUS_LABELS.get(interest.status, interest.status),
                "at": interest.answered_at,
            }
        )
    if interest.revealed_at:
        events.append({"label": _("Identities revealed"), "at": interest.revealed_at})
    if interest.status == Status.SENT:
        events.append({"label": _("Expires"), "at": interest.expires_at, "future": True})
    elif interest.status == Status.EXPIRED:
        events.append({"label": _("Expired"), "at": interest.expires_at})
    elif interest.status == Status.WITHDRAWN:
        events.append({"label": _("Withdrawn"), "at": interest.updated_at})
    return events


def _detail_context(request: HttpRequest, interest: Interest, **extra) -> dict:
    user = request.user
    reader = translation.get_language() or "en"
    now = timezone.now()
    side = interest_selectors.viewer_side(interest, user)
    context = {
        "interest": interest,
        "side": side,
        "is_broker": side == interest_selectors.BROKER,
        "profile_block": _profile_block(interest, user, reader),
        "message_language_name": LANGUAGE_NAMES.get(interest.language, interest.language),
        "status_label": STATUS_LABELS.get(interest.status, interest.status),
        "reveal_label": REVEAL_LABELS.get(interest.reveal, interest.reveal),
        "reason_label": REASON_LABELS.get(interest.decline_reason, ""),
        # The owner may have named itself in the note: only its side and its staff read it.
        "show_decline_note": bool(interest.decline_note)
        and interest_selectors.sees_decline_note(interest, user),
        "expires_in": _expires_in_days(interest, now),
        "history": _history(interest),
        "anonymous_label": _anonymous_label(interest),
        "can_answer": side == interest_selectors.OWNER and interest.status == Status.SENT,
        "can_withdraw": side == interest_selectors.SENDER and interest.status in Interest.OPEN,
        "decline_form": DeclineForm(),
        "viewer_zone": user_zone(user),
        "is_open": False,
    }
    if side == interest_selectors.BROKER:
        context["sides"] = interest_selectors.sides(interest, user)
        context["approvals"] = [
            {
                "authority": a.authority,
                "decision": DECISION_LABELS.get(a.decision, a.decision),
                "code": a.decision,
                "decided_at": a.decided_at,
            }
            for a in interest.reveal_approvals.select_related("authority")
        ]
    else:
        seen = interest_selectors.counterpart(interest, user)
        context["counterpart"] = seen
        context["identity_note"] = _identity_note(interest, side, seen.organisation is not None)
        # The one who sent it is named to their own side; to the owner only with the contacts.
        context["sent_by"] = interest.sent_by if side == interest_selectors.SENDER else None
    if interest_selectors.is_open_for_introduction(interest):
        context["is_open"] = True
        context.update(thread_context(interest, user))
        context.update(meetings_context(interest, user))
        context.update(agreements_context(interest, user))
    context.update(extra)
    return context


@login_required
def interest_detail(request: HttpRequest, pk: int) -> HttpResponse:
    interest = parties.interest_for(request.user, pk)
    return render(request, "docking/interest_detail.html", _detail_context(request, interest))


def _answer(request: HttpRequest, pk: int, act) -> HttpResponse:
    """Run ``act(interest)``; its refusal becomes a message on the interest's page."""
    interest = parties.interest_for(request.user, pk)
    try:
        done = act(interest)
    except (ValidationError, PermissionDenied) as error:
        if isinstance(error, ValidationError):
            _error_messages(request, error)
        else:
            messages.error(request, str(error) or _("You may not do this."))
    else:
        messages.success(request, done)
    return redirect(_detail_url(interest))


@login_required
@require_POST
def interest_accept(request: HttpRequest, pk: int) -> HttpResponse:
    def act(interest):
        interest_services.interest_accept(interest=interest, by=request.user)
        if interest.reveal == Reveal.REVEALED:
            return _("Accepted. You now see each other's organisation and contacts.")
        return _("Accepted. The identities are revealed once the authority staff approve.")

    return _answer(request, pk, act)


@login_required
@require_POST
def interest_decline(request: HttpRequest, pk: int) -> HttpResponse:
    interest = parties.interest_for(request.user, pk)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            interest_services.interest_decline(
                interest=interest,
                by=request.user,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                _add_service_errors(form, error)
            else:  # answered meanwhile, or expired: the page says how things stand
                _error_messages(request, error)
                return redirect(_detail_url(interest))
        except PermissionDenied as error:
            messages.error(request, str(error) or _("You may not do this."))
            return redirect(_detail_url(interest))
        else:
            messages.success(request, _("Declined. The interested organisation is told."))
            return redirect(_detail_url(interest))
    context = _detail_context(request, interest, decline_form=form)
    return render(request, "docking/interest_detail.html", context, status=200)


@login_required
@require_POST
def interest_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    def act(interest):
        interest_services.interest_withdraw(interest=interest, by=request.user)
        return _("Withdrawn. The profile's organisation is told.")

    return _answer(request, pk, act)


# --- Sending an interest --------------------------------------------------------------------


def open_interest(user, profile: CooperationProfile) -> Interest | None:
    """An open interest of one of the user's organisations in ``profile``, if any."""
    mine = parties.acting_organisation_ids(user) - {profile.organisation_id}
    if not mine:
        return None
    return (
        Interest.objects.filter(profile=profile, organisation_id__in=mine, status__in=Interest.OPEN)
        .order_by("-created_at")
        .first()
    )


def _sender_profiles(organisations) -> list[CooperationProfile]:
    return list(
        CooperationProfile.objects.filter(published_q(), organisation__in=organisations)
        .select_related("organisation")
        .order_by("organisation__name", "-published_at", "pk")
    )


@login_required
def interest_create(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the form; POST: send the interest and show it."""
    user = request.user
    profile = CooperationProfile.objects.select_related("organisation").filter(pk=pk).first()
    if profile is None:
        raise Http404
    try:
        view = public_profile_view(profile, user)
    except PermissionDenied:
        raise Http404 from None
    existing = open_interest(user, profile)
    if existing is not None:
        messages.info(
            request, _("Your organisation has already expressed interest in this profile.")
        )
        return redirect(_detail_url(existing))
    organisations = interest_services.sending_organisations(user, profile)
    if not organisations:
        messages.error(
            request,
            _(
                "Interest is expressed by members of another organisation in the registry, in "
                "published profiles only."
            ),
        )
        return redirect(reverse("docking:profile_detail", kwargs={"pk": profile.pk}))
    form = InterestForm(
        request.POST or None,
        organisations=organisations,
        sender_profiles=_sender_profiles(organisations),
    )
    if request.method == "POST" and form.is_valid():
        try:
            interest = interest_services.interest_send(
                profile=profile, by=user, **form.service_fields()
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error) or _("You may not do this."))
        else:
            days = max(1, math.ceil((interest.expires_at - timezone.now()) / DAY))
            messages.success(
                request,
                ngettext(
                    "Your interest was sent. The profile's organisation has %(days)d day to answer.",
                    "Your interest was sent. The profile's organisation has %(days)d days to answer.",
                    days,
                )
                % {"days": days},
            )
            return redirect(_detail_url(interest))
    return render(
        request,
        "docking/interest_form.html",
        {"form": form, "profile": profile, "item": shown(view)},
    )


# --- Staff: reveals waiting for approval --------------------------------------------------------


def _require_staff(user) -> None:
    if not (is_platform_admin(user) or is_authority_staff(user)):
        raise PermissionDenied(_("Only authority staff and platform admins approve reveals."))


@login_required
def reveal_approvals(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_staff(user)
    queue = (
        interest_selectors.reveal_approvals_pending(user)
        .select_related("authority", "interest__profile__organisation", "interest__organisation")
        .prefetch_related("interest__profile__translations")
    )
    page_obj = _paginate(request, queue)
    reader = translation.get_language() or "en"
    rows = []
    for approval in page_obj.object_list:
        # Staff asked to approve broker the interest (their authority's country is one of its
        # sides), and brokers know both sides: they decide whom their organisation meets.
        interest = approval.interest
        title, language = _title_in(interest.profile, reader)
        rows.append(
            {
                "approval": approval,
                "interest": interest,
                "title": title,
                "title_language": language,
                "owner": interest.profile.organisation,
                "sender": interest.organisation,
            }
        )
    return render(
        request,
        "docking/reveal_approvals.html",
        {
            "page_obj": page_obj,
            "rows": rows,
            "query": _query_without_page(request),
            "form": RevealDecisionForm(),
            "viewer_zone": user_zone(user),
        },
    )


def _decide(request: HttpRequest, pk: int, *, approve: bool) -> HttpResponse:
    user = request.user
    approval = interest_selectors.reveal_approval_for(user, pk)
    form = RevealDecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        try:
            if approve:
                interest_services.reveal_approve(approval=approval, by=user)
            else:
                interest_services.reveal_refuse(
                    approval=approval, by=user, note=form.cleaned_data["note"]
                )
        except ValidationError as error:
            _error_messages(request, error)
        except PermissionDenied as error:
            messages.error(request, str(error) or _("You may not do this."))
        else:
            messages.success(
                request,
                (_("Approved: %(reference)s.") if approve else _("Refused: %(reference)s."))
                % {"reference": approval.interest.reference},
            )
    if is_platform_admin(user) or is_authority_staff(user):
        return redirect(reverse("docking:reveal_approvals"))
    return redirect(_detail_url(approval.interest))


@login_required
@require_POST
def reveal_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, approve=True)


@login_required
@require_POST
def reveal_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, approve=False)
