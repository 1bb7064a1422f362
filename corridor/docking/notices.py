"""The notifications of the docking pipeline: how each kind reads, in every language.

Imported by ``DockingConfig.ready()`` so every process (web, worker, command) knows the
kinds. Senders call ``corridor.core.notifications.notify`` with one of these codes and
exactly the data keys listed here; every value is a plain string. Codes (a decline
reason, an agreement kind) and times are turned into words in the reader's language
and time zone when the notification is shown or e-mailed, not when it is stored.
"""

from __future__ import annotations

import logging

from django.utils import formats
from django.utils.translation import gettext_lazy as _

from corridor.core.notifications import Reader, local_starts, register_kind

from .models import Agreement, Interest

logger = logging.getLogger(__name__)


def _reason(data: dict, reader: Reader) -> dict:
    if "reason" not in data:
        return {}
    code = data["reason"]
    if not code:
        return {"reason": _("no reason given")}
    try:
        return {"reason": Interest.DeclineReason(code).label}
    except ValueError:
        logger.warning("unknown decline reason %r in a notification", code)
        return {"reason": Interest.DeclineReason.OTHER.label}


def _days(data: dict, reader: Reader) -> dict:
    if "days" not in data:
        return {}
    try:
        return {"days": formats.number_format(int(data["days"]))}
    except (TypeError, ValueError):
        return {"days": str(data["days"])}


def _agreement_kind(data: dict, reader: Reader) -> dict:
    if "kind" not in data:
        return {}
    try:
        return {"kind": Agreement.Kind(data["kind"]).label}
    except ValueError:
        return {"kind": str(data["kind"])}


# --- Expressions of interest -------------------------------------------------------------

register_kind(
    "interest.received",
    keys=("profile", "title", "interest", "organisation"),
    subject=_("%(organisation)s is interested in your profile %(profile)s"),
    body=_(
        "%(organisation)s has sent an expression of interest (%(interest)s) in your "
        "cooperation profile %(profile)s, “%(title)s”. Read it, then accept or decline it."
    ),
)
register_kind(
    "interest.accepted",
    keys=("profile", "title", "interest"),
    subject=_("Your expression of interest %(interest)s was accepted"),
    body=_(
        "The organisation behind profile %(profile)s, “%(title)s”, accepted your expression "
        "of interest %(interest)s. The introduction can begin."
    ),
)
register_kind(
    "interest.declined",
    keys=("profile", "title", "interest", "reason"),
    subject=_("Your expression of interest %(interest)s was declined"),
    body=_(
        "The organisation behind profile %(profile)s, “%(title)s”, declined your expression "
        "of interest %(interest)s. Reason: %(reason)s."
    ),
    params=_reason,
)
register_kind(
    "interest.withdrawn",
    keys=("profile", "title", "interest", "organisation"),
    subject=_("%(organisation)s withdrew its expression of interest %(interest)s"),
    body=_(
        "%(organisation)s withdrew its expression of interest %(interest)s in your "
        "cooperation profile %(profile)s, “%(title)s”."
    ),
)
register_kind(
    "interest.expiring",
    keys=("profile", "title", "interest", "organisation", "days"),
    subject=_("Expression of interest %(interest)s is waiting for your answer"),
    body=_(
        "%(organisation)s is waiting for your answer to its expression of interest "
        "%(interest)s in your profile %(profile)s, “%(title)s”. Days left before it "
        "expires: %(days)s."
    ),
    params=_days,
)
register_kind(
    "interest.expired",
    keys=("profile", "title", "interest"),
    subject=_("Expression of interest %(interest)s expired"),
    body=_(
        "Expression of interest %(interest)s in profile %(profile)s, “%(title)s”, expired "
        "without an answer."
    ),
)

# --- Identity reveal ----------------------------------------------------------------------

register_kind(
    "reveal.awaiting",
    keys=("interest", "profile"),
    subject=_("An identity reveal awaits your approval (%(interest)s)"),
    body=_(
        "Expression of interest %(interest)s in profile %(profile)s was accepted. Your "
        "authority approves each reveal of identities: approve or refuse this one."
    ),
)
register_kind(
    "reveal.done",
    keys=("interest", "profile", "organisation"),
    subject=_("You are introduced to %(organisation)s (%(interest)s)"),
    body=_(
        "Identities are revealed for %(interest)s (profile %(profile)s): your partner is "
        "%(organisation)s. You can now write to each other and propose meetings."
    ),
)
register_kind(
    "reveal.refused",
    keys=("interest", "profile"),
    subject=_("The identity reveal for %(interest)s was refused"),
    body=_(
        "Authority staff refused to reveal identities for %(interest)s (profile "
        "%(profile)s). The introduction cannot go on."
    ),
)

# --- Introductions and meetings -------------------------------------------------------

register_kind(
    "message.received",
    keys=("interest", "organisation"),
    subject=_("New message from %(organisation)s (%(interest)s)"),
    body=_("%(organisation)s wrote to you in the introduction %(interest)s."),
)
register_kind(
    "meeting.proposed",
    keys=("interest", "organisation", "starts"),
    subject=_("%(organisation)s proposes a meeting (%(interest)s)"),
    body=_(
        "%(organisation)s proposes to meet on %(starts)s (introduction %(interest)s). "
        "Accept it, or propose another time."
    ),
    params=local_starts,
)
register_kind(
    "meeting.accepted",
    keys=("interest", "organisation", "starts"),
    subject=_("%(organisation)s accepted the meeting (%(interest)s)"),
    body=_("%(organisation)s accepted to meet on %(starts)s (introduction %(interest)s)."),
    params=local_starts,
)
register_kind(
    "meeting.rescheduled",
    keys=("interest", "organisation", "starts"),
    subject=_("%(organisation)s moved the meeting (%(interest)s)"),
    body=_(
        "%(organisation)s proposes a new time for your meeting: %(starts)s (introduction "
        "%(interest)s). Accept it, or propose another time."
    ),
    params=local_starts,
)
register_kind(
    "meeting.cancelled",
    keys=("interest", "organisation", "starts"),
    subject=_("%(organisation)s cancelled the meeting (%(interest)s)"),
    body=_("%(organisation)s cancelled the meeting of %(starts)s (introduction %(interest)s)."),
    params=local_starts,
)
register_kind(
    "meeting.outcome_due",
    keys=("interest", "starts"),
    subject=_("Was the meeting held? (%(interest)s)"),
    body=_(
        "The meeting of %(starts)s (introduction %(interest)s) is over. Please record "
        "whether it was held: it counts in the outcome ledger."
    ),
    params=local_starts,
)

# --- Agreements ---------------------------------------------------------------------------

register_kind(
    "agreement.recorded",
    keys=("agreement", "title", "kind"),
    subject=_("Agreement %(agreement)s recorded"),
    body=_("An agreement was recorded with you as a party: %(kind)s %(agreement)s, “%(title)s”."),
    params=_agreement_kind,
)
