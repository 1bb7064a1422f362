"""The audit log: one call from services for every change someone may ask about later."""

from django.db import models

from .models import AuditEntry


def record(actor, verb: str, obj: models.Model, data: dict | None = None) -> AuditEntry:
    """Record that ``actor`` did ``verb`` to ``obj`` (``data``: what changed, JSON-serialisable)."""
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        verb=verb,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:256],
        data=data or {},
    )
