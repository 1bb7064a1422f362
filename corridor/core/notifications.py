"""Notifications: in the app for everyone, by e-mail for those who want it.

Services call :func:`notify` inside their transaction. A notification is stored as a
kind and its parameters, and rendered in the reader's language when read or e-mailed
(kinds are registered with :func:`register_kind` by the apps that send them, e.g.
``corridor/docking/notices.py``). E-mail goes out after the transaction commits, never
inside the request's work: on a Celery worker when there is a broker, else on a
background thread (``CORRIDOR_EMAIL_IN_BACKGROUND``). A failing mail server is logged,
and ``corridor send-notifications`` retries what is still pending or failed.
"""

from __future__ import annotations

import atexit
import datetime
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connections, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from .models import Notification
from .permissions import require
from .timezones import user_zone

logger = logging.getLogger(__name__)

# E-mail retries: a row is tried at most MAX_EMAIL_ATTEMPTS times. An attempt stamps
# ``emailed_at`` when it starts (and again when it succeeds), so a row being sent is not
# taken by a second sender; one stamped more than RETRY_AFTER ago without success, or
# pending that long without an attempt, is due for ``corridor send-notifications``.
MAX_EMAIL_ATTEMPTS = 5
RETRY_AFTER = datetime.timedelta(minutes=1)
# What a placeholder shows when the stored data lacks its value.
MISSING = "…"


# --- Kinds ------------------------------------------------------------------------------


class Reader:
    """Who reads a notification, in which language and time zone: what rendering depends on.

    One reader renders a whole list, so the time zone is looked up once, not per row.
    """

    def __init__(self, user, language: str | None = None):
        self.user = user
        self.language = language_or_default(language or getattr(user, "language", ""))

    @cached_property
    def zone(self):
        return user_zone(self.user)


# Turns a notification's stored data into display values for one reader, e.g. a reason
# code into its label or an ISO time into the reader's local time. Runs in their language.
Params = Callable[[dict, Reader], dict]


def local_starts(data: dict, reader: Reader) -> dict:
    """A ``starts`` parameter (ISO 8601, UTC) as a local date and time, with the zone named.

    Shared by every kind that tells of a meeting, in docking and at events.
    """
    if "starts" not in data:
        return {}
    try:
        moment = datetime.datetime.fromisoformat(str(data["starts"]))
    except ValueError:
        logger.warning("bad meeting time %r in a notification", data["starts"])
        return {"starts": str(data["starts"])}
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=datetime.UTC)
    local = timezone.localtime(moment, reader.zone)
    return {
        "starts": _("%(time)s (%(zone)s)")
        % {"time": formats.date_format(local, "DATETIME_FORMAT"), "zone": reader.zone.key}
    }


@dataclass(frozen=True)
class NotificationKind:
    """How one kind of notification reads: subject and body with %(name)s placeholders."""

    code: str
    subject: str  # lazy translatable text
    body: str  # lazy translatable text
    keys: tuple[str, ...] = ()  # the data keys its senders give
    params: Params | None = None


KINDS: dict[str, NotificationKind] = {}


def register_kind(
    code: str, *, subject, body, keys: Iterable[str] = (), params: Params | None = None
) -> NotificationKind:
    kind = NotificationKind(code=code, subject=subject, body=body, keys=tuple(keys), params=params)
    KINDS[code] = kind
    return kind


def language_or_default(language: str | None) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    return language if language in codes else settings.LANGUAGE_CODE


# --- Sending ----------------------------------------------------------------------------


def notify(*, users: Iterable, kind: str, key: str, data: dict | None = None, url: str = "") -> int:
    """Tell each of ``users`` about ``key`` once; returns how many were told for the first time.

    ``data`` fills the kind's placeholders and must hold only what every one of these
    users may see. The same ``key`` for the same user is stored once (a database
    constraint), so a double click or a race makes one notification, not two.
    ``url`` is a page path as ``reverse()`` gives it under ``translation.override("en")``;
    each reader gets it in their own language.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    data = data or {}
    missing = [name for name in KINDS[kind].keys if name not in data]
    if missing:
        # Rendering copes (see render()); the sender should be fixed.
        logger.warning("notification %s (%s) sent without %s", kind, key, ", ".join(missing))
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
            data=data,
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
    """After the commit: hand the new e-mails to a worker or a thread, never wait for them.

    Nothing here may fail the request that already committed; what is not handed over
    stays pending and ``corridor send-notifications`` sends it.
    """
    try:
        ids = list(
            Notification.objects.filter(
                key=key, user_id__in=user_ids, email=Notification.Email.PENDING
            ).values_list("pk", flat=True)
        )
        if ids:
            queue_emails(ids)
    except Exception:
        logger.exception("notification e-mails for %s were not queued; they are retried", key)


def queue_emails(ids: list[int]) -> None:
    """Send the e-mails of ``ids`` out of the caller's way: Celery with a broker, else a thread."""
    from .tasks import send_notification_emails

    if not settings.CELERY_TASK_ALWAYS_EAGER:
        send_notification_emails.delay(ids=ids)
    elif getattr(settings, "CORRIDOR_EMAIL_IN_BACKGROUND", True):
        # Without a broker the task would run inline, and a slow mail server would hold
        # the request; a daemon thread does not (what it leaves unsent is retried).
        thread = threading.Thread(
            target=_send_in_thread, args=(ids,), name="notification-emails", daemon=True
        )
        with _threads_lock:
            _threads.add(thread)
        try:
            thread.start()
        except RuntimeError:  # no thread to be had: the retry sends it
            with _threads_lock:
                _threads.discard(thread)
            raise
    else:
        send_notification_emails(ids=ids)


