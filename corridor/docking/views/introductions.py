"""The introduction thread on the interest page: reading it, writing to it, downloading files.

The interest page (views/interest.py) merges :func:`thread_context` into its context and
includes ``docking/includes/thread.html``. Writing posts to :func:`message_post`, which
calls the one service the API calls too. Attachments are served by
:func:`attachment_download` to the parties and brokers only; everyone else gets 404.
"""

from __future__ import annotations

import logging
import zoneinfo
from dataclasses import dataclass, field
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from corridor.core.timezones import user_zone

from ..display import LANGUAGE_NAMES
from ..forms.introductions import MessageForm
from ..models import Attachment, Interest, Message
from ..parties import interest_for, party_organisation_id
from ..selectors.introductions import attachment_for, can_read_thread, thread_messages
from ..services.introductions import (
    attachment_limits,
    can_write_message,
    is_open,
    require_writer,
)
from ..services.introductions import message_post as post_message
from ..uploads import ACCEPTED_TYPES

logger = logging.getLogger(__name__)


# --- Reading --------------------------------------------------------------------


@dataclass
class ThreadAttachment:
    name: str
    size: int
    content_type: str
    url: str


@dataclass
class ThreadMessage:
    id: int
    author: str
    organisation: str
    body: str
    language: str
    language_name: str
    created_at: object  # aware datetime (UTC); the template shows it in the thread's zone
    mine: bool
    attachments: list[ThreadAttachment] = field(default_factory=list)


@dataclass
class Thread:
    """What the thread include needs, under one context name so it cannot clash."""

    readable: bool
    open: bool
    can_write: bool
    read_only: bool  # a broker, or a party of an introduction that is not open
    messages: list[ThreadMessage]
    form: MessageForm | None
    post_url: str
    zone: zoneinfo.ZoneInfo
    limits: dict
    accepted_types: str


def _author_name(message: Message) -> str:
    if message.author is None:
        return str(_("a former member"))
    return message.author.get_full_name() or message.author.get_username()


def _thread_message(message: Message, own_side: int | None) -> ThreadMessage:
    return ThreadMessage(
        id=message.pk,
        author=_author_name(message),
        organisation=message.organisation.name,
        body=message.body,
        language=message.language,
        language_name=str(LANGUAGE_NAMES.get(message.language, message.language)),
        created_at=message.created_at,
        mine=own_side is not None and message.organisation_id == own_side,
        attachments=[
            ThreadAttachment(
                name=a.name,
                size=a.size,
                content_type=a.content_type,
                url=reverse("docking:attachment_download", args=[a.pk]),
            )
            for a in message.attachments.all()
        ],
    )


def thread_context(interest: Interest, user, form: MessageForm | None = None) -> dict:
    """The thread of ``interest`` as ``user`` may see it: ``{"thread": Thread}``.

    ``interest`` must already be one ``user`` may read (``parties.interest_for``).
    """
    side = party_organisation_id(user, interest)
    readable = can_read_thread(user, interest)
    can_write = can_write_message(user, interest)
    rows = thread_messages(interest) if readable else []
    thread = Thread(
        readable=readable,
        open=is_open(interest),
        can_write=can_write,
        read_only=readable and not can_write,
        messages=[_thread_message(m, side) for m in rows],
        form=(form or MessageForm()) if can_write else None,
        post_url=reverse("docking:message_post", args=[interest.pk]),
        zone=user_zone(user),
        limits=attachment_limits(),
        accepted_types=str(ACCEPTED_TYPES),
    )
    return {"thread": thread}


# --- Writing --------------------------------------------------------------------


@require_POST
def message_post(request: HttpRequest, pk: int) -> HttpResponse:
    # 404 before anything else for those who may not read the interest (anonymous too).
    interest = interest_for(request.user, pk)
    # A broker sees no form; a forged post from one is refused (403) whatever it holds.
    require_writer(request.user, interest)
    form = MessageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            post_message(
                interest=interest,
                by=request.user,
                body=form.cleaned_data["body"],
                files=form.cleaned_data["files"],
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Your message was sent."))
    else:
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            for message in errors:
                messages.error(
                    request,
                    _("%(field)s: %(error)s") % {"field": label, "error": message}
                    if label
                    else message,
                )
    return redirect(reverse("docking:interest_detail", args=[interest.pk]) + "#thread")


# --- Downloading ----------------------------------------------------------------


def content_disposition(name: str) -> str:
    """``attachment`` with the original name (RFC 6266): an ASCII fallback and the UTF-8 name."""
    fallback = "".join(ch if 0x20 <= ord(ch) < 0x7F and ch not in '"\\%;' else "_" for ch in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def attachment_response(attachment: Attachment) -> FileResponse:
    """The file as a download that no browser renders in the site's origin."""
    try:
        handle = attachment.file.storage.open(attachment.file.name, "rb")
    except FileNotFoundError:
        logger.error("Attachment %s has no file at %s", attachment.pk, attachment.file.name)
        raise Http404 from None
    response = FileResponse(handle, content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition(attachment.name)
    response["X-Content-Type-Options"] = "nosniff"
    # Opened anyway (a PDF viewer, a typed address), it runs without scripts or the origin.
    response["Content-Security-Policy"] = "sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    # The parties' files: kept by no proxy, and by the browser only as the download.
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    return attachment_response(attachment_for(request.user, pk))
