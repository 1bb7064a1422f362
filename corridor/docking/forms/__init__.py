"""Forms of docking, one module per part of the pipeline; profile forms are re-exported."""

from .profiles import *  # noqa: F403