_threads: set[threading.Thread] = set()
_threads_lock = threading.Lock()


def _send_in_thread(ids: list[int]) -> None:
    from .tasks import send_notification_emails

    try:
        send_notification_emails(ids=ids)
    finally:
        # The thread's own database connection; the request's connections are not touched.
        connections.close_all()
        with _threads_lock:
            _threads.discard(threading.current_thread())


def wait_for_background_emails(timeout: float | None = None) -> bool:
    """Let this process's background e-mail threads finish; whether they all did in time.

    Run at exit, so a command that notified (``corridor send-reminders``) does not end
    with its e-mails half sent, and before the retry, so it does not wait a run for them.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    with _threads_lock:
        running = list(_threads)
    for thread in running:
        thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
    return not any(thread.is_alive() for thread in running)


atexit.register(wait_for_background_emails, 60)


# --- Rendering --------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    """A notification as one reader reads it: text in their language, link in their language."""

    subject: str
    body: str
    url: str


class _Values(dict):
    """Placeholder values that show :data:`MISSING` (and log) instead of failing."""

    def __init__(self, values: dict, notification: Notification):
        super().__init__(values)
        self.notification = notification

    def __missing__(self, name: str) -> str:
        logger.warning(
            "notification %s (%s) has no %r to show",
            self.notification.pk,
            self.notification.kind,
            name,
        )
        return MISSING


def _fill(text, values: _Values) -> str:
    try:
        return str(text) % values
    except (KeyError, ValueError, TypeError):
        # A broken translation: the English text still reads.
        logger.exception("notification text %r could not be filled", str(text))
    with translation.override(None):
        try:
            return str(text) % values
        except (KeyError, ValueError, TypeError):
            return str(text)


def localized_url(url: str, language: str) -> str:
    """The page path ``url`` (stored as ``/en/...``) in ``language``; "" when it is not a path here."""
    if not url or not url.startswith("/") or not url_has_allowed_host_and_scheme(url, None):
        return ""
    parts = url.split("/", 2)
    if parts[1] in {code for code, _name in settings.LANGUAGES}:
        return f"/{language}/" + (parts[2] if len(parts) > 2 else "")
    return url


def render(
    notification: Notification, *, language: str | None = None, reader: Reader | None = None
) -> Rendered:
    """``notification`` in its reader's language (``language`` or the user's own).

    Never fails for missing data, an unknown kind or a broken translation: the reader
    gets a readable text, and the log says what was wrong.
    """
    reader = reader or Reader(notification.user, language)
    url = localized_url(notification.url, reader.language)
    with translation.override(reader.language):
        kind = KINDS.get(notification.kind)
        if kind is None:
            logger.warning(
                "notification %s has unknown kind %r", notification.pk, notification.kind
            )
            return Rendered(subject=str(_("Notification")), body="", url=url)
        data = notification.data if isinstance(notification.data, dict) else {}
        values = _Values(data, notification)
        if kind.params is not None:
            try:
                values.update({k: str(v) for k, v in kind.params(dict(data), reader).items()})
            except Exception:
                logger.exception("notification %s: values could not be prepared", notification.pk)
        subject = " ".join(_fill(kind.subject, values).split())
        body = _fill(kind.body, values)
    return Rendered(subject=subject, body=body, url=url)


# --- Reading ----------------------------------------------------------------------------


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def notifications_of(user):
    """A person's notifications, newest first (none for the anonymous)."""
    if not _signed_in(user):
        return Notification.objects.none()
    return Notification.objects.filter(user=user).order_by("-created_at", "-pk")


def unread_count(user) -> int:
    if not _signed_in(user):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def render_all(notifications: Iterable[Notification], *, reader: Reader):
    """``(notification, rendered)`` pairs for one reader (who reads them all, in one language)."""
    return [(n, render(n, reader=reader)) for n in notifications]


