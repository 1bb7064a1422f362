"""The notifications endpoints: a person reads their own notifications and marks them read.

Texts come rendered in the request's language: ``?lang=`` when given, else the
``Accept-Language`` header (Django's locale middleware), else English.
"""

from datetime import datetime
from typing import Annotated, Literal

from django.conf import settings
from django.utils import translation
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict, model_validator

from corridor.registry.schemas import WRITE_ERRORS, ErrorOut, ValidationErrorOut

from .notifications import (
    Reader,
    notifications_mark_read,
    notifications_of,
    render_all,
    unread_count,
)

router = Router(tags=["notifications"])

Language = Literal["en", "zh-hans", "ur"]
MAX_IDS = 1000
# Bounded so that PostgreSQL's bigint comparison cannot overflow.
NotificationId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class NotificationQuery(Schema):
    lang: Language | None = Field(
        None, description="Language of the texts; default: the Accept-Language header."
    )
    unread: bool | None = Field(None, description="Only unread (true) or only read (false).")
    limit: int = Field(50, ge=1, le=settings.CORRIDOR_API_MAX_PAGE_SIZE)
    # Bounded so that PostgreSQL's bigint OFFSET cannot overflow.
    offset: int = Field(0, ge=0, le=1_000_000_000)


class NotificationOut(Schema):
    id: int
    kind: str = Field(description="What happened, e.g. interest.accepted.")
    subject: str
    body: str
    url: str = Field(description="The page it is about, in the same language; may be empty.")
    created_at: datetime
    read: bool


class NotificationPage(Schema):
    count: int = Field(description="How many items match, over all pages.")
    unread: int = Field(description="How many of your notifications are unread.")
    limit: int
    offset: int
    items: list[NotificationOut]


class MarkReadIn(Schema):
    model_config = ConfigDict(extra="forbid")

    ids: list[NotificationId] | None = Field(
        None, max_length=MAX_IDS, description="The notifications to mark read."
    )
    all: bool = Field(False, description="Mark every notification read instead.")

    @model_validator(mode="after")
    def one_of(self):
        if (self.ids is None) == (not self.all):
            raise ValueError("Give either ids or all=true.")
        return self


class MarkReadOut(Schema):
    marked: int = Field(description="How many were unread and are now read.")
    unread: int


@router.get(
    "/notifications",
    response={200: NotificationPage, 401: ErrorOut, 422: ValidationErrorOut},
    summary="Your notifications, newest first, in your language",
)
def notification_list(request, query: Query[NotificationQuery]):
    rows = notifications_of(request.auth)
    if query.unread is not None:
        rows = rows.filter(read_at__isnull=query.unread)
    reader = Reader(request.auth, query.lang or translation.get_language())
    page = list(rows[query.offset : query.offset + query.limit])
    return {
        "count": rows.count(),
        "unread": unread_count(request.auth),
        "limit": query.limit,
        "offset": query.offset,
        "items": [
            {
                "id": notification.pk,
                "kind": notification.kind,
                "subject": shown.subject,
                "body": shown.body,
                "url": shown.url,
                "created_at": notification.created_at,
                "read": notification.read_at is not None,
            }
            for notification, shown in render_all(page, reader=reader)
        ],
    }


@router.post(
    "/notifications/read",
    response={200: MarkReadOut, **WRITE_ERRORS},
    summary="Mark some or all of your notifications read",
)
def notification_mark_read(request, payload: MarkReadIn):
    # Ids of others' notifications are ignored, not refused: their existence is not yours to know.
    marked = notifications_mark_read(user=request.auth, ids=None if payload.all else payload.ids)
    return {"marked": marked, "unread": unread_count(request.auth)}
