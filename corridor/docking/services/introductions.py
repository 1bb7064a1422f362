"""Writes of the introduction thread: messages, with attachments, between the two parties.

The thread opens when the profile's organisation has accepted an expression of interest
and both sides have been revealed to each other. Only people who act for one of the two
organisations write; the authority staff who broker it read along (read-only).

No audit entry is recorded per message: a message is itself an append-only record of who
wrote what, for which side and when, and staff read it in the thread. The audit log
keeps the changes of state (acceptance, reveal) that opened the thread.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from corridor.core.notifications import notify
from corridor.core.permissions import require
from corridor.core.text import LANGUAGE_CODES, TextError, clean_text, detect_language

from ..models import Attachment, Interest, Message
from ..parties import owner_organisation_id, party_organisation_id, people_of
from ..selectors.interest import is_open_for_introduction
from ..uploads import Inspected, UploadError, format_size, inspect

logger = logging.getLogger(__name__)

MAX_BODY_LENGTH = 4000
MAX_FILES = 5


def is_open(interest: Interest) -> bool:
    """Accepted and revealed: the two parties may write to each other."""
    return is_open_for_introduction(interest)


def can_write_message(user, interest: Interest) -> bool:
    return is_open(interest) and party_organisation_id(user, interest) is not None


def require_writer(user, interest: Interest) -> int:
    """The side ``user`` writes for; ``PermissionDenied`` for brokers and everyone else."""
    side = party_organisation_id(user, interest)
    require(
        side is not None,
        _("Only the people of the two organisations write in an introduction's thread."),
    )
    return side


# --- Validation -----------------------------------------------------------------


def _clean_body(body, errors: dict) -> str:
    if not isinstance(body, str):
        errors["body"] = [_("Write a message.")]
        return ""
    try:
        body = clean_text(body, field="body")
    except TextError:
        errors["body"] = [_("Contains a NUL byte, which cannot be stored.")]
        return ""
    if not body:
        errors["body"] = [_("Write a message.")]
    elif len(body) > MAX_BODY_LENGTH:
        errors["body"] = [
            _("A message may have at most %(count)d characters (it has %(length)d).")
            % {"count": MAX_BODY_LENGTH, "length": len(body)}
        ]
    return body


def _inspect_files(files: Sequence, errors: dict) -> list[Inspected]:
    if len(files) > MAX_FILES:
        errors["files"] = [
            _("At most %(count)d files per message.") % {"count": MAX_FILES},
        ]
        return []
    inspected, problems = [], []
    limit = settings.CORRIDOR_ATTACHMENT_MAX_BYTES
    for upload in files:
        try:
            inspected.append(inspect(upload, max_bytes=limit))
        except UploadError as error:
            problems.append(error.message)
    if problems:
        errors["files"] = problems
    return inspected


def attachment_limits() -> dict:
    """What the form and the API tell writers before they try."""
    return {
        "max_files": MAX_FILES,
        "max_bytes": settings.CORRIDOR_ATTACHMENT_MAX_BYTES,
        "max_size": format_size(settings.CORRIDOR_ATTACHMENT_MAX_BYTES),
    }


# --- Writes ---------------------------------------------------------------------


def message_post(
    *,
    interest: Interest,
    by,
    body: str,
    files: Sequence = (),
    now: datetime.datetime | None = None,
) -> Message:
    """Post a message (with up to five attachments) to an open introduction's thread.

    Only a party writes; brokers and everyone else get ``PermissionDenied`` (views and
    the API answer 404 before this for those who may not read the interest). Bad input,
    a closed introduction or any refused file raise ``ValidationError`` and store nothing:
    no message, no attachment row, no file on disk. The other side is notified.
    """
    side = require_writer(by, interest)
    files = list(files or ())
    errors: dict = {}
    body = _clean_body(body, errors)
    inspected = _inspect_files(files, errors)
    if errors:
        raise ValidationError(errors)
    language = detect_language(body) or (
        by.language if getattr(by, "language", "") in LANGUAGE_CODES else settings.LANGUAGE_CODE
    )

    stored: list[str] = []
    try:
        with transaction.atomic():
            # Locked, so a withdrawal at the same moment either comes first and refuses this
            # message, or waits for it.
            locked = Interest.objects.select_for_update().get(pk=interest.pk)
            if not is_open(locked):
                raise ValidationError(
                    {
                        "status": [
                            _(
                                "The thread is open only after the introduction is accepted "
                                "and both sides know each other."
                            )
                        ]
                    }
                )
            message = Message.objects.create(
                interest=locked, author=by, organisation_id=side, body=body, language=language
            )
            if now is not None:
                # created_at is auto_now_add; tests and imports set the time afterwards.
                Message.objects.filter(pk=message.pk).update(created_at=now)
                message.created_at = now
            for upload, info in zip(files, inspected, strict=True):
                attachment = Attachment(
                    message=message,
                    name=info.name,
                    content_type=info.content_type,
                    size=info.size,
                    sha256=info.sha256,
                )
                # The stored path comes from the digest (models._attachment_path), not the name.
                attachment.file.save(info.name, upload, save=False)
                stored.append(attachment.file.name)
                attachment.save()
            _notify_other_side(interest, message, side)
    except BaseException:
        # The rows are rolled back; the files written so far must go too.
        _delete_files(stored)
        raise
    return message


def _delete_files(names: list[str]) -> None:
    storage = Attachment._meta.get_field("file").storage
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.exception("Could not delete the attachment file %s after a rollback", name)


def _notify_other_side(interest: Interest, message: Message, side: int) -> None:
    owner = owner_organisation_id(interest)
    other = interest.organisation_id if side == owner else owner
    writer = interest.profile.organisation if side == owner else interest.organisation
    # The convention for stored links: reversed in English; the reader's language is put in
    # when the notification is shown or e-mailed.
    with translation.override("en"):
        url = reverse("docking:interest_detail", args=[interest.pk]) + "#thread"
    notify(
        users=people_of([other]).exclude(pk=message.author_id),
        kind="message.received",
        key=f"message:{message.pk}",
        data={"interest": interest.reference, "organisation": writer.name},
        url=url,
    )
