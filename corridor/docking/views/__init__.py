"""HTML views of docking, one module per part of the pipeline; profile views are re-exported."""

from .profiles import *  # noqa: F403
