"""``corridor export profiles``: published cooperation profiles as the public sees them.

Rows come from :func:`~.selectors.profile_views` with no viewer, the code that
decides identity everywhere else, so an anonymous profile's organisation is never
written; a profile published under its organisation's name carries that name.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from corridor.registry.imports.exports import write

from .models import CooperationProfile
from .selectors import profile_views, published_q

COLUMNS = [
    "reference", "kind", "title", "summary", "description", "language", "sectors", "keywords",
    "trl", "trl_min", "trl_max", "modes", "target_countries", "country", "deadline",
    "published_at", "expires_at", "organisation",
]  # fmt: skip
CHUNK = 500


def profile_rows(*, country: str = "") -> Iterator[dict]:
    """Every published profile (of organisations in ``country``), oldest first, as a row."""
    queryset = CooperationProfile.objects.filter(published_q())
    if country:
        queryset = queryset.filter(organisation__country=country.upper())
    ids = list(queryset.order_by("published_at", "pk").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for view in profile_views(chunk, None):
            row = {column: getattr(view, column, None) for column in COLUMNS}
            row["sectors"] = [sector["code"] for sector in view.sectors]
            row["organisation"] = view.organisation.name if view.organisation else None
            yield row


def profiles_export(*, stream: IO[str], fmt: str, country: str = "") -> int:
    """Write the published profiles to ``stream`` as CSV or JSON; returns how many."""
    return write(profile_rows(country=country), columns=COLUMNS, stream=stream, fmt=fmt)
