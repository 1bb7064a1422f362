"""Writes of docking, one module per part of the pipeline; profile services are re-exported."""

from .profiles import *  # noqa: F403
