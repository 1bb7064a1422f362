"""The pages of the docking pipeline, notifications, insights and events, read in Chinese and
Urdu, show no English interface text (the approach of test_translations.py: the data is
in the reader's languages, so any Latin word left is interface text)."""

import datetime
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from corridor.accounts.forms import COMMON_ZONES
from corridor.accounts.models import AuthorityStaff, OrganisationMembership
from corridor.docking.forms.meetings import CORRIDOR_ZONES, OTHER_ZONES
from corridor.docking.models import CURRENCIES, RevealApproval
from corridor.docking.services import profile_approve, profile_create, profile_submit
from corridor.docking.services.agreements import agreement_record
from corridor.docking.services.interest import interest_accept, interest_send
from corridor.docking.services.introductions import message_post
from corridor.docking.services.meetings import meeting_accept, meeting_propose
from corridor.events import services as events
from corridor.registry.models import Sector

from ..factories import AuthorityFactory, OrganisationFactory, UserFactory, ZoneFactory
from .test_translations import _english_words

LANGUAGES = ["ur", "zh-hans"]
# Codes and names that stay as they are: the time-zone ids offered in the zone menus, file
# formats (".ics" too), currency codes, and brands named in help texts (calendar apps,
# office files, the Mac key).
ZONE_WORDS = set(re.findall(r"[A-Za-z]{3,}", " ".join(CORRIDOR_ZONES + OTHER_ZONES + COMMON_ZONES)))
FORMATS = {"ICS", "ics", "PDF", "CSV", "XLSX", "DOCX", "PPTX", "PNG", "JPEG", "UTF", "YYYY"}
BRANDS = {"Excel", "Word", "PowerPoint", "Apple", "Google", "Outlook", "Mac"}
NAMES = ZONE_WORDS | FORMATS | BRANDS | set(CURRENCIES)
# A web address the data or an example holds (a meeting link, the video-link pattern).
ADDRESS = {"https", "meet", "example", "org"}
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def _person(username, first, last, org=None, role="member", language="zh-hans"):
    user = UserFactory(
        username=username, first_name=first, last_name=last, email="", language=language
    )
    if org is not None:
        OrganisationMembership.objects.create(user=user, organisation=org, role=role)
    return user


@pytest.fixture
def world(db, django_capture_on_commit_callbacks):
    """A Pakistani and a Chinese authority, zone and organisation, named in zh and ur."""
    stza = AuthorityFactory(
        code="stza", name_en="Special Technology Zones Authority", country="PK",
        name_zh_hans="巴基斯坦特别技术区管理局", name_ur="خصوصی ٹیکنالوجی زونز اتھارٹی",
        reveal_needs_approval=True,
    )  # fmt: skip
    zpark = AuthorityFactory(
        code="zpark", name_en="Zhongguancun Science Park", country="CN",
        name_zh_hans="中关村管委会", name_ur="ژونگ گوان چون اتھارٹی",
    )  # fmt: skip
    zone_pk = ZoneFactory(
        slug="islamabad", name_en="Islamabad STZ", name_zh_hans="伊斯兰堡特别技术区",
        name_ur="اسلام آباد خصوصی ٹیکنالوجی زون", authority=stza, country="PK",
    )  # fmt: skip
    zone_cn = ZoneFactory(
        slug="z-park", kind="science_park", name_en="Zhongguancun Science Park",
        name_zh_hans="中关村科技园区", name_ur="ژونگ گوان چون سائنس پارک", authority=zpark,
        country="CN",
    )  # fmt: skip
    sector = Sector.objects.get(code="robotics")
    owner = OrganisationFactory(
        slug="indus", name="印度河机器人", name_zh_hans="印度河机器人", name_ur="انڈس روبوٹکس",
        country="PK", zone=zone_pk, city="", sectors=[sector],
    )  # fmt: skip
    sender = OrganisationFactory(
        slug="xingxin", name="星芯机器人", name_zh_hans="星芯机器人", name_ur="شنگ شن روبوٹکس",
        country="CN", zone=zone_cn, city="", sectors=[sector],
    )  # fmt: skip
    w = type("World", (), {})()
    w.sector, w.owner_org, w.sender_org = sector, owner, sender
    w.owner = _person("阿伊莎", "阿伊莎", "汗", owner, "admin", language="ur")
    w.sender = _person("李伟", "伟", "李", sender, "admin")
    w.staff_pk = _person("工作人员", "萨娜", "阿里", language="ur")
    AuthorityStaff.objects.create(user=w.staff_pk, authority=stza)
    w.staff_cn = _person("中关村员工", "王", "芳")
    AuthorityStaff.objects.create(user=w.staff_cn, authority=zpark)
    w.stza, w.zpark = stza, zpark
    with django_capture_on_commit_callbacks(execute=True):
        w.profile = profile_create(
            organisation=owner, by=w.owner, kind="technology_offer",
            title="六轴弧焊机器人工作站", summary="带激光焊缝跟踪，适用于汽车零部件。",
            keywords=["机器人"], trl=7, modes=["licence"], target_countries=["CN"],
            sectors=["robotics"],
        )  # fmt: skip
        profile_submit(profile=w.profile, by=w.owner)
        profile_approve(profile=w.profile, by=w.staff_pk)
    return w


