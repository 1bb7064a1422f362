"""Browse the directory in Chromium, filter, search in Chinese, then read it in Urdu and Chinese."""

import importlib
import os
import tempfile
from pathlib import Path

import pytest
from django.apps import apps as django_apps

from corridor.registry.models import Sector

from ..factories import AuthorityFactory, OrganisationFactory, ZoneFactory

# The live server needs committed data, so these tests run in transactional mode (pytest-django
# runs them after the others); the flush after each one also empties the seeded sectors.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SEED_SECTORS = importlib.import_module("corridor.registry.migrations.0003_seed_sectors")

# Screenshots for a person to look at (the layout, Nastaliq and Chinese glyphs, not boxes).
SCREENSHOTS = Path(os.environ.get("CORRIDOR_SCREENSHOT_DIR", tempfile.gettempdir()))
SCREENSHOT_URDU = SCREENSHOTS / "urdu.png"
SCREENSHOT_CHINESE = SCREENSHOTS / "chinese.png"


@pytest.fixture
def directory():
    SEED_SECTORS.seed(django_apps, None)  # idempotent: the taxonomy as migration 0003 leaves it
    stza = AuthorityFactory(code="stza", name_en="Special Technology Zones Authority", country="PK")
    zpark = AuthorityFactory(code="zpark", name_en="Zhongguancun Science Park", country="CN")
    islamabad = ZoneFactory(
        slug="islamabad-stz",
        name_en="Islamabad STZ",
        name_ur="اسلام آباد ایس ٹی زیڈ",
        authority=stza,
    )
    zgc = ZoneFactory(
        slug="z-park",
        kind="science_park",
        name_en="Zhongguancun Science Park",
        name_zh_hans="中关村科技园区",
        name_ur="ژونگ گوان سن سائنس پارک",
        authority=zpark,
        country="CN",
    )
    robotics = Sector.objects.get(code="robotics")
    ai = Sector.objects.get(code="ai")
    semiconductors = Sector.objects.get(code="semiconductors")
    OrganisationFactory(
        slug="indus-robotics",
        name="Indus Robotics",
        name_ur="انڈس روبوٹکس",
        country="PK",
        city="Islamabad",
        zone=islamabad,
        description="ہم صنعتی روبوٹ اور خودکار نظام بناتے ہیں، اور چینی شراکت داروں کے ساتھ تحقیق کرتے ہیں۔",
        description_language="ur",
        sectors=[robotics],
    )
    OrganisationFactory(
        slug="zhongguancun-chips",
        name="中关村芯片设计有限公司",
        name_en="Zhongguancun Chip Design",
        name_zh_hans="中关村芯片设计有限公司",
        country="CN",
        city="北京",
        zone=zgc,
        description="我们设计用于人工智能推理的低功耗芯片，并寻求与巴基斯坦高校合作。",
        description_language="zh-hans",
        sectors=[semiconductors, ai],
    )
    OrganisationFactory(
        slug="nust",
        name="National University of Sciences and Technology",
        kind="university",
        country="PK",
        city="Islamabad",
        zone=islamabad,
        ror_id="03w2j5y17",
        description="A public research university in Islamabad.",
        description_language="en",
        sectors=[ai],
    )


def listed(page) -> list[str]:
    return page.locator(".organisation-list .card__title a").all_inner_texts()


def nav_boxes(page):
    items = page.locator(".site-nav li")
    return items.first.bounding_box(), items.last.bounding_box()


def switch_language(page, code: str) -> None:
    with page.expect_navigation():
        page.click(f'.language-switcher button[data-language="{code}"]')


def document_language(page) -> tuple[str, str]:
    return tuple(page.evaluate("[document.documentElement.lang, document.documentElement.dir]"))


def test_browse_filter_search_and_switch_to_urdu_then_chinese(live_server, page, directory):
    page.goto(f"{live_server.url}/en/organisations/")
    assert document_language(page) == ("en", "ltr")
    assert len(listed(page)) == 3

    # A facet: universities only.
    page.click('.facet[data-facet="kind"] a[data-value="university"]')
    page.wait_for_url("**/en/organisations/?kind=university")
    assert listed(page) == ["National University of Sciences and Technology"]
    page.click('.facet[data-facet="kind"] .facet__clear')
    page.wait_for_url("**/en/organisations/?")
    assert len(listed(page)) == 3

    # A Chinese word finds the Chinese company.
    page.fill('input[name="q"]', "芯片")
    with page.expect_navigation():
        page.press('input[name="q"]', "Enter")
    assert listed(page) == ["Zhongguancun Chip Design"]
    assert page.locator('.excerpt[lang="zh-hans"]').count() == 1

    # Switching language keeps the page and the search.
    switch_language(page, "ur")
    assert "/ur/organisations/?q=" in page.url
    assert document_language(page) == ("ur", "rtl")
    assert len(listed(page)) == 1

    # The organisation page, in Urdu: the layout mirrors.
    with page.expect_navigation():
        page.locator(".organisation-list .card__title a").first.click()
    assert page.url.endswith("/ur/organisations/zhongguancun-chips/")
    assert document_language(page) == ("ur", "rtl")
    first, last = nav_boxes(page)
    assert first["x"] > last["x"], "the first navigation item should be on the right"
    name = page.locator(".site-name").bounding_box()
    assert name["x"] > page.viewport_size["width"] / 2, "the site name should start on the right"
    description = page.locator('.description[lang="zh-hans"]')
    assert "低功耗芯片" in description.inner_text()
    page.screenshot(path=SCREENSHOT_URDU, full_page=True)

    # An Urdu description on an Urdu page, and back to a list in Urdu.
    page.goto(f"{live_server.url}/ur/organisations/indus-robotics/")
    assert page.locator('.description[lang="ur"]').count() == 1
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.description')).direction") == "rtl"
    )

    # Chinese: left to right again.
    switch_language(page, "zh-hans")
    assert page.url.endswith("/zh-hans/organisations/indus-robotics/")
    assert document_language(page) == ("zh-hans", "ltr")
    first, last = nav_boxes(page)
    assert first["x"] < last["x"]
    page.goto(f"{live_server.url}/zh-hans/organisations/zhongguancun-chips/")
    assert page.locator("h1").inner_text() == "中关村芯片设计有限公司"
    page.screenshot(path=SCREENSHOT_CHINESE, full_page=True)


def test_zone_tree_and_zone_page(live_server, page, directory):
    page.goto(f"{live_server.url}/ur/zones/")
    assert document_language(page) == ("ur", "rtl")
    with page.expect_navigation():
        page.click('a[href="/ur/zones/z-park/"]')
    assert page.locator("h1").inner_text() == "ژونگ گوان سن سائنس پارک"
    assert len(listed(page)) == 1
