"""The sector taxonomy seeded by migration 0003: seven sectors, sub-sectors, three languages."""

import importlib
import json
from pathlib import Path

import pytest
from django.apps import apps as django_apps

from corridor.registry.models import Sector
from corridor.registry.selectors import sector_and_descendant_ids, sector_tree
from corridor.registry.services import sector_create

SEED = importlib.import_module("corridor.registry.migrations.0003_seed_sectors")
SECTORS_FILE = Path(__file__).resolve().parents[2] / "corridor/registry/data/sectors.json"
AGREEMENT_SECTORS = [
    "semiconductors",
    "cloud",
    "ai",
    "robotics",
    "fintech",
    "blockchain",
    "biotech",
]

pytestmark = pytest.mark.django_db


def test_migration_seeds_the_seven_sectors_of_the_agreement_in_order():
    assert [s.code for s in sector_tree()] == AGREEMENT_SECTORS


def test_every_seeded_sector_is_named_in_three_languages():
    for sector in Sector.objects.filter(code__in=[row[0] for row in SEED.SECTORS]):
        assert sector.name_en.strip(), sector.code
        # Chinese names are written in Han characters, Urdu names in Arabic script.
        assert any("\u4e00" <= ch <= "\u9fff" for ch in sector.name_zh_hans), sector.code
        assert any("\u0600" <= ch <= "\u06ff" for ch in sector.name_ur), sector.code


def test_each_top_level_sector_has_between_four_and_eight_sub_sectors_under_its_code():
    for sector in sector_tree():
        children = list(sector.children.all())
        assert 4 <= len(children) <= 8, sector.code
        assert all(c.code.startswith(sector.code + ".") for c in children)
        assert sorted(c.position for c in children) == list(range(1, len(children) + 1))


def test_known_translations_are_the_agreed_technical_terms():
    names = {s.code: (s.name_zh_hans, s.name_ur) for s in Sector.objects.filter(parent=None)}
    assert names["ai"] == ("人工智能", "مصنوعی ذہانت")
    assert names["semiconductors"] == ("半导体", "سیمی کنڈکٹرز")
    assert names["cloud"] == ("云计算", "کلاؤڈ کمپیوٹنگ")
    assert names["blockchain"] == ("区块链", "بلاک چین")


def test_the_data_file_and_the_migrated_database_agree():
    # A change to sectors.json needs a new data migration; this catches one that was forgotten.
    tree = json.loads(SECTORS_FILE.read_text(encoding="utf-8"))
    for top in tree:
        for node, parent in [(top, None)] + [(child, top["code"]) for child in top["children"]]:
            sector = Sector.objects.select_related("parent").get(code=node["code"])
            assert (sector.name_en, sector.name_zh_hans, sector.name_ur) == (
                node["name_en"],
                node["name_zh_hans"],
                node["name_ur"],
            )
            assert (sector.parent.code if sector.parent else None) == parent


def test_seeding_again_creates_no_duplicates_and_restores_edited_names():
    before = Sector.objects.count()
    Sector.objects.filter(code="ai.vision").update(name_en="Vision (edited)")
    SEED.seed(django_apps, None)
    SEED.seed(django_apps, None)
    assert Sector.objects.count() == before
    assert Sector.objects.get(code="ai.vision").name_en == "Computer vision"


def test_the_tree_takes_deeper_levels_under_a_sub_sector(platform_admin):
    vision = Sector.objects.get(code="ai.vision")
    deeper = sector_create(
        by=platform_admin,
        code="ai.vision.medical-imaging",
        parent=vision,
        name_en="Medical imaging",
        name_zh_hans="医学影像",
        name_ur="طبی امیجنگ",
    )
    assert deeper.pk in sector_and_descendant_ids("ai")
    assert deeper.pk in sector_and_descendant_ids("ai.vision")
