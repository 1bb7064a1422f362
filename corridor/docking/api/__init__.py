"""The docking API: one router per part of the pipeline, mounted on the profiles router."""

from . import interests
from . import introductions as introductions_api
from . import meetings as meetings_api
from .profiles import router

router.add_router("", interests.router)
router.add_router("", meetings_api.router)
router.add_router("", introductions_api.router)
router.add_router("", "corridor.docking.api.agreements.router")

__all__ = ["router"]
