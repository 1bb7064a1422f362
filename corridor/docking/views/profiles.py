"""Pages of cooperation profiles: browse, read (with explained matches), write, translate,
moderate. Each page reads through ``selectors``/``matching`` and writes through one
service; what a viewer may see of a profile is a :class:`~.selectors.ProfileView`, so a
template never holds an organisation the viewer may not know."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from corridor.core.permissions import is_authority_staff, is_platform_admin
from corridor.core.text import LANGUAGE_CODES
from corridor.registry.models import Organisation

from .. import matching, selectors, services
from ..display import (
    LANGUAGE_NAMES,
    MATCHES_SHOWN,
    Status,
    shown,
    shown_match,
)
from ..forms import ProfileFilterForm, ProfileForm, RejectForm, TranslationForm
from ..models import CooperationProfile
from ..selectors import ProfileFilters, ProfileView


def _paginate(request: HttpRequest, rows) -> Page:
    # get_page turns page=abc into the first page and page=999999 into the last.
    return Paginator(rows, settings.CORRIDOR_PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _error_messages(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _add_service_errors(form, error: ValidationError) -> None:
    """A service's ``ValidationError`` on the form's fields; others on the form itself."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def _visible(request: HttpRequest, pk: int) -> tuple[CooperationProfile, ProfileView]:
    """The profile and what the viewer may see of it; 404 (not 403) when they may not see it,
    so that nobody learns a draft or a rejected profile exists."""
    profile = get_object_or_404(CooperationProfile.objects.select_related("organisation"), pk=pk)
    try:
        view = selectors.public_profile_view(profile, request.user)
    except PermissionDenied:
        raise Http404 from None
    return profile, view


def _detail_url(pk: int) -> str:
    return reverse("docking:profile_detail", kwargs={"pk": pk})


def _require_editor(request: HttpRequest, profile: CooperationProfile) -> None:
    if not services.can_edit_profile(request.user, profile):
        raise PermissionDenied(
            _("Only the organisation's admins and members may change its profiles.")
        )


# --- Browse -----------------------------------------------------------------------------


def profile_list(request: HttpRequest) -> HttpResponse:
    form = ProfileFilterForm(request.GET or None)
    filters: ProfileFilters | None = None
    rows: list | QuerySet = []  # profile ids
    if not form.is_bound or form.is_valid():
        filters = form.filters() if form.is_bound else ProfileFilters()
        try:
            rows = selectors.profiles_browse(request.user, filters)
        except ValidationError as error:  # the search model could not run just now
            form.add_error("q", error.message_dict.get("q", error.messages))
            filters, rows = None, []
    page_obj = _paginate(request, rows)
    views = selectors.profile_views(list(page_obj.object_list), request.user)
    return render(
        request,
        "docking/profile_list.html",
        {
            "form": form,
            "filters": filters,
            "page_obj": page_obj,
            "profiles": [shown(v) for v in views],
            "query": _query_without_page(request),
        },
    )


# --- One profile ----------------------------------------------------------------------------


def _detail_context(request, profile: CooperationProfile, view: ProfileView, **extra) -> dict:
    user = request.user
    can_edit = services.can_edit_profile(user, profile)
    can_moderate = services.can_moderate_profile(user, profile)
    context = {
        "profile": profile,
        "item": shown(view),
        "original": shown(view, reader=view.language),
        "can_edit": can_edit,
        "can_moderate": can_moderate,
        "editable": profile.status in services.EDITABLE,
        "withdrawable": profile.status in (Status.DRAFT, Status.SUBMITTED, Status.PUBLISHED),
        "extendable": profile.status == Status.PUBLISHED and not profile.extended,
        "moderatable": profile.status == Status.SUBMITTED,
        "show_state": can_edit or can_moderate,
        "translation_languages": [
            {
                "code": code,
                "name": LANGUAGE_NAMES[code],
                "exists": any(t.language == code for t in view.translations),
            }
            for code in LANGUAGE_CODES
            if code != profile.language
        ],
        "reject_form": RejectForm(),
        "identity_mentions": (
            selectors.identity_mentions(profile)
            if can_moderate and profile.status == Status.SUBMITTED
            else []
        ),
        "show_matches": matching.can_see_matches(user, profile),
        "matches": [],
        "matches_error": "",
    }
    if context["show_matches"]:
        try:
            results = matching.profile_matches(profile=profile, viewer=user, k=MATCHES_SHOWN)
        except ValidationError as error:
            context["matches_error"] = " ".join(error.messages)
        else:
            context["matches"] = [shown_match(r) for r in results]
    context.update(extra)
    return context


def profile_detail(request: HttpRequest, pk: int) -> HttpResponse:
    profile, view = _visible(request, pk)
    return render(request, "docking/profile_detail.html", _detail_context(request, profile, view))


def _action(request: HttpRequest, pk: int, service, done: str) -> HttpResponse:
    profile, _view = _visible(request, pk)
    try:
        service(profile=profile, by=request.user)
    except ValidationError as error:
        _error_messages(request, error)
    else:
        messages.success(request, done)
    return redirect(_detail_url(profile.pk))


