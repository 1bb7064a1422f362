"""The docking API: one router per part of the pipeline, mounted on the profiles router."""

from . import interests
from .profiles import router

router.add_router("", interests.router)

__all__ = ["router"]
