import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from corridor.core.models import AuditEntry
from corridor.docking.models import CooperationProfile, ProfileTranslation
from corridor.docking.services import (
    profile_approve,
    profile_create,
    profile_extend,
    profile_reject,
    profile_submit,
    profile_translation_set,
    profile_update,
    profile_withdraw,
    profiles_expire,
)

Status = CooperationProfile.Status


def _errors(excinfo) -> set[str]:
    return set(excinfo.value.message_dict)


# --- Life cycle -----------------------------------------------------------------


def test_create_makes_a_draft_with_detected_language(draft, org_member, sector):
    assert draft.status == Status.DRAFT
    assert draft.language == "en"
    assert draft.created_by == org_member
    assert list(draft.sectors.all()) == [sector]
    assert AuditEntry.objects.filter(verb="profile.create", object_id=str(draft.pk)).exists()


def test_language_detected_for_chinese_and_urdu(organisation, org_admin):
    zh = profile_create(
        organisation=organisation, by=org_admin, kind="rnd_partner", title="寻找机器人视觉合作伙伴"
    )
    ur = profile_create(
        organisation=organisation,
        by=org_admin,
        kind="business_request",
        title="ٹیکسٹائل مشینری کے لیے شراکت دار",
    )
    assert (zh.language, ur.language) == ("zh-hans", "ur")


def test_full_life_cycle_publish_and_expire(draft, org_member, staff_pk):
    profile_submit(profile=draft, by=org_member)
    assert draft.status == Status.SUBMITTED
    now = timezone.now()
    profile_approve(profile=draft, by=staff_pk, now=now)
    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED
    assert draft.published_at == now
    assert draft.expires_at == now + datetime.timedelta(days=365)

    assert profiles_expire(now=now + datetime.timedelta(days=364)) == 0
    assert profiles_expire(now=now + datetime.timedelta(days=365)) == 1
    draft.refresh_from_db()
    assert draft.status == Status.EXPIRED
    assert profiles_expire(now=now + datetime.timedelta(days=400)) == 0


def test_deadline_brings_expiry_forward(organisation, org_member, staff_pk, profile_fields):
    deadline = timezone.localdate() + datetime.timedelta(days=30)
    profile = profile_create(
        organisation=organisation, by=org_member, deadline=deadline, **profile_fields
    )
    profile_submit(profile=profile, by=org_member)
    profile_approve(profile=profile, by=staff_pk)
    assert timezone.localdate(profile.expires_at) == deadline + datetime.timedelta(days=1)
    assert profile.expires_at < profile.published_at + datetime.timedelta(days=365)


def test_extension_once_by_twelve_months(published, org_admin):
    before = published.expires_at
    profile_extend(profile=published, by=org_admin)
    published.refresh_from_db()
    assert published.extended
    assert published.expires_at == before + relativedelta(months=12)
    with pytest.raises(ValidationError) as e:
        profile_extend(profile=published, by=org_admin)
    assert "extended" in _errors(e)
    published.refresh_from_db()
    assert published.expires_at == before + relativedelta(months=12)


def test_extension_only_when_published(draft, org_admin):
    with pytest.raises(ValidationError):
        profile_extend(profile=draft, by=org_admin)
    draft.refresh_from_db()
    assert not draft.extended


def test_reject_needs_reason_then_edit_and_resubmit(draft, org_member, staff_pk):
    profile_submit(profile=draft, by=org_member)
    with pytest.raises(ValidationError) as e:
        profile_reject(profile=draft, by=staff_pk, reason="   ")
    assert "rejection_reason" in _errors(e)
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED

    profile_reject(profile=draft, by=staff_pk, reason="Say which mills you tested it in.")
    draft.refresh_from_db()
    assert (draft.status, draft.rejection_reason) == (
        Status.REJECTED,
        "Say which mills you tested it in.",
    )
    profile_update(profile=draft, by=org_member, summary="Tested in two Faisalabad mills.")
    profile_submit(profile=draft, by=org_member)
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED
    assert draft.rejection_reason == ""


def test_published_profile_cannot_be_edited(published, org_admin):
    with pytest.raises(ValidationError) as e:
        profile_update(profile=published, by=org_admin, title="Something else entirely")
    assert "status" in _errors(e)
    with pytest.raises(ValidationError) as e:
        profile_translation_set(profile=published, by=org_admin, language="ur", title="روبوٹ")
    assert "status" in _errors(e)
    assert not published.translations.exists()
    published.refresh_from_db()
    assert published.title == "Low-cost robotic arm for textile mills"


@pytest.mark.parametrize("state", ["draft", "submitted", "published"])
def test_withdraw_from_each_open_state(state, draft, org_member, staff_pk):
    if state != "draft":
        profile_submit(profile=draft, by=org_member)
    if state == "published":
        profile_approve(profile=draft, by=staff_pk)
    profile_withdraw(profile=draft, by=org_member)
    draft.refresh_from_db()
    assert draft.status == Status.WITHDRAWN
    with pytest.raises(ValidationError):
        profile_withdraw(profile=draft, by=org_member)


