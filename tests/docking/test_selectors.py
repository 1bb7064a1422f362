import datetime
import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from corridor.docking.selectors import moderation_queue, profiles_visible_to, public_profile_view
from corridor.docking.services import (
    profile_approve,
    profile_create,
    profile_submit,
    profile_translation_set,
    profile_update,
)
from corridor.registry.models import Organisation


@pytest.fixture
def identifiable(organisation, org_member):
    """Give the organisation every identifying field a leak could carry."""
    Organisation.objects.filter(pk=organisation.pk).update(
        name="Indus Robotics",
        name_en="Indus Robotics Private Limited",
        name_zh_hans="印度河机器人",
        name_ur="انڈس روبوٹکس",
        website="https://indus-robotics.example.pk",
        city="Rawalpindi",
        ror_id="02v51f717",
        registration_number="SECP-0098765",
    )
    org_member.email = "ayesha.khan@indus-robotics.example.pk"
    org_member.save(update_fields=["email"])
    organisation.refresh_from_db()
    return organisation


def _ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


def test_visibility_per_role(
    draft, published, organisation, org_member, outsider, other_member, staff_pk, staff_cn,
    platform_admin, profile_fields,
):  # fmt: skip
    # `published` is `draft` moved on; add a fresh draft and a submitted one.
    own_draft = profile_create(organisation=organisation, by=org_member, **profile_fields)
    queued = profile_create(organisation=organisation, by=org_member, **profile_fields)
    profile_submit(profile=queued, by=org_member)

    everyone = {published.pk}
    assert _ids(profiles_visible_to(AnonymousUser())) == everyone
    assert _ids(profiles_visible_to(outsider)) == everyone
    assert _ids(profiles_visible_to(other_member)) == everyone
    assert _ids(profiles_visible_to(staff_cn)) == everyone
    assert _ids(profiles_visible_to(org_member)) == {published.pk, own_draft.pk, queued.pk}
    assert _ids(profiles_visible_to(staff_pk)) == {published.pk, queued.pk}
    assert _ids(profiles_visible_to(platform_admin)) == {published.pk, own_draft.pk, queued.pk}

    assert _ids(moderation_queue(staff_pk)) == {queued.pk}
    assert _ids(moderation_queue(platform_admin)) == {queued.pk}
    assert _ids(moderation_queue(staff_cn)) == set()
    assert _ids(moderation_queue(org_member)) == set()


def test_profile_past_expiry_is_hidden_before_the_expiry_job(published, outsider):
    published.expires_at = timezone.now() - datetime.timedelta(seconds=1)
    published.save(update_fields=["expires_at"])
    assert not profiles_visible_to(outsider).exists()


def test_anonymous_view_leaks_nothing_identifying(
    identifiable, published, org_member, outsider, other_member, staff_cn
):
    leaks = [
        identifiable.name,
        identifiable.name_en,
        identifiable.name_zh_hans,
        identifiable.name_ur,
        identifiable.slug,
        identifiable.website,
        "indus-robotics.example.pk",
        identifiable.city,
        identifiable.ror_id,
        identifiable.registration_number,
        org_member.username,
        org_member.email,
    ]
    for viewer in (AnonymousUser(), outsider, other_member, staff_cn):
        view = public_profile_view(published, viewer)
        text = json.dumps(view.to_dict(), ensure_ascii=False)
        assert view.organisation is None
        for secret in leaks:
            assert secret not in text, (viewer, secret)
        # The profile's own key is its address; no other id (the organisation's) is there.
        assert view.id == published.pk and text.count('"id"') == 1
        assert "organisation_id" not in text
        # What a reader needs is there.
        assert view.title == published.title
        assert view.country == "PK"
        assert view.trl == 6 and view.modes == ["licence", "joint_venture"]
        assert view.reference.startswith("CP-")


def test_identity_shown_to_own_organisation_its_authority_and_admins(
    identifiable, published, org_member, org_admin, staff_pk, platform_admin
):
    for viewer in (org_member, org_admin, staff_pk, platform_admin):
        view = public_profile_view(published, viewer)
        assert view.organisation is not None
        assert view.organisation.name == "Indus Robotics"


def test_named_profile_shows_identity_to_everyone(
    identifiable, organisation, org_member, staff_pk, outsider, profile_fields
):
    profile = profile_create(
        organisation=organisation, by=org_member, is_anonymous=False, **profile_fields
    )
    profile_submit(profile=profile, by=org_member)
    profile_approve(profile=profile, by=staff_pk)
    view = public_profile_view(profile, outsider)
    assert view.organisation.slug == identifiable.slug


def test_translations_in_anonymous_view(draft, org_member, staff_pk, outsider, identifiable):
    profile_translation_set(profile=draft, by=org_member, language="ur", title="سستا روبوٹ بازو")
    profile_update(profile=draft, by=org_member, summary="Six axes.")
    profile_submit(profile=draft, by=org_member)
    profile_approve(profile=draft, by=staff_pk)
    view = public_profile_view(draft, outsider)
    assert [(t.language, t.title) for t in view.translations] == [("ur", "سستا روبوٹ بازو")]
    assert identifiable.name_ur not in json.dumps(view.to_dict(), ensure_ascii=False)


def test_unpublished_profile_is_not_viewable_by_others(draft, outsider, staff_cn, org_member):
    for viewer in (AnonymousUser(), outsider, staff_cn):
        with pytest.raises(PermissionDenied):
            public_profile_view(draft, viewer)
    assert public_profile_view(draft, org_member).status == "draft"


def test_moderators_are_told_when_an_anonymous_profile_names_its_organisation(
    organisation, org_member, profile_fields
):
    from corridor.docking.selectors import identity_mentions
    from corridor.docking.services import profile_create

    organisation.name_zh_hans = "印度河机器人"
    organisation.website = "https://www.indus-robotics.pk/about"
    organisation.save()
    fields = dict(profile_fields, description="Write to sales@indus-robotics.pk today.")
    profile = profile_create(organisation=organisation, by=org_member, **fields)
    assert identity_mentions(profile) == ["indus-robotics", "indus-robotics.pk"]
    profile.summary = "印度河机器人的六轴机械臂"
    assert "印度河机器人" in identity_mentions(profile)
    profile.is_anonymous = False
    assert identity_mentions(profile) == []
    clean = profile_create(organisation=organisation, by=org_member, **profile_fields)
    assert identity_mentions(clean) == []


def test_profiles_of_user_are_their_organisations_in_every_state(
    draft, published, org_member, other_member, outsider
):
    from django.contrib.auth.models import AnonymousUser

    from corridor.docking.selectors import profiles_of_user

    assert set(profiles_of_user(org_member)) == {draft}  # `published` is `draft`, now published
    assert list(profiles_of_user(other_member)) == []
    assert list(profiles_of_user(outsider)) == []
    assert list(profiles_of_user(AnonymousUser())) == []
