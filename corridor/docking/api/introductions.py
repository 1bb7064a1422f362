"""The REST endpoints of the introduction thread: read it, write to it, download a file.

Reads answer 404 to anyone who may not read the thread, signed in or not, so nobody
learns that an introduction exists. Writing needs a token or the session (with CSRF):
a broker who may read gets 403, bad input 422. Writes go through the same service as
the page (``services.introductions.message_post``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import Http404
from ninja import Field, File, Form, Path, Router, Schema, Status
from ninja.errors import AuthenticationError
from ninja.files import UploadedFile

from corridor.accounts.api import ApiTokenAuth
from corridor.registry.schemas import ErrorOut, ValidationErrorOut

from ..models import Attachment, Interest, Message
from ..parties import interest_for, owner_organisation_id
from ..selectors.introductions import attachment_for, can_read_thread, thread_messages
from ..services.introductions import MAX_BODY_LENGTH, can_write_message, is_open, message_post
from ..views.introductions import attachment_response

router = Router(tags=["introductions"])

# Bounded so that PostgreSQL's bigint comparison cannot overflow.
IdPath = Path(..., ge=1, le=2**63 - 1)
BodyForm = Form(..., description=f"The message: 1 to {MAX_BODY_LENGTH} characters.")
FilesField = File(None, description="Up to five files (repeat the field).")


# --- Schemas ----------------------------------------------------------------------


class AttachmentOut(Schema):
    id: int
    name: str = Field(description="The sender's file name, without any folder.")
    content_type: str = Field(description="The type found in the content, not the one claimed.")
    size: int = Field(description="Bytes.")
    sha256: str
    url: str = Field(description="Where to download it (GET /api/v1/attachments/{id}).")


class MessageOut(Schema):
    id: int
    side: Literal["owner", "sender"] = Field(
        description="Who wrote it: the profile's organisation or the interested one."
    )
    organisation: str
    author: str
    body: str
    language: str
    created_at: datetime
    attachments: list[AttachmentOut]


class ThreadOut(Schema):
    interest: str = Field(description="The EI reference of the expression of interest.")
    open: bool = Field(description="Accepted and revealed: the parties may write.")
    can_write: bool = Field(description="Whether the caller may post to it.")
    items: list[MessageOut] = Field(description="Oldest first.")


# --- Who asks ---------------------------------------------------------------------


def _reader(request):
    """The caller of a read: the token's user, the session's user, or ``None`` (then 404)."""
    if request.headers.get("Authorization"):
        user = ApiTokenAuth()(request)
        if user is None:
            raise AuthenticationError
        return user
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _thread_for(user, interest_id: int) -> Interest:
    interest = interest_for(user, interest_id)
    if not can_read_thread(user, interest):
        raise Http404
    return interest


# --- Output -----------------------------------------------------------------------


def _attachment_out(attachment: Attachment) -> dict:
    return {
        "id": attachment.pk,
        "name": attachment.name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "url": f"/api/v1/attachments/{attachment.pk}",
    }


def _message_out(message: Message, owner_id: int) -> dict:
    author = message.author
    return {
        "id": message.pk,
        "side": "owner" if message.organisation_id == owner_id else "sender",
        "organisation": message.organisation.name,
        "author": (author.get_full_name() or author.get_username()) if author else "",
        "body": message.body,
        "language": message.language,
        "created_at": message.created_at,
        "attachments": [_attachment_out(a) for a in message.attachments.all()],
    }


# --- Endpoints ----------------------------------------------------------------------


@router.get(
    "/interests/{interest_id}/messages",
    auth=None,
    response={200: ThreadOut, 401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut},
    summary="Read an introduction's thread",
)
def thread_read(request, interest_id: int = IdPath):
    """The parties read it while the introduction is open; brokering staff always."""
    user = _reader(request)
    interest = _thread_for(user, interest_id)
    owner_id = owner_organisation_id(interest)
    return {
        "interest": interest.reference,
        "open": is_open(interest),
        "can_write": can_write_message(user, interest),
        "items": [_message_out(m, owner_id) for m in thread_messages(interest)],
    }


@router.post(
    "/interests/{interest_id}/messages",
    response={
        201: MessageOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        422: ValidationErrorOut,
    },
    summary="Write to an introduction's thread",
)
def thread_write(
    request,
    interest_id: int = IdPath,
    body: str = BodyForm,
    files: list[UploadedFile] | None = FilesField,
):
    """``multipart/form-data``: ``body`` and up to five ``files`` (PDF, PNG, JPEG, DOCX,
    XLSX, PPTX or UTF-8 text; each at most ``CORRIDOR_ATTACHMENT_MAX_BYTES``)."""
    interest = interest_for(request.auth, interest_id)
    message = message_post(interest=interest, by=request.auth, body=body, files=files or ())
    message = thread_messages(interest).get(pk=message.pk)
    return Status(201, _message_out(message, owner_organisation_id(interest)))


@router.get(
    "/attachments/{attachment_id}",
    auth=None,
    response={401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut},
    summary="Download an attachment",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, as a download (Content-Disposition: attachment).",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
)
def attachment_read(request, attachment_id: int = IdPath):
    return attachment_response(attachment_for(_reader(request), attachment_id))
