"""Reads of the introduction thread: who may read it, its messages, one attachment.

The parties read their thread while the introduction is open (accepted and revealed:
the messages name people and organisations); brokering staff read it always. Everyone
else must not learn it exists, so callers answer 404.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from ..models import Attachment, Interest, Message
from ..parties import interests_readable_by, is_broker, party_organisation_id
from ..services.introductions import is_open


def can_read_thread(user, interest: Interest) -> bool:
    if party_organisation_id(user, interest) is not None:
        return is_open(interest)
    return is_broker(user, interest)


def thread_messages(interest: Interest) -> QuerySet[Message]:
    """The thread, oldest first, with authors, sides and attachments in three queries."""
    return (
        Message.objects.filter(interest=interest)
        .select_related("author", "organisation")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


def attachment_for(user, pk) -> Attachment:
    """The attachment ``pk`` if ``user`` may read its thread; 404 otherwise."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < pk < 2**63:  # beyond a bigint the databases raise instead of finding nothing
        raise Http404
    attachment = (
        Attachment.objects.filter(pk=pk, message__interest__in=interests_readable_by(user))
        .select_related(
            "message__interest__profile__organisation", "message__interest__organisation"
        )
        .first()
    )
    if attachment is None or not can_read_thread(user, attachment.message.interest):
        raise Http404
    return attachment