def _check(found: dict, client, urls, also) -> None:
    """Add to ``found`` what each of ``urls`` shows in English to the signed-in user."""
    user = client.session.get("_auth_user_id")
    for url, words in _english_words(client, urls, also=also).items():
        found[f"{user} {url}"] = words


def _reverse(name, **kwargs):
    return reverse(name, kwargs=kwargs or None)


@pytest.mark.parametrize("language", LANGUAGES)
def test_docking_pipeline_pages_show_no_english_interface_text(
    client, world, language, django_capture_on_commit_callbacks
):
    w, found = world, {}
    with django_capture_on_commit_callbacks(execute=True):
        interest = interest_send(
            profile=w.profile, organisation=w.sender_org, by=w.sender,
            message="我们想获得贵方焊接机器人的许可。", language="zh-hans",
        )  # fmt: skip
    with translation.override(language):
        before = {
            "inbox": [
                _reverse("docking:introductions"),
                _reverse("docking:introductions") + "?box=sent",
            ],
            "detail": [_reverse("docking:interest_detail", pk=interest.pk)],
        }
    client.force_login(w.owner)
    _check(found, client, before["inbox"] + before["detail"], NAMES)
    client.force_login(w.sender)
    _check(found, client, before["inbox"] + before["detail"], NAMES)

    # A second profile the sender has not approached yet: the send-interest form.
    with django_capture_on_commit_callbacks(execute=True):
        second = profile_create(
            organisation=w.owner_org, by=w.owner, kind="technology_request",
            title="纺织机械臂", summary="寻求纺织厂用的机械臂。", keywords=["纺织"], trl_min=4, trl_max=6,
            modes=["licence"], target_countries=["CN"], sectors=["robotics"],
        )  # fmt: skip
        profile_submit(profile=second, by=w.owner)
        profile_approve(profile=second, by=w.staff_pk)
    with translation.override(language):
        create = _reverse("docking:interest_create", pk=second.pk)
    _check(found, client, [create], NAMES)

    # Accepted: the Pakistani authority must approve the reveal.
    with django_capture_on_commit_callbacks(execute=True):
        interest_accept(interest=interest, by=w.owner)
    with translation.override(language):
        approvals = _reverse("docking:reveal_approvals")
    client.force_login(w.staff_pk)
    _check(found, client, [approvals] + before["detail"], NAMES)
    client.force_login(w.owner)
    _check(found, client, before["detail"], NAMES)

    from corridor.docking.services.interest import reveal_approve

    with django_capture_on_commit_callbacks(execute=True):
        reveal_approve(approval=RevealApproval.objects.get(interest=interest), by=w.staff_pk)
        interest.refresh_from_db()
        message_post(interest=interest, by=w.owner, body="欢迎，我们下周可以开会。")
        start = timezone.now() + datetime.timedelta(days=3)
        meeting_propose(
            interest=interest, by=w.owner, starts_at=start, duration_minutes=60,
            timezone="Asia/Karachi", format="online", link="https://meet.example.org/a",
            agenda="许可条款",
        )  # fmt: skip
        accepted = meeting_propose(
            interest=interest, by=w.sender, starts_at=start + datetime.timedelta(days=1),
            duration_minutes=45, timezone="Asia/Shanghai", format="in_person",
            place="北京中关村", agenda="参观工厂",
        )  # fmt: skip
        meeting_accept(meeting=accepted, by=w.owner)
        agreement = agreement_record(
            by=w.owner, kind="licence", title="焊接机器人许可协议",
            signed_on=timezone.localdate() - datetime.timedelta(days=1),
            parties=[w.owner_org, w.sender_org], sectors=["robotics"], value="250000.00",
            currency="USD", interest=interest, meetings=[accepted.pk],
        )  # fmt: skip
    with translation.override(language):
        after = [
            _reverse("docking:interest_detail", pk=interest.pk),
            _reverse("docking:introductions"),
            _reverse("docking:agreement_list"),
            _reverse("docking:agreement_detail", pk=agreement.pk),
            _reverse("docking:agreement_edit", pk=agreement.pk),
            _reverse("docking:interest_agreement_create", pk=interest.pk),
        ]
        notifications = _reverse("accounts:notifications")
    also = NAMES | ADDRESS  # the meeting's link
    client.force_login(w.owner)
    _check(found, client, after + [notifications], also)
    client.force_login(w.sender)
    _check(found, client, after + [notifications], also)
    client.force_login(w.staff_pk)
    with translation.override(language):
        staff_pages = [
            _reverse("docking:agreement_list"),
            _reverse("docking:agreement_create"),
            _reverse("docking:interest_detail", pk=interest.pk),
            notifications,
        ]
    _check(found, client, staff_pages, also)
    assert found == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_insights_dashboard_shows_no_english_interface_text(client, world, language):
    with translation.override(language):
        dashboard = _reverse("insights:dashboard")
    urls = [
        dashboard,
        dashboard + "?from=2024-01-01&to=2024-12-31&pair=CN-PK",
        dashboard + "?from=nonsense&to=2024-13-45&sector=x1.y2&pair=XX-YY",
        dashboard + "?from=2025-12-31&to=2024-01-01",
    ]
    client.force_login(world.staff_pk)
    found = {}
    _check(found, client, urls, NAMES)
    assert found == {}


