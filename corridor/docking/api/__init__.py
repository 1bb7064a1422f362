"""The docking API: one router per part of the pipeline, mounted on the profiles router."""

from .profiles import router

__all__ = ["router"]
