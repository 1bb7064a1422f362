"""Notifications: in the app for everyone, by e-mail for those who want it.

Services call :func:`notify` inside their transaction. A notification is stored as a
kind and its parameters, and rendered in the reader's language when read or e-mailed
(kinds are registered with :func:`register_kind` by the apps that send them).
E-mail goes out after the transaction commits, never inside the request's work: a
failing mail server is logged and retried by ``corridor send-notifications``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from .models import Notification


@dataclass(frozen=True)
class NotificationKind:
    """How one kind of notification reads: subject and body with %(name)s placeholders."""

    code: str
    subject: str  # lazy translatable text
    body: str  # lazy translatable text


KINDS: dict[str, NotificationKind] = {}


def register_kind(code: str, *, subject, body) -> NotificationKind:
    kind = NotificationKind(code=code, subject=subject, body=body)
    KINDS[code] = kind
    return kind


def notify(*, users: Iterable, kind: str, key: str, data: dict | None = None, url: str = "") -> int:
    """Tell each of ``users`` about ``key`` once; returns how many were told for the first time.

    ``data`` fills the kind's placeholders and must hold only what every one of these
    users may see. The same ``key`` for the same user is stored once (a database
    constraint), so a double click or a race makes one notification, not two.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    recipients = {u.pk: u for u in users if u.is_active}
    if not recipients:
        return 0
    existing = set(
        Notification.objects.filter(user_id__in=recipients, key=key).values_list(
            "user_id", flat=True
        )
    )
    rows = [
        Notification(
            user=user,
            kind=kind,
            key=key,
            data=data or {},
            url=url,
            email=(
                Notification.Email.PENDING
                if user.notify_by_email and user.email
                else Notification.Email.SKIPPED
            ),
        )
        for pk, user in recipients.items()
        if pk not in existing
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    if any(row.email == Notification.Email.PENDING for row in rows):
        user_ids = [row.user_id for row in rows]
        transaction.on_commit(lambda: _email_later(key, user_ids))
    return len(rows)


def _email_later(key: str, user_ids: list[int]) -> None:
    from .tasks import send_notification_emails

    ids = list(
        Notification.objects.filter(
            key=key, user_id__in=user_ids, email=Notification.Email.PENDING
        ).values_list("pk", flat=True)
    )
    if ids:
        send_notification_emails.delay(ids=ids)
