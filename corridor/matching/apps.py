"""The matching engine's Django adapter: the ``eval`` command and the pgvector index.

The engine modules beside this file import no Django; only this file,
``management/``, ``migrations/`` and ``pgvector_index.py`` do.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "corridor.matching"
    label = "matching"
    verbose_name = _("Matching")