@login_required
@require_POST
def profile_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request, pk, services.profile_submit,
        _("The profile was sent to the authority's staff for approval."),
    )  # fmt: skip


@login_required
@require_POST
def profile_extend(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request, pk, services.profile_extend, _("The profile stays published 12 months longer.")
    )


@login_required
@require_POST
def profile_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, services.profile_approve, _("The profile is published."))


@login_required
def profile_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks to confirm; POST withdraws."""
    profile, view = _visible(request, pk)
    _require_editor(request, profile)
    if request.method == "POST":
        return _action(request, pk, services.profile_withdraw, _("The profile was withdrawn."))
    return render(
        request, "docking/profile_withdraw.html", {"profile": profile, "item": shown(view)}
    )


@login_required
@require_POST
def profile_reject(request: HttpRequest, pk: int) -> HttpResponse:
    profile, view = _visible(request, pk)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.profile_reject(
                profile=profile, by=request.user, reason=form.cleaned_data["rejection_reason"]
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("The profile was sent back to its authors."))
            return redirect(_detail_url(profile.pk))
    context = _detail_context(request, profile, view, reject_form=form)
    return render(request, "docking/profile_detail.html", context)


# --- Writing ------------------------------------------------------------------------------


def _authorable(user) -> list[Organisation]:
    """The organisations ``user`` may write profiles for."""
    candidates = Organisation.objects.filter(memberships__user=user).order_by("name", "pk")
    return [o for o in candidates if services.can_author_profile(user, o)]


@login_required
def profile_create(request: HttpRequest) -> HttpResponse:
    organisations = _authorable(request.user)
    if not organisations:
        raise PermissionDenied(
            _("Cooperation profiles are written by members of an organisation in the registry.")
        )
    form = ProfileForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        organisation = next(o for o in organisations if o.pk == form.cleaned_data["organisation"])
        try:
            profile = services.profile_create(
                organisation=organisation, by=request.user, **form.service_fields()
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The draft was saved. Submit it for approval when it is ready."),
            )
            return redirect(_detail_url(profile.pk))
    return render(request, "docking/profile_form.html", {"form": form, "profile": None})


@login_required
def profile_edit(request: HttpRequest, pk: int) -> HttpResponse:
    profile, view = _visible(request, pk)
    _require_editor(request, profile)
    if profile.status not in services.EDITABLE:
        messages.error(request, _("Only draft or rejected profiles can be changed."))
        return redirect(_detail_url(profile.pk))
    form = ProfileForm(request.POST or None, initial=ProfileForm.initial_for(profile))
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(profile=profile, by=request.user, **form.service_fields())
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("The profile was saved."))
            return redirect(_detail_url(profile.pk))
    return render(
        request,
        "docking/profile_form.html",
        {"form": form, "profile": profile, "item": shown(view)},
    )


@login_required
def profile_translation(request: HttpRequest, pk: int, language: str) -> HttpResponse:
    if language not in LANGUAGE_CODES:
        raise Http404
    profile, view = _visible(request, pk)
    _require_editor(request, profile)
    if profile.status not in services.EDITABLE:
        messages.error(request, _("Only draft or rejected profiles can be changed."))
        return redirect(_detail_url(profile.pk))
    if language == profile.language:
        messages.error(request, _("This is the language the profile is written in."))
        return redirect(reverse("docking:profile_edit", kwargs={"pk": profile.pk}))
    existing = next((t for t in view.translations if t.language == language), None)
    initial = (
        {"title": existing.title, "summary": existing.summary, "description": existing.description}
        if existing
        else {}
    )
    form = TranslationForm(request.POST or None, initial=initial, language=language)
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_translation_set(
                profile=profile, by=request.user, language=language, **form.cleaned_data
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The %(language)s version was saved.") % {"language": LANGUAGE_NAMES[language]},
            )
            return redirect(_detail_url(profile.pk))
    return render(
        request,
        "docking/profile_translation.html",
        {
            "form": form,
            "profile": profile,
            "item": shown(view, reader=view.language),
            "language": language,
            "language_name": LANGUAGE_NAMES[language],
            "exists": existing is not None,
        },
    )


# --- Lists for members and staff --------------------------------------------------------------


@login_required
def my_profiles(request: HttpRequest) -> HttpResponse:
    """Every profile of the viewer's organisations, in every state."""
    mine = selectors.profiles_of_user(request.user).select_related("organisation")
    return render(
        request,
        "docking/my_profiles.html",
        {
            "page_obj": _paginate(request, mine),
            "query": _query_without_page(request),
            "can_create": bool(_authorable(request.user)),
            "status": Status,
        },
    )


@login_required
def moderation_queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (is_platform_admin(user) or is_authority_staff(user)):
        raise PermissionDenied(_("Only authority staff and platform admins moderate profiles."))
    queue = selectors.moderation_queue(user).prefetch_related("translations")
    page_obj = _paginate(request, queue)
    rows = [
        {"profile": p, "mentions": selectors.identity_mentions(p)} for p in page_obj.object_list
    ]
    return render(
        request,
        "docking/moderation_queue.html",
        {"page_obj": page_obj, "rows": rows, "query": _query_without_page(request)},
    )