def test_cannot_approve_a_draft_or_submit_twice(draft, org_member, staff_pk):
    with pytest.raises(ValidationError):
        profile_approve(profile=draft, by=staff_pk)
    profile_submit(profile=draft, by=org_member)
    with pytest.raises(ValidationError):
        profile_submit(profile=draft, by=org_member)
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED
    assert draft.published_at is None


def test_translation_set_and_replace(draft, org_member):
    profile_translation_set(
        profile=draft, by=org_member, language="zh-hans", title="纺织厂低成本机械臂"
    )
    profile_translation_set(
        profile=draft, by=org_member, language="zh-hans", title="纺织厂用低成本机械臂"
    )
    assert list(draft.translations.values_list("language", "title")) == [
        ("zh-hans", "纺织厂用低成本机械臂")
    ]
    with pytest.raises(ValidationError) as e:
        profile_translation_set(profile=draft, by=org_member, language="en", title="Same language")
    assert "language" in _errors(e)
    with pytest.raises(ValidationError) as e:
        profile_translation_set(profile=draft, by=org_member, language="ur", title="bad\x00")
    assert "title" in _errors(e)
    with pytest.raises(ValidationError) as e:
        profile_translation_set(profile=draft, by=org_member, language="ur", title="ب" * 257)
    assert "title" in _errors(e)
    assert ProfileTranslation.objects.filter(profile=draft).count() == 1


def test_rewriting_in_a_translated_language_is_refused(draft, org_member):
    profile_translation_set(profile=draft, by=org_member, language="zh-hans", title="纺织厂机械臂")
    with pytest.raises(ValidationError) as e:
        profile_update(
            profile=draft, by=org_member, title="纺织厂低成本机械臂", summary="", description=""
        )
    assert "language" in _errors(e)
    draft.refresh_from_db()
    assert draft.language == "en"
    profile_update(profile=draft, by=org_member, title="Robotic arm for textile mills")
    draft.refresh_from_db()
    assert (draft.language, draft.title) == ("en", "Robotic arm for textile mills")


def test_every_step_is_audited(draft, org_member, org_admin, staff_pk):
    profile_submit(profile=draft, by=org_member)
    profile_approve(profile=draft, by=staff_pk)
    profile_extend(profile=draft, by=org_admin)
    profile_withdraw(profile=draft, by=org_admin)
    entries = AuditEntry.objects.filter(object_type="docking.cooperationprofile")
    assert list(entries.order_by("id").values_list("verb", "actor__username")) == [
        ("profile.create", "org_member"),
        ("profile.submit", "org_member"),
        ("profile.approve", "staff_pk"),
        ("profile.extend", "org_admin"),
        ("profile.withdraw", "org_admin"),
    ]


# --- Permissions ----------------------------------------------------------------


def test_outsider_and_other_org_cannot_create(organisation, outsider, other_member, staff_pk):
    for user in (outsider, other_member, staff_pk):
        with pytest.raises(PermissionDenied):
            profile_create(
                organisation=organisation, by=user, kind="technology_offer", title="Robot arm"
            )
    assert not CooperationProfile.objects.exists()


def test_outsiders_cannot_touch_a_profile(draft, outsider, other_member, org_member):
    for user in (outsider, other_member):
        with pytest.raises(PermissionDenied):
            profile_update(profile=draft, by=user, title="Taken over")
        with pytest.raises(PermissionDenied):
            profile_submit(profile=draft, by=user)
        with pytest.raises(PermissionDenied):
            profile_withdraw(profile=draft, by=user)
        with pytest.raises(PermissionDenied):
            profile_translation_set(profile=draft, by=user, language="ur", title="قبضہ")
    draft.refresh_from_db()
    assert (draft.status, draft.title) == (Status.DRAFT, "Low-cost robotic arm for textile mills")


def test_moderation_by_own_authority_or_platform_admin_only(
    draft, org_member, org_admin, staff_cn, outsider, platform_admin
):
    profile_submit(profile=draft, by=org_member)
    for user in (staff_cn, org_admin, org_member, outsider):
        with pytest.raises(PermissionDenied):
            profile_approve(profile=draft, by=user)
        with pytest.raises(PermissionDenied):
            profile_reject(profile=draft, by=user, reason="No.")
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED
    profile_approve(profile=draft, by=platform_admin)
    assert draft.status == Status.PUBLISHED


def test_staff_of_other_authority_approves_its_own_countrys_profile(
    organisation_cn, other_member, staff_cn, staff_pk
):
    profile = profile_create(
        organisation=organisation_cn, by=other_member, kind="investment_offer", title="天使投资"
    )
    profile_submit(profile=profile, by=other_member)
    with pytest.raises(PermissionDenied):
        profile_approve(profile=profile, by=staff_pk)
    profile_approve(profile=profile, by=staff_cn)
    assert profile.status == Status.PUBLISHED


