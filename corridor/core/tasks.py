"""Background work of core: inline without a broker, on Celery workers with one."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def send_notification_emails(ids: list[int]) -> dict:
    """E-mail the notifications ``ids`` in their recipients' languages; never raises.

    Each e-mail is claimed before it is sent, so a worker and the periodic retry
    (``corridor send-notifications``) never both send it; a failure is logged and
    recorded on the notification, which the retry picks up.
    """
    from .notifications import notification_emails_send

    try:
        report = notification_emails_send(ids)
    except Exception:  # e.g. the database is gone: the rows stay pending and are retried
        logger.exception("sending notification e-mails %s failed", ids)
        return {"sent": 0, "skipped": 0, "failed": len(ids)}
    return {"sent": report.sent, "skipped": report.skipped, "failed": len(report.failed)}