def notifications_mark_read(
    *, user, ids: Iterable[int] | None = None, now: datetime.datetime | None = None
) -> int:
    """Mark ``user``'s own notifications read (those in ``ids``, or all); how many changed.

    Others' ids are ignored: whether they exist is not for this user to learn. Not
    audited: reading is nobody else's business.
    """
    require(_signed_in(user), _("Sign in to read your notifications."))
    rows = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        ids = list(ids)
        if not all(type(pk) is int for pk in ids):
            raise ValidationError({"ids": [_("Give notification numbers.")]})
        rows = rows.filter(pk__in=ids)
    return rows.update(read_at=now or timezone.now())


# --- E-mail -----------------------------------------------------------------------------


@dataclass
class EmailReport:
    """What one sending run did; ``failed`` maps notification ids to the error."""

    sent: int = 0
    skipped: int = 0
    failed: dict[int, str] = field(default_factory=dict)


def _absolute(path: str) -> str:
    return settings.CORRIDOR_SITE_URL + path


def notification_message(notification: Notification) -> EmailMultiAlternatives:
    """The e-mail of ``notification`` in its recipient's language (plain text and HTML)."""
    user = notification.user
    reader = Reader(user)
    rendered = render(notification, reader=reader)
    with translation.override(reader.language):
        account_url = _absolute(reverse("accounts:account"))
        context = {
            "subject": rendered.subject,
            "body": rendered.body,
            "link": _absolute(rendered.url) if rendered.url else "",
            "notifications_url": _absolute(reverse("accounts:notifications")),
            "account_url": account_url,
            "language": reader.language,
            "rtl": translation.get_language_bidi(),
        }
        subject = _("Corridor: %(subject)s") % {"subject": rendered.subject}
        text = render_to_string("notifications/email.txt", context)
        html = render_to_string("notifications/email.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(str(subject).split()),
        body=text,
        to=[user.email],
        headers={
            "Auto-Submitted": "auto-generated",
            "Content-Language": reader.language,
            "List-Unsubscribe": f"<{account_url}>",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def _claimable(now: datetime.datetime) -> Q:
    """Rows a sender may take now: waiting or failed, tries left, no attempt running."""
    return Q(
        email__in=[Notification.Email.PENDING, Notification.Email.FAILED],
        email_attempts__lt=MAX_EMAIL_ATTEMPTS,
    ) & (Q(emailed_at__isnull=True) | Q(emailed_at__lt=now - RETRY_AFTER))


def _claim(pk: int, now: datetime.datetime) -> Notification | None:
    """Take notification ``pk`` for one sending attempt, or None if it is not ours to send.

    One conditional UPDATE (the database re-checks its condition on a row another
    sender has just changed), so of two senders (a thread and the periodic command,
    two workers) exactly one gets the attempt.
    """
    won = Notification.objects.filter(_claimable(now), pk=pk).update(
        email_attempts=F("email_attempts") + 1, emailed_at=now
    )
    if not won:
        return None
    return Notification.objects.select_related("user").get(pk=pk)


def notification_emails_send(
    ids: Iterable[int], *, now: datetime.datetime | None = None
) -> EmailReport:
    """E-mail the notifications ``ids`` that still wait for it; a failure is recorded, not raised."""
    report = EmailReport()
    connection = None
    try:
        for pk in ids:
            claimed = False
            try:
                notification = _claim(pk, now or timezone.now())
                if notification is None:
                    continue
                claimed = True
                user = notification.user
                if not (user.is_active and user.email and user.notify_by_email):
                    # They changed their mind (or lost their address) since it was queued.
                    Notification.objects.filter(pk=pk).update(email=Notification.Email.SKIPPED)
                    report.skipped += 1
                    continue
                message = notification_message(notification)
                connection = connection or get_connection()
                if not connection.send_messages([message]):
                    raise RuntimeError("the e-mail backend sent nothing")
                Notification.objects.filter(pk=pk).update(
                    email=Notification.Email.SENT, emailed_at=now or timezone.now()
                )
                report.sent += 1
            except Exception as error:  # one failure must not stop the others
                logger.exception("notification %s was not e-mailed; it is retried later", pk)
                report.failed[pk] = str(error)[:500] or error.__class__.__name__
                if claimed:  # a row another sender holds is theirs to mark
                    try:
                        Notification.objects.filter(pk=pk).update(email=Notification.Email.FAILED)
                    except Exception:
                        logger.exception("notification %s could not be marked failed", pk)
                connection = _closed(connection)  # a broken connection is not reused
    finally:
        _closed(connection)
    return report


def _closed(connection) -> None:
    if connection is not None:
        try:
            connection.close()
        except Exception:
            logger.exception("closing the e-mail connection failed")


def notification_emails_due(*, now: datetime.datetime | None = None) -> list[int]:
    """Ids of the e-mails to (re)send now: failed ones, and pending ones nobody sent in time."""
    now = now or timezone.now()
    return list(
        Notification.objects.filter(_claimable(now))
        .exclude(email=Notification.Email.PENDING, created_at__gte=now - RETRY_AFTER)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