def test_only_the_organisation_extends(published, outsider, staff_pk):
    for user in (outsider, staff_pk):
        with pytest.raises(PermissionDenied):
            profile_extend(profile=published, by=user)
    published.refresh_from_db()
    assert not published.extended


# --- Bad input ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "Robot\x00arm"}, "title"),
        ({"description": "x\x00"}, "description"),
        ({"title": "x" * 257}, "title"),
        ({"summary": "x" * 501}, "summary"),
        ({"description": "word " * 801}, "description"),
        ({"title": ""}, "title"),
        ({"title": "🤖🤖🦾"}, "title"),
        ({"trl": 0}, "trl"),
        ({"trl": 10}, "trl"),
        ({"trl": "high"}, "trl"),
        ({"modes": ["licence", "piracy"]}, "modes"),
        ({"modes": "licence"}, "modes"),
        ({"keywords": [f"k{i}" for i in range(11)]}, "keywords"),
        ({"keywords": ["x" * 65]}, "keywords"),
        ({"keywords": ["ok", "bad\x00"]}, "keywords"),
        ({"target_countries": ["CN", "XX"]}, "target_countries"),
        ({"kind": "gift"}, "kind"),
        ({"language": "fr"}, "language"),
        ({"deadline": datetime.date(2000, 1, 1)}, "deadline"),
        ({"deadline": "not a date"}, "deadline"),
        ({"deadline": datetime.date(9999, 12, 31)}, "deadline"),
        ({"trl_min": 3, "trl_max": 5}, "trl_min"),
        ({"organisation_id": 1}, "organisation_id"),
        ({"status": "published"}, "status"),
    ],
)
def test_bad_input_on_create_names_the_field_and_saves_nothing(
    fields, field, organisation, org_member, profile_fields
):
    with pytest.raises(ValidationError) as e:
        profile_create(organisation=organisation, by=org_member, **{**profile_fields, **fields})
    assert field in _errors(e)
    assert not CooperationProfile.objects.exists()
    assert not AuditEntry.objects.filter(verb__startswith="profile.").exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"trl": 5}, "trl"),
        ({"trl_min": 0, "trl_max": 4}, "trl_min"),
        ({"trl_min": 7, "trl_max": 3}, "trl_max"),
        ({"trl_max": 12}, "trl_max"),
    ],
)
def test_request_trl_range_rules(fields, field, organisation, org_member):
    with pytest.raises(ValidationError) as e:
        profile_create(
            organisation=organisation,
            by=org_member,
            kind="technology_request",
            title="Looking for solar inverter designs",
            **fields,
        )
    assert field in _errors(e)
    assert not CooperationProfile.objects.exists()


def test_request_with_range_is_accepted(organisation, org_member):
    profile = profile_create(
        organisation=organisation,
        by=org_member,
        kind="technology_request",
        title="Looking for solar inverter designs",
        trl_min=4,
        trl_max=7,
        target_countries=["cn", "pk"],
        keywords=[" solar ", "solar", "inverter"],
    )
    assert (profile.trl_min, profile.trl_max) == (4, 7)
    assert profile.target_countries == ["CN", "PK"]
    assert profile.keywords == ["solar", "inverter"]


def test_unknown_sector_saves_nothing(organisation, org_member, profile_fields, sector):
    with pytest.raises(ValidationError) as e:
        profile_create(
            organisation=organisation,
            by=org_member,
            **{**profile_fields, "sectors": ["robotics", "no-such-sector"]},
        )
    assert "sectors" in _errors(e)
    assert not CooperationProfile.objects.exists()
    profile = profile_create(
        organisation=organisation, by=org_member, **{**profile_fields, "sectors": ["robotics"]}
    )
    assert list(profile.sectors.all()) == [sector]


@pytest.mark.parametrize("title", ["🤖🤖🦾", "Robot\x00arm"])
def test_bad_title_is_the_only_error_reported(title, organisation, org_member):
    with pytest.raises(ValidationError) as e:
        profile_create(organisation=organisation, by=org_member, kind="rnd_partner", title=title)
    assert _errors(e) == {"title"}


def test_bad_update_changes_nothing(draft, org_member, sector):
    with pytest.raises(ValidationError) as e:
        profile_update(profile=draft, by=org_member, title="New title", trl=11, sectors=["nope"])
    assert {"trl", "sectors"} <= _errors(e)
    draft.refresh_from_db()
    assert (draft.title, draft.trl) == ("Low-cost robotic arm for textile mills", 6)
    assert list(draft.sectors.all()) == [sector]
    assert not AuditEntry.objects.filter(verb="profile.update").exists()


def test_bad_rejection_reason_changes_nothing(draft, org_member, staff_pk):
    profile_submit(profile=draft, by=org_member)
    for reason in ("Nope\x00", "x" * 2001):
        with pytest.raises(ValidationError) as e:
            profile_reject(profile=draft, by=staff_pk, reason=reason)
        assert "rejection_reason" in _errors(e)
    draft.refresh_from_db()
    assert (draft.status, draft.rejection_reason) == (Status.SUBMITTED, "")
