"""The REST API at /api/v1: one NinjaAPI that mounts each app's router."""

from ninja import NinjaAPI

from corridor.accounts.api import ApiTokenAuth, SessionAuth
from corridor.registry.api import router as registry_router

api = NinjaAPI(
    title="Corridor API",
    version="1",
    description="Registry of sectors, zones and organisations of the Corridor platform.",
    urls_namespace="api",
    auth=[ApiTokenAuth(), SessionAuth()],
)
api.add_router("/", registry_router)
