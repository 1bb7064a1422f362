"""Reads of docking, one module per part of the pipeline; profile selectors are re-exported."""

from .profiles import *  # noqa: F403
