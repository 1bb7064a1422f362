"""Corridor: science and technology exchange between technology zones."""

from .celery import app as celery_app

__all__ = ["celery_app"]
