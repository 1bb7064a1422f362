"""The directory's counts (corridor/registry/facets.py): right for every filter, new after writes."""

import itertools
import random

import pytest

from corridor.registry import services
from corridor.registry.forms import OrganisationFilterForm
from corridor.registry.models import Organisation, Sector
from corridor.registry.selectors import OrganisationFilters, organisations_matching

from ..factories import OrganisationFactory, ZoneFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def park(zone_cn):
    return ZoneFactory(slug="haidian", kind="member_park", parent=zone_cn, country="CN")


@pytest.fixture
def population(zone_pk, zone_cn, park):
    """60 organisations: two countries, all kinds, zones and parks, 0-3 sectors (often two
    sub-sectors of one sector), a tenth inactive, a third with the word "robot"."""
    rng = random.Random(7)
    sectors = list(Sector.objects.filter(code__in=["ai", "robotics", "biotech"]))
    sectors += [s for top in sectors for s in top.children.order_by("code")[:3]]
    zones = [zone_pk, zone_cn, park, None]
    for n in range(60):
        OrganisationFactory(
            slug=f"org-{n}",
            name=f"Org {n}" + (" robot" if n % 3 == 0 else ""),
            country=rng.choice(["PK", "CN"]),
            kind=rng.choice(Organisation.Kind.values),
            zone=rng.choice(zones),
            is_active=rng.random() > 0.1,
            sectors=rng.sample(sectors, rng.randint(0, 3)),
        )


def _counts(filters: OrganisationFilters):
    form = OrganisationFilterForm()
    return form, form.counts(filters)


def _expected(filters: OrganisationFilters) -> dict:
    """Every count by looking at each organisation in turn."""
    zones = {z.pk: z for z in OrganisationFilterForm()._zones}
    parents = {s.pk: s.parent_id for s in Sector.objects.all()}

    def root(pk):
        while parents[pk] is not None:
            pk = parents[pk]
        return pk

    def in_zone(zone_id, slug):
        while zone_id is not None:
            if zones[zone_id].slug == slug:
                return True
            zone_id = zones[zone_id].parent_id
        return False

    def in_sector(sector_ids, code):
        codes = {c: pk for pk, c in Sector.objects.values_list("pk", "code")}
        wanted = codes[code]
        return any(pk == wanted or root(pk) == wanted or parents[pk] == wanted for pk in sector_ids)

    text = set(organisations_matching(q=filters.q).values_list("pk", flat=True))
    rows = [
        (o, set(o.sectors.values_list("pk", flat=True)))
        for o in Organisation.objects.filter(is_active=True, pk__in=text)
    ]
    checks = {
        "country": lambda o, s: not filters.country or o.country == filters.country,
        "kind": lambda o, s: not filters.kind or o.kind == filters.kind,
        "zone": lambda o, s: not filters.zone or in_zone(o.zone_id, filters.zone),
        "sector": lambda o, s: not filters.sector or in_sector(s, filters.sector),
    }

    def others(name):
        return [(o, s) for o, s in rows if all(c(o, s) for n, c in checks.items() if n != name)]

    expected = {"total": len(others(None)), "country": {}, "kind": {}, "zone": {}}
    for o, _s in others("country"):
        expected["country"][str(o.country)] = expected["country"].get(str(o.country), 0) + 1
    for o, _s in others("kind"):
        expected["kind"][o.kind] = expected["kind"].get(o.kind, 0) + 1
    for o, _s in others("zone"):
        expected["zone"][o.zone_id] = expected["zone"].get(o.zone_id, 0) + 1
    sectors, roots = {}, {}
    for _o, s in others("sector"):
        for pk in s:
            sectors[pk] = sectors.get(pk, 0) + 1
        for pk in {root(pk) for pk in s}:
            roots[pk] = roots.get(pk, 0) + 1
    expected["sectors"], expected["roots"] = sectors, roots
    return expected


FILTER_VALUES = {
    "q": ["", "robot"],
    "country": ["", "CN"],
    "kind": ["", "enterprise"],
    "zone": ["", "z-park", "islamabad-stz"],
    "sector": ["", "ai", "robotics.industrial"],
}


@pytest.mark.parametrize(
    "values", list(itertools.product(*FILTER_VALUES.values())), ids=lambda v: "|".join(v)
)
def test_counts_equal_counting_each_organisation(population, values):
    filters = OrganisationFilters(**dict(zip(FILTER_VALUES, values, strict=True)))
    _form, counts = _counts(filters)
    expected = _expected(filters)
    assert counts.total == expected["total"]
    assert counts.by_country() == expected["country"]
    assert counts.by_kind() == expected["kind"]
    assert counts.by_zone() == expected["zone"]
    assert counts.sectors == expected["sectors"]
    assert counts.roots == expected["roots"]
    listed = organisations_matching(q=filters.q, country=filters.country, kind=filters.kind).count()
    assert counts.total <= listed  # zone and sector only narrow


def test_total_is_the_number_of_listed_organisations(population, client):
    for query in ["", "?country=CN", "?q=robot&sector=ai", "?zone=z-park&kind=enterprise"]:
        response = client.get("/en/organisations/" + query)
        paginator = response.context["page_obj"].paginator
        listed = paginator.object_list.count()  # a real COUNT(*) of what is listed
        assert paginator.count == listed, query


def test_counts_are_cached_until_a_write(
    population, organisation, staff_pk, django_assert_num_queries
):
    filters = OrganisationFilters()
    form, before = _counts(filters)
    with django_assert_num_queries(1):  # the fingerprint only
        assert form.counts(filters) == before

    # A new organisation, a change of sectors through the service, a deactivation, links
    # removed without saving the organisation, a deletion: each is counted at once.
    robotics, biotech = Sector.objects.get(code="robotics"), Sector.objects.get(code="biotech")
    newcomer = OrganisationFactory(slug="newcomer", country="CN", sectors=[robotics])
    _form, created = _counts(filters)
    assert created.total == before.total + 1
    assert created.roots[robotics.pk] == before.roots.get(robotics.pk, 0) + 1

    assert not organisation.sectors.exists()
    services.organisation_update(organisation=organisation, by=staff_pk, sectors=[biotech])
    _form, updated = _counts(filters)
    assert updated.roots[biotech.pk] == created.roots.get(biotech.pk, 0) + 1
    assert updated.sectors.get(biotech.pk, 0) == created.sectors.get(biotech.pk, 0) + 1

    newcomer.is_active = False
    newcomer.save()
    _form, deactivated = _counts(filters)
    assert deactivated.total == before.total
    assert deactivated.roots.get(robotics.pk, 0) == before.roots.get(robotics.pk, 0)

    organisation.sectors.clear()
    _form, cleared = _counts(filters)
    assert cleared.roots.get(biotech.pk, 0) == updated.roots[biotech.pk] - 1

    organisation.delete()
    _form, deleted = _counts(filters)
    assert deleted.total == cleared.total - 1
