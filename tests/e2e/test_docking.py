"""A cooperation profile's way through the browser: written by a Pakistani member, approved
by Pakistani staff, found by a Chinese member searching in Chinese."""

import importlib
import re

import pytest
from django.apps import apps as django_apps

from corridor.accounts.models import AuthorityStaff, OrganisationMembership
from corridor.docking.matching import reset_matcher
from corridor.docking.models import CooperationProfile

from ..factories import AuthorityFactory, OrganisationFactory, UserFactory, ZoneFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SEED_SECTORS = importlib.import_module("corridor.registry.migrations.0003_seed_sectors")
PASSWORD = "correct horse battery staple"


@pytest.fixture
def cast():
    SEED_SECTORS.seed(django_apps, None)
    reset_matcher()
    stza = AuthorityFactory(code="stza", name_en="Special Technology Zones Authority", country="PK")
    zpark = AuthorityFactory(code="zpark", name_en="Zhongguancun Science Park", country="CN")
    islamabad = ZoneFactory(slug="islamabad-stz", name_en="Islamabad STZ", authority=stza)
    zgc = ZoneFactory(slug="z-park", name_en="Z-Park", authority=zpark, country="CN")
    indus = OrganisationFactory(
        slug="indus-robotics", name="Indus Robotics", country="PK", zone=islamabad
    )
    chips = OrganisationFactory(slug="zgc-textiles", name="中关村纺织机械", country="CN", zone=zgc)
    author = UserFactory(username="amina", password=PASSWORD)
    OrganisationMembership.objects.create(user=author, organisation=indus, role="member")
    reader = UserFactory(username="li.wei", password=PASSWORD)
    OrganisationMembership.objects.create(user=reader, organisation=chips, role="member")
    staff = UserFactory(username="stza.staff", password=PASSWORD)
    AuthorityStaff.objects.create(user=staff, authority=stza)
    yield
    reset_matcher()


def sign_in(browser, live_server, username, language="en"):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{live_server.url}/{language}/accounts/login/")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    with page.expect_navigation():
        page.click('form.form button[type="submit"]')
    return page


def test_write_submit_approve_and_find_in_chinese(live_server, browser, cast):
    # A Pakistani member writes the profile through the form and submits it.
    page = sign_in(browser, live_server, "amina")
    page.goto(f"{live_server.url}/en/profiles/new/")
    page.select_option('select[name="kind"]', "technology_offer")
    page.fill('input[name="title"]', "Low-cost robotic arm for textile mills")
    page.fill(
        'textarea[name="summary"]',
        "A six-axis robotic arm that sorts and stacks fabric rolls in textile mills.",
    )
    page.fill(
        'textarea[name="description"]',
        "Built and tested in Islamabad. We look for a manufacturing partner in China.",
    )
    page.select_option('select[name="sectors"]', ["robotics"])
    page.fill('input[name="keywords"]', "robotics, textiles, 机械臂")
    page.select_option('select[name="trl"]', "6")
    page.check('input[name="modes"][value="licence"]')
    page.check('input[name="modes"][value="joint_venture"]')
    page.select_option('select[name="target_countries"]', ["CN"])
    assert page.is_checked('input[name="is_anonymous"]')
    with page.expect_navigation():
        page.click('form.profile-form button[type="submit"]')
    assert re.search(r"/en/profiles/\d+/$", page.url)
    profile = CooperationProfile.objects.get()
    assert page.locator("h1").inner_text() == "Low-cost robotic arm for textile mills"
    with page.expect_navigation():
        page.click("text=Submit for approval")
    assert "sent to the authority" in page.locator(".messages").inner_text()
    page.context.close()

    # Staff of the Pakistani authority approve it from the moderation queue.
    page = sign_in(browser, live_server, "stza.staff")
    page.click(".site-nav >> text=Moderation")
    page.wait_for_url("**/en/profiles/moderation/")
    row = page.locator(f'tr[data-reference="{profile.reference}"]')
    assert "Indus Robotics" in row.inner_text()
    with page.expect_navigation():
        row.locator("a.queue-title").click()
    with page.expect_navigation():
        page.click('button[name="approve"]')
    assert page.locator(".badge--published").count() == 1
    page.context.close()
    profile.refresh_from_db()
    assert profile.status == "published" and not profile.needs_indexing

    # A Chinese member browses in Chinese and finds it with Chinese words.
    page = sign_in(browser, live_server, "li.wei", language="zh-hans")
    page.goto(f"{live_server.url}/zh-hans/profiles/")
    assert page.evaluate("document.documentElement.lang") == "zh-hans"
    page.fill('form.search input[name="q"]', "纺织厂的机械臂")
    with page.expect_navigation():
        page.press('form.search input[name="q"]', "Enter")
    first = page.locator(".profile-list .profile-item").first
    assert first.get_attribute("data-reference") == profile.reference
    assert "Indus Robotics" not in page.content()  # published anonymously
    with page.expect_navigation():
        first.locator(".card__title a").click()
    assert page.locator('h1[lang="en"]').inner_text() == "Low-cost robotic arm for textile mills"
    assert "Indus Robotics" not in page.content()
    page.context.close()
