"""From interest to a held meeting in the browser: a Pakistani member reading Corridor in Urdu
and a Chinese member reading it in Chinese, with Pakistan's authority approving the reveal
in English.

Every step goes through the pages: signing in, search, the interest form, the inboxes,
accepting, the staff's approval, the thread, proposing and accepting a meeting, marking it
held. Only the clock is moved by hand (the meeting's times put into the past), and the
fixtures are made with the services.
"""

from __future__ import annotations

import datetime
import re
import zoneinfo

import pytest
from django.utils import timezone

from corridor.accounts.models import AuthorityStaff, OrganisationMembership
from corridor.docking.matching import reset_matcher
from corridor.docking.models import Interest, Meeting, Message
from corridor.docking.services import profile_approve, profile_create, profile_submit
from corridor.docking.services.meetings import HELD, meeting_outcome
from corridor.insights.selectors import LedgerFilters, funnel

from ..factories import (
    AuthorityFactory,
    OrganisationFactory,
    SectorFactory,
    UserFactory,
    ZoneFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"
KARACHI = zoneinfo.ZoneInfo("Asia/Karachi")


@pytest.fixture
def cast():
    reset_matcher()
    sector = SectorFactory(code="robotics", name_en="Robotics")
    stza = AuthorityFactory(
        code="stza",
        name_en="Special Technology Zones Authority",
        country="PK",
        reveal_needs_approval=True,
    )
    zpark = AuthorityFactory(code="zpark", name_en="Zhongguancun Science Park", country="CN")
    islamabad = ZoneFactory(slug="islamabad-stz", name_en="Islamabad STZ", authority=stza)
    zgc = ZoneFactory(slug="z-park", name_en="Z-Park", authority=zpark, country="CN")
    indus = OrganisationFactory(
        slug="indus-robotics", name="Indus Robotics", country="PK", zone=islamabad
    )
    textiles = OrganisationFactory(
        slug="zgc-smart-textiles",
        name="中关村智能纺织",
        name_en="ZGC Smart Textiles",
        name_zh_hans="中关村智能纺织",
        name_ur="زیڈ جی سی اسمارٹ ٹیکسٹائل",
        country="CN",
        city="Haidian",
        website="https://zgc-smart-textiles.example.cn/",
        zone=zgc,
    )
    amina = UserFactory(
        username="amina",
        first_name="Amina",
        last_name="Rashid",
        email="amina@indus.example.pk",
        language="ur",
        password=PASSWORD,
    )
    OrganisationMembership.objects.create(user=amina, organisation=indus, role="member")
    li = UserFactory(
        username="li.wei",
        first_name="Wei",
        last_name="Li",
        email="li.wei@zgc-smart-textiles.example.cn",
        language="zh-hans",
        password=PASSWORD,
    )
    OrganisationMembership.objects.create(user=li, organisation=textiles, role="member")
    staff = UserFactory(username="stza.staff", password=PASSWORD)
    AuthorityStaff.objects.create(user=staff, authority=stza)
    moderator = UserFactory(username="zpark.staff", password=PASSWORD)
    AuthorityStaff.objects.create(user=moderator, authority=zpark)

    # The Chinese member's request, published anonymously (indexed after the commit).
    request = profile_create(
        organisation=textiles,
        by=li,
        kind="technology_request",
        title="寻求纺织厂用的低成本机械臂",
        summary="我们需要一种能自动分拣和堆放布卷的六轴机械臂，用于纺织厂。",
        description="我们是纺织设备公司，希望引进机器人技术并在中国生产。",
        keywords=["机械臂", "纺织", "robotics"],
        trl_min=5,
        trl_max=8,
        modes=["licence"],
        target_countries=["PK"],
        sectors=[sector],
    )
    profile_submit(profile=request, by=li)
    profile_approve(profile=request, by=moderator)
    request.refresh_from_db()
    assert request.is_anonymous and request.status == "published" and not request.needs_indexing
    yield {"request": request, "textiles": textiles, "li": li, "amina": amina}
    reset_matcher()


def identity(organisation, *people) -> list[str]:
    """What names the Chinese organisation: none of it may reach the Pakistani side early."""
    names = [organisation.name, organisation.name_en, organisation.name_zh_hans]
    names.append(organisation.name_ur)
    return [
        *names,
        organisation.slug,
        "zgc-smart-textiles.example.cn",
        organisation.city,
        *[p.get_full_name() for p in people],
        *[p.email for p in people],
    ]


def leaked(page, needles) -> list[str]:
    source = page.content()
    return [n for n in needles if n and n in source]


def sign_in(browser, live_server, username, language):
    """A fresh browser of one person, signed in through the login page in ``language``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{live_server.url}/{language}/accounts/login/")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    with page.expect_navigation():
        page.click('main form.form button[type="submit"]')
    assert "/accounts/login/" not in page.url  # signed in
    return page


def open_page(page, url):
    page.goto(url)
    page.wait_for_load_state("domcontentloaded")


def submit(page, selector):
    with page.expect_navigation():
        page.click(selector)


def test_two_members_in_urdu_and_chinese_from_interest_to_a_held_meeting(
    live_server, browser, cast
):
    base = live_server.url
    request, textiles, li, amina = cast["request"], cast["textiles"], cast["li"], cast["amina"]
    secret = identity(textiles, li)

    # --- The Pakistani member, in Urdu, finds the anonymous Chinese request. ---------------
    pk = sign_in(browser, live_server, "amina", "ur")
    open_page(pk, f"{base}/ur/profiles/")
    assert pk.locator("html").get_attribute("dir") == "rtl"
    assert pk.locator("html").get_attribute("lang") == "ur"
    pk.fill('form.search input[name="q"]', "robotic arm that sorts fabric rolls in textile mills")
    submit_search = 'form.search input[name="q"]'
    with pk.expect_navigation():
        pk.press(submit_search, "Enter")
    item = pk.locator(f'.profile-item[data-reference="{request.reference}"]')
    item.wait_for()
    assert leaked(pk, secret) == []
    with pk.expect_navigation():
        item.locator(".card__title a").click()
    assert re.search(rf"/ur/profiles/{request.pk}/$", pk.url)
    assert leaked(pk, secret) == []

    # ... and expresses interest through the form, in Urdu.
    with pk.expect_navigation():
        pk.click(f'a[href$="/profiles/{request.pk}/interest/"]')
    pk.fill(
        'form.interest-form textarea[name="message"]',
        "ہم اسلام آباد میں روبوٹک بازو بناتے ہیں اور آپ کے ساتھ کام کرنا چاہتے ہیں۔",
    )
    pk.select_option('form.interest-form select[name="language"]', "ur")
    submit(pk, 'form.interest-form button[type="submit"]')
    interest = Interest.objects.get()
    assert (interest.status, interest.language) == ("sent", "ur")
    assert pk.url.endswith(f"/ur/profiles/interests/{interest.pk}/")
    assert pk.locator(f'article.interest[data-reference="{interest.reference}"]').count() == 1
    assert leaked(pk, secret) == []

    # Their inbox shows it, still without the Chinese organisation anywhere in the source.
    open_page(pk, f"{base}/ur/profiles/interests/?box=sent")
    pk.locator(f'tr[data-reference="{interest.reference}"][data-status="sent"]').wait_for()
    assert pk.locator("html").get_attribute("dir") == "rtl"
    assert leaked(pk, secret) == []

    # --- The Chinese member, in Chinese, sees who approached them and accepts. -------------
    cn = sign_in(browser, live_server, "li.wei", "zh-hans")
    open_page(cn, f"{base}/zh-hans/profiles/interests/")
    row = cn.locator(f'tr[data-reference="{interest.reference}"]')
    row.wait_for()
    assert "Indus Robotics" in row.inner_text()
    assert cn.locator("html").get_attribute("dir") == "ltr"
    with cn.expect_navigation():
        row.locator(f'a[href$="/interests/{interest.pk}/"]').first.click()
    submit(cn, 'form[action$="/accept/"] button[name="accept"]')
    interest.refresh_from_db()
    assert (interest.status, interest.reveal) == ("accepted", "awaiting_approval")
    assert cn.locator(".badge--awaiting_approval").count() >= 1

    # Pakistan's authority approves each reveal: until then the Urdu side still sees nothing.
    pk.reload()
    assert leaked(pk, secret) == []

    # --- Pakistan's staff approve the reveal, in English. -----------------------------------
    staff = sign_in(browser, live_server, "stza.staff", "en")
    open_page(staff, f"{base}/en/profiles/interests/approvals/")
    card = staff.locator(f'li.approval[data-reference="{interest.reference}"]')
    card.wait_for()
    with staff.expect_navigation():
        card.locator('button[name="approve"]').click()
    assert f"Approved: {interest.reference}" in staff.locator(".messages").inner_text()
    interest.refresh_from_db()
    assert interest.reveal == "revealed"

    # --- Now the Pakistani member sees the Chinese organisation and its contact. -----------
    open_page(pk, f"{base}/ur/profiles/interests/{interest.pk}/")
    counterpart = pk.locator("section.counterpart")
    counterpart.wait_for()
    text = counterpart.inner_text()
    assert "中关村智能纺织" in text and "Haidian" in text
    assert li.email in text and "Wei Li" in text

    # They exchange a message each.
    pk.fill("form.thread__form textarea[name='body']", "سلام! ہم اگلے ہفتے بات کر سکتے ہیں؟")
    submit(pk, "form.thread__form button[type='submit']")
    pk.locator(".thread__messages .message").first.wait_for()
    open_page(cn, f"{base}/zh-hans/profiles/interests/{interest.pk}/")
    assert amina.email in cn.locator("section.counterpart").inner_text()  # revealed both ways
    assert "ہم اگلے ہفتے بات کر سکتے ہیں" in cn.locator(".thread__messages").inner_text()
    cn.fill("form.thread__form textarea[name='body']", "你好！下周可以，欢迎来北京。")
    submit(cn, "form.thread__form button[type='submit']")
    open_page(pk, f"{base}/ur/profiles/interests/{interest.pk}/")
    assert "欢迎来北京" in pk.locator(".thread__messages").inner_text()
    assert Message.objects.filter(interest=interest).count() == 2

    # --- The Pakistani member proposes a meeting on Karachi's clock. ------------------------
    day = (timezone.now().astimezone(KARACHI) + datetime.timedelta(days=3)).date()
    form = pk.locator("details.meeting-propose form")
    form.wait_for()
    assert form.locator('select[name="timezone"]').input_value() == "Asia/Karachi"
    form.locator('input[name="date"]').fill(day.isoformat())
    form.locator('input[name="time"]').fill("10:00")
    form.locator('select[name="duration_minutes"]').select_option("60")
    form.locator('input[name="format"][value="in_person"]').check()
    form.locator('input[name="place"]').fill("Islamabad STZ, Block 4")
    with pk.expect_navigation():
        form.locator('button[type="submit"]').click()
    meeting = Meeting.objects.get(interest=interest)
    assert meeting.timezone == "Asia/Karachi" and meeting.status == "proposed"
    assert meeting.starts_at == datetime.datetime.combine(day, datetime.time(10, 0), tzinfo=KARACHI)
    card = pk.locator(f"#meeting-{meeting.pk}")
    assert "10:00–11:00 Asia/Karachi" in card.locator(".meeting__local").inner_text()

    # The Chinese member sees it on Shanghai's clock, three hours later, and accepts.
    open_page(cn, f"{base}/zh-hans/profiles/interests/{interest.pk}/")
    card = cn.locator(f"#meeting-{meeting.pk}")
    card.wait_for()
    assert "13:00–14:00 Asia/Shanghai" in card.locator(".meeting__local").inner_text()
    assert "10:00–11:00 Asia/Karachi" in card.locator(".meeting__proposer-clock").inner_text()
    with cn.expect_navigation():
        card.locator('form[action$="/accept/"] button').click()
    meeting.refresh_from_db()
    assert meeting.status == "accepted"

    # --- The meeting's time passes (the clock is moved by hand), and both say it was held. --
    past = timezone.now() - datetime.timedelta(days=1)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=past, ends_at=past + datetime.timedelta(hours=1)
    )
    for page, language in ((pk, "ur"), (cn, "zh-hans")):
        open_page(page, f"{base}/{language}/profiles/interests/{interest.pk}/")
        card = page.locator(f"#meeting-{meeting.pk}")
        with page.expect_navigation():
            card.locator('button[name="held"][value="yes"]').click()
        card = page.locator(f"#meeting-{meeting.pk}")
        card.wait_for()
        assert card.get_attribute("data-status") == "accepted"
        assert card.locator('button[name="held"][value="yes"]').get_attribute("aria-pressed") == (
            "true"
        )
    meeting.refresh_from_db()
    assert meeting_outcome(meeting) == HELD

    # Staff read it as held on the interest's page, and the ledger counts one meeting held.
    open_page(staff, f"{base}/en/profiles/interests/{interest.pk}/")
    facts = staff.locator(f"#meeting-{meeting.pk} .facts").inner_text()
    assert re.search(r"Held\?\s+held", facts)
    open_page(staff, f"{base}/en/insights/")
    met = staff.locator('tr[data-stage="met"] td[data-count]')
    assert met.inner_text().strip() == "1"
    stages = {s.code: s.count for s in funnel(LedgerFilters.parse({})).stages}
    assert (stages["interests"], stages["accepted"], stages["introduced"], stages["met"]) == (
        1,
        1,
        1,
        1,
    )
    for page in (pk, cn, staff):
        page.context.close()
