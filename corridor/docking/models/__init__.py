"""Docking models: profiles, and the pipeline from interest to agreement."""

from .agreements import CURRENCIES, Agreement
from .interest import Interest, RevealApproval
from .introductions import Attachment, Message
from .meetings import Meeting, MeetingOutcome
from .profiles import (
    MAX_KEYWORD_LENGTH,
    MAX_KEYWORDS,
    TRL_VALIDATORS,
    CooperationProfile,
    MatchNotice,
    MatchNoticeDelivery,
    ProfileTranslation,
)

__all__ = [
    "CURRENCIES",
    "MAX_KEYWORDS",
    "MAX_KEYWORD_LENGTH",
    "TRL_VALIDATORS",
    "Agreement",
    "Attachment",
    "CooperationProfile",
    "Interest",
    "MatchNotice",
    "MatchNoticeDelivery",
    "Meeting",
    "MeetingOutcome",
    "Message",
    "ProfileTranslation",
    "RevealApproval",
]
