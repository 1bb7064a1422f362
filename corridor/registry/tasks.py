"""Background work of the registry: inline without a broker, on Celery workers with one."""

from celery import shared_task
from django.db.models import Q

BATCH = 2000


@shared_task
def reindex_organisations(
    *, ids: list[int] | None = None, zone_id: int | None = None, sector_id: int | None = None
) -> int:
    """Rebuild the search documents of organisations (all, given ids, in a zone, or in a sector).

    Runs after a zone or sector is renamed, since their names are in those documents.
    Returns how many documents changed.
    """
    from .models import Organisation, Sector, Zone
    from .search import OrganisationIndexer

    queryset = Organisation.objects.all()
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    if zone_id is not None:
        zone_ids = {zone_id} | set(
            Zone.objects.filter(parent_id=zone_id).values_list("pk", flat=True)
        )
        queryset = queryset.filter(zone_id__in=zone_ids)
    if sector_id is not None:
        sector_ids = {sector_id} | set(
            Sector.objects.filter(
                Q(parent_id=sector_id) | Q(parent__parent_id=sector_id)
            ).values_list("pk", flat=True)
        )
        queryset = queryset.filter(sectors__in=sector_ids).distinct()
    indexer = OrganisationIndexer()
    through = Organisation.sectors.through
    changed = 0
    pks = list(queryset.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), BATCH):
        batch = list(Organisation.objects.filter(pk__in=pks[start : start + BATCH]))
        sectors: dict[int, list[int]] = {}
        for org_id, sector in through.objects.filter(
            organisation_id__in=[o.pk for o in batch]
        ).values_list("organisation_id", "sector_id"):
            sectors.setdefault(org_id, []).append(sector)
        dirty = []
        for organisation in batch:
            document = indexer.document(organisation, sectors.get(organisation.pk, []))
            if document != organisation.search_document:
                organisation.search_document = document
                dirty.append(organisation)
        Organisation.objects.bulk_update(dirty, ["search_document"])
        changed += len(dirty)
    return changed
