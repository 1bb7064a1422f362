"""How pages show profiles and matches: texts in the reader's language, codes in words,
each part of a match's score as points of 100 with a bar."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries import countries

from corridor.matching.score import FULL
from corridor.registry.models import LANGUAGE_CHOICES

from . import matching
from .forms import TRL_LABELS
from .models import CooperationProfile
from .selectors import ProfileView

Status = CooperationProfile.Status
KIND_LABELS = dict(CooperationProfile.Kind.choices)
MODE_LABELS = dict(CooperationProfile.Mode.choices)
STATUS_LABELS = dict(Status.choices)
LANGUAGE_NAMES = dict(LANGUAGE_CHOICES)
MATCHES_SHOWN = 10

# What each part of a match's score measures (corridor/matching/score.py), for readers.
PART_LABELS = {
    "semantic": (
        _("Meaning"),
        _("How close the texts are in meaning, across languages."),
    ),
    "lexical": (
        _("Shared terms"),
        _("Technical terms and keywords both texts use."),
    ),
    "complementarity": (
        _("Offer meets request"),
        _("An offer answers a request of the same kind; R&D partners meet each other."),
    ),
    "modes": (_("Cooperation modes"), _("Ways of cooperating both profiles accept.")),
    "trl": (
        _("Readiness"),
        _("The offer's technology readiness level lies in the wanted range."),
    ),
    "sectors": (_("Sectors"), _("The same or related sectors of the taxonomy.")),
    "cross_border": (
        _("Across borders"),
        _("Partners in different countries, or in a country the profile targets."),
    ),
}
RELATION_LABELS = {
    "same": pgettext_lazy("sector relation", "same sector"),
    "parent": pgettext_lazy("sector relation", "broader or narrower sector"),
    "sibling": pgettext_lazy("sector relation", "neighbouring sector (same parent)"),
}


def _datetime(value: str | None) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(value) if value else None


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


@dataclass
class Shown:
    """A profile as a page shows it: texts in the reader's language when the author wrote
    them, and every code turned into words."""

    view: ProfileView
    pk: int
    title: str
    summary: str
    description: str
    language: str  # of the texts shown
    translated: bool  # the author's version in the reader's language, not the original
    kind: str
    country: str
    modes: list[str]
    target_countries: list[str]
    trl: str
    trl_range: str
    published_at: datetime.datetime | None
    expires_at: datetime.datetime | None
    deadline: datetime.date | None
    status: str
    language_name: str
    other_languages: list[str] = field(default_factory=list)
    other_language_names: list[str] = field(default_factory=list)


def _trl_range(view: ProfileView) -> str:
    if view.trl_min and view.trl_max:
        return _("%(low)d to %(high)d") % {"low": view.trl_min, "high": view.trl_max}
    if view.trl_min:
        return _("%(low)d or higher") % {"low": view.trl_min}
    if view.trl_max:
        return _("up to %(high)d") % {"high": view.trl_max}
    return ""


def shown(view: ProfileView, reader: str | None = None) -> Shown:
    reader = reader or translation.get_language() or "en"
    texts = view
    if view.language != reader:
        texts = next((t for t in view.translations if t.language == reader), view)
    return Shown(
        view=view,
        pk=view.id,
        title=texts.title,
        summary=texts.summary,
        description=texts.description,
        language=texts.language,
        translated=texts is not view,
        kind=KIND_LABELS.get(view.kind, view.kind),
        country=countries.name(view.country) if view.country else "",
        modes=[MODE_LABELS.get(m, m) for m in view.modes],
        target_countries=[countries.name(c) or c for c in view.target_countries],
        trl=(
            _("%(level)d: %(label)s") % {"level": view.trl, "label": TRL_LABELS[view.trl]}
            if view.trl in TRL_LABELS
            else ""
        ),
        trl_range=_trl_range(view),
        published_at=_datetime(view.published_at),
        expires_at=_datetime(view.expires_at),
        deadline=_date(view.deadline),
        status=STATUS_LABELS.get(view.status, view.status),
        language_name=LANGUAGE_NAMES.get(view.language, view.language),
        other_languages=[t.language for t in view.translations],
        other_language_names=[
            LANGUAGE_NAMES.get(t.language, t.language) for t in view.translations
        ],
    )


@dataclass
class Part:
    name: str
    label: str
    help: str
    contribution: float
    weight: float
    points: str  # the contribution in points of 100
    max_points: str  # what the part can give at most
    width: str  # the bar's length: the contribution as a share of what the part can give


@dataclass
class ShownMatch:
    profile: Shown
    score: int  # percent
    parts: list[Part]
    shared_sectors: list[dict]
    shared_keywords: list[str]
    shared_terms: list[str]
    passages: dict | None


def shown_match(result: matching.MatchResult) -> ShownMatch:
    weights = dict(FULL.weights.items())
    parts = []
    for name, (label, help_text) in PART_LABELS.items():
        weight = weights.get(name, 0.0)
        if not weight:
            continue
        contribution = result.parts.get(name, 0.0)
        share = max(0.0, min(1.0, contribution / weight))
        parts.append(
            Part(
                name=name,
                label=label,
                help=help_text,
                contribution=contribution,
                weight=weight,
                points=f"{contribution * 100:.1f}",
                max_points=f"{weight * 100:.0f}",
                width=f"{share * 100:.0f}%",
            )
        )
    explanation = result.explanation
    sectors = [
        {**pair, "relation_label": RELATION_LABELS.get(pair["relation"], pair["relation"])}
        for pair in explanation.get("shared_sectors", [])
    ]
    return ShownMatch(
        profile=shown(result.profile),
        score=round(result.score * 100),
        parts=parts,
        shared_sectors=sectors,
        shared_keywords=list(explanation.get("shared_keywords", [])),
        shared_terms=list(explanation.get("shared_terms", [])),
        passages=explanation.get("passages"),
    )