def _local(day, hour, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=SHANGHAI)


@pytest.mark.parametrize("language", LANGUAGES)
def test_event_pages_show_no_english_interface_text(
    client, world, language, django_capture_on_commit_callbacks
):
    w, found = world, {}
    first = timezone.localdate() + datetime.timedelta(days=30)
    with django_capture_on_commit_callbacks(execute=True):
        event = events.event_create(
            by=w.staff_cn, authority=w.zpark, slug="zb-2025", title_en="Robotics forum",
            title_zh_hans="中巴机器人论坛", title_ur="پاکستان چین روبوٹکس فورم",
            description="两天的一对一洽谈。", format="hybrid", time_zone="Asia/Shanghai",
            starts_on=first, ends_on=first + datetime.timedelta(days=1), venue="中关村展示中心",
            registration_opens_at=timezone.now() - datetime.timedelta(days=1),
            registration_closes_at=_local(first, 0) - datetime.timedelta(days=2),
        )  # fmt: skip
        am = events.session_add(
            event=event, by=w.staff_cn, name="上午场", starts_at=_local(first, 9),
            ends_at=_local(first, 12), slot_minutes=20, tables=4, location="甲厅",
            breaks=[(_local(first, 10, 20), _local(first, 10, 40), "茶歇")],
        )  # fmt: skip
        event = events.event_publish(event=event, by=w.staff_cn)
        reg_pk = events.registration_create(event=event, organisation=w.owner_org, by=w.owner)
        events.registration_approve(registration=reg_pk, by=w.staff_cn)
        reg_cn = events.registration_create(event=event, organisation=w.sender_org, by=w.sender)
        events.registration_approve(registration=reg_cn, by=w.staff_cn)
        p_pk = events.participant_add(registration=reg_pk, user=w.owner, by=w.owner, sessions=[am])
        p_cn = events.participant_add(
            registration=reg_cn, user=w.sender, by=w.sender, sessions=[am]
        )
        request = events.request_send(requester=p_pk, recipient=p_cn, by=w.owner, message="见面？")
        events.request_accept(request=request, by=w.sender)
        events.schedule_run(event=event, by=w.staff_cn, publish=True, time_limit=5)
    with translation.override(language):
        pages = [
            _reverse("events:event_list"),
            _reverse("events:event_detail", slug=event.slug),
            _reverse("events:participation", slug=event.slug),
            _reverse("events:participants", slug=event.slug),
            _reverse("events:requests", slug=event.slug),
            _reverse("events:agenda", slug=event.slug),
        ]
        organiser_pages = [
            _reverse("events:event_detail", slug=event.slug),
            _reverse("events:registrations", slug=event.slug),
            _reverse("events:schedule", slug=event.slug),
            _reverse("events:master_schedule", slug=event.slug),
            _reverse("events:event_edit", slug=event.slug),
        ]
        sessions = _reverse("events:session_list", slug=event.slug)
        register = _reverse("events:register", slug=event.slug)
        notifications = _reverse("accounts:notifications")
    client.force_login(w.owner)
    _check(found, client, pages + [notifications], NAMES)
    client.force_login(w.sender)
    _check(found, client, pages, NAMES)
    client.force_login(w.staff_cn)
    # Help texts show an example address ("pk-cn-ai-forum") and, for the video-link
    # pattern, an example link with its {table} and {slot} placeholders.
    _check(found, client, organiser_pages + [notifications], NAMES | {"forum"})
    _check(found, client, [sessions], NAMES | ADDRESS | {"forum", "table", "slot"})
    # Someone of a third organisation, not yet registered: the registration form.
    third = OrganisationFactory(
        slug="feiyue", name="飞跃科技", name_zh_hans="飞跃科技", name_ur="فیئی یوئے ٹیکنالوجی",
        country="CN", city="",
    )  # fmt: skip
    newcomer = _person("新人", "新", "人", third, "admin")
    client.force_login(newcomer)
    _check(found, client, [register, pages[0], pages[1]], NAMES)
    assert found == {}
