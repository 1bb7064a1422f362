"""``corridor demo``: the demo cooperation profiles, their life cycle, and their matches."""

import json
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError
from django.utils import timezone

import corridor.matching
from corridor.accounts.models import OrganisationMembership
from corridor.core.models import AuditEntry
from corridor.docking.demo import loader
from corridor.docking.matching import profile_matches
from corridor.docking.models import CooperationProfile, ProfileTranslation
from corridor.docking.selectors import moderation_queue, profiles_visible_to, published_q
from corridor.matching.models import EmbeddingVector
from corridor.registry.models import Organisation

from ..conftest import run_demo

Status = CooperationProfile.Status
EVAL_FILE = Path(corridor.matching.__file__).parent / "data" / "eval_profiles.jsonl"
TOP_LEVEL = {"semiconductors", "cloud", "ai", "robotics", "fintech", "blockchain", "biotech"}


def user(username):
    return get_user_model().objects.get(username=username)


def published():
    return CooperationProfile.objects.filter(published_q())


def demo_profiles() -> dict[str, CooperationProfile]:
    """The demo data's profiles by their key, as the database holds them."""
    profiles = {}
    for row in loader.read_rows():
        profiles[row["key"]] = CooperationProfile.objects.select_related("organisation").get(
            organisation__slug=row["organisation"], title=row["title"]
        )
    return profiles


def member_of(organisation):
    return (
        OrganisationMembership.objects.filter(organisation=organisation).order_by("pk").first().user
    )


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            CooperationProfile,
            ProfileTranslation,
            CooperationProfile.sectors.through,
            AuditEntry,
            get_user_model(),
            OrganisationMembership,
            EmbeddingVector,
        )
    }


# --- What is loaded ---------------------------------------------------------------


def test_at_least_ten_published_profiles_in_each_language(demo, db):
    for language in ("en", "zh-hans", "ur"):
        assert published().filter(language=language).count() >= 10, language
    assert 40 <= published().count() <= 60


def test_every_kind_and_every_top_level_sector_is_published(demo, db):
    assert set(published().values_list("kind", flat=True)) == set(CooperationProfile.Kind.values)
    codes = CooperationProfile.sectors.through.objects.filter(
        cooperationprofile__in=published()
    ).values_list("sector__code", flat=True)
    assert {code.split(".")[0] for code in codes} == TOP_LEVEL


def test_urdu_profiles_are_pakistani_and_chinese_ones_chinese(demo, db):
    for profile in CooperationProfile.objects.select_related("organisation"):
        organisation = profile.organisation
        assert organisation.is_demo, profile.title
        if profile.language == "ur":
            assert str(organisation.country) == "PK", profile.title
        if profile.language == "zh-hans":
            assert str(organisation.country) == "CN", profile.title
    # English is written on both sides.
    countries = published().filter(language="en").values_list("organisation__country", flat=True)
    assert set(countries) == {"PK", "CN"}


def test_several_profiles_carry_their_authors_translations(demo, db):
    translations = list(ProfileTranslation.objects.select_related("profile"))
    assert len(translations) >= 5
    assert {t.language for t in translations} == {"en", "zh-hans", "ur"}
    for translation in translations:
        assert translation.language != translation.profile.language
        assert translation.title and translation.summary
    assert all(t.profile.status == Status.PUBLISHED for t in translations)


def test_publication_dates_spread_over_the_last_months(demo, db):
    now = timezone.now()
    dates = sorted(published().values_list("published_at", flat=True))
    assert dates[0] >= now - timezone.timedelta(days=200)
    assert dates[-1] <= now
    assert (dates[-1] - dates[0]).days >= 120
    assert len({d.date() for d in dates}) == len(dates)  # no two on the same day
    # None is near its end: a year after publishing, or its deadline.
    assert min(published().values_list("expires_at", flat=True)) > now + timezone.timedelta(
        days=100
    )


def test_most_profiles_are_anonymous_some_public(demo, db):
    anonymous = published().filter(is_anonymous=True).count()
    public = published().filter(is_anonymous=False).count()
    assert anonymous > 3 * public > 0


def test_every_published_profile_is_indexed_for_matching(demo, db):
    assert published().exists()
    assert not published().filter(needs_indexing=True).exists()
    assert not CooperationProfile.objects.exclude(index_error="").exists()
    assert EmbeddingVector.objects.exists()
    n = sum(row["status"] == Status.PUBLISHED for row in loader.read_rows())
    assert f"Published demo profiles: {n}; indexed for matching now: {n} in" in demo


# --- Life cycle, through the services -----------------------------------------------


def test_the_pakistani_demo_logins_have_a_draft_and_a_submitted_profile(demo, db):
    indus = Organisation.objects.get(slug="indus-robotics")
    mine = profiles_visible_to(user("member.pk")).filter(organisation=indus)
    draft = mine.get(status=Status.DRAFT)
    submitted = mine.get(status=Status.SUBMITTED)
    assert (draft.created_by.username, draft.language) == ("member.pk", "ur")
    assert submitted.created_by.username == "orgadmin.pk"
    assert submitted.pk in profiles_visible_to(user("orgadmin.pk")).values_list("pk", flat=True)
    # Outsiders see neither.
    hidden = profiles_visible_to(user("applicant")).filter(pk__in=[draft.pk, submitted.pk])
    assert not hidden.exists()


def test_the_submitted_profile_waits_in_the_pakistani_staffs_queue_only(demo, db):
    submitted = CooperationProfile.objects.get(status=Status.SUBMITTED)
    assert list(moderation_queue(user("staff.stza"))) == [submitted]
    assert not moderation_queue(user("staff.zgc")).exists()
    assert submitted.pk in moderation_queue(user("admin")).values_list("pk", flat=True)


def test_the_chinese_demo_login_sees_its_rejected_profile_and_the_reason(demo, db):
    rejected = CooperationProfile.objects.get(status=Status.REJECTED)
    assert rejected.organisation.slug == "xingxin-microelectronics"
    assert rejected.rejection_reason.strip()
    assert rejected.created_by.username == "orgadmin.cn"
    assert profiles_visible_to(user("orgadmin.cn")).filter(pk=rejected.pk).exists()
    assert not profiles_visible_to(user("member.pk")).filter(pk=rejected.pk).exists()
    reject = AuditEntry.objects.get(verb="profile.reject", object_id=str(rejected.pk))
    assert reject.actor.username == "staff.zgc"
    assert reject.data == {"reason": rejected.rejection_reason}


def test_the_demo_logins_organisations_have_published_profiles_too(demo, db):
    for slug in ("indus-robotics", "xingxin-microelectronics"):
        assert published().filter(organisation__slug=slug).exists(), slug


def test_each_step_is_in_the_audit_log_by_the_right_person(demo, db):
    moderators = {"PK": "staff.stza", "CN": "staff.zgc"}
    for profile in published().select_related("organisation", "created_by"):
        entries = dict(
            AuditEntry.objects.filter(
                object_type="docking.cooperationprofile", object_id=str(profile.pk)
            ).values_list("verb", "actor__username")
        )
        author = profile.created_by.username
        moderator = moderators[str(profile.organisation.country)]
        assert entries["profile.create"] == author
        assert entries["profile.submit"] == author
        assert entries["profile.approve"] == moderator
        if profile.translations.exists():
            assert entries["profile.translation_set"] == author


def test_authors_are_members_of_their_organisation_who_cannot_sign_in(demo, db, client):
    authors = get_user_model().objects.filter(username__startswith=loader.AUTHOR_PREFIX)
    assert authors.count() >= 30
    for author in authors:
        assert not author.has_usable_password()
        assert not author.match_digest
        [membership] = author.memberships.all()
        assert membership.role == OrganisationMembership.Role.MEMBER
        assert author.username == loader.AUTHOR_PREFIX + membership.organisation.slug
        added = AuditEntry.objects.get(
            verb="organisation.member_add", data__user=author.pk, actor__isnull=False
        )
        assert added.actor.username in ("staff.stza", "staff.zgc")
    assert not client.login(username=authors[0].username, password="corridor-demo")


# --- Running again --------------------------------------------------------------------


def test_running_twice_changes_nothing(demo, db):
    before = counts()
    stamps = dict(CooperationProfile.objects.values_list("pk", "updated_at"))
    output = run_demo()
    assert counts() == before
    assert dict(CooperationProfile.objects.values_list("pk", "updated_at")) == stamps
    assert "The demo cooperation profiles were already loaded: nothing changed." in output
    assert "indexed for matching now: 0 in" in output


def test_a_demo_profile_changed_by_its_people_is_left_as_it_is(demo, db):
    from corridor.docking.services import profile_withdraw

    profile = demo_profiles()["p069"]
    profile_withdraw(profile=profile, by=member_of(profile.organisation))
    before = counts()
    run_demo()
    assert counts() == before
    profile.refresh_from_db()
    assert profile.status == Status.WITHDRAWN


@pytest.mark.parametrize(
    ("change", "reported"),
    [
        ({"sectors": ["ai.telepathy"]}, "sectors"),
        ({"organisation": "atlantis-robotics"}, "atlantis-robotics"),
        ({"status": "expired"}, "status"),
        ({"trl": 12}, "trl"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_broken_profile_data_is_reported_and_writes_nothing(
    demo, db, tmp_path, monkeypatch, change, reported
):
    rows = loader.read_rows()
    rows[0] = {**rows[0], "title": "A new profile that must not stay"}
    rows[-1] = {**rows[-1], "title": "Changed so that it is created again", **change}
    path = tmp_path / "profiles.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(loader, "DATA_FILE", path)
    before = counts()

    with pytest.raises(CommandError, match=reported):
        run_demo()
    assert counts() == before
    assert not CooperationProfile.objects.filter(title=rows[0]["title"]).exists()


# --- Matches ----------------------------------------------------------------------------


def test_good_partners_in_another_language_are_in_the_top_three(demo, db):
    """The labelled set's good partners, both in the demo, find each other across languages."""
    with open(EVAL_FILE, encoding="utf-8") as handle:
        relevant = {row["id"]: row["relevant"] for row in map(json.loads, handle)}
    profiles = demo_profiles()
    by_eval = {
        row["eval_id"]: profiles[row["key"]] for row in loader.read_rows() if row.get("eval_id")
    }
    key_of = {p.reference: eval_id for eval_id, p in by_eval.items()}
    checked, misses = 0, []
    for eval_id, profile in by_eval.items():
        partners = {
            p for p in relevant[eval_id] if p in by_eval and by_eval[p].language != profile.language
        }
        if not partners or profile.status != Status.PUBLISHED:
            continue
        results = profile_matches(profile=profile, viewer=member_of(profile.organisation), k=3)
        top = [key_of.get(r.profile.reference) for r in results]
        checked += 1
        if not partners & set(top):
            misses.append((eval_id, sorted(partners), top))
    assert checked >= 40
    assert misses == []


def _identifiers(organisation) -> list[str]:
    values = [
        organisation.name,
        organisation.name_en,
        organisation.name_zh_hans,
        organisation.name_ur,
        organisation.slug,
        organisation.website,
        *organisation.memberships.values_list("user__username", flat=True),
        *organisation.memberships.values_list("user__email", flat=True),
    ]
    return [v for v in values if v]


@pytest.mark.parametrize("key", ["p076", "p001", "p053", "p067", "p143", "p002", "p096"])
def test_matches_and_their_explanations_name_no_organisation_of_an_anonymous_profile(demo, db, key):
    from corridor.docking.models import Interest

    profile = demo_profiles()[key]
    results = profile_matches(profile=profile, viewer=member_of(profile.organisation), k=10)
    assert len(results) == 10
    # The demo's pipeline introduced some organisations to each other: those know whom.
    introduced = set(
        Interest.objects.filter(organisation=profile.organisation, reveal="revealed").values_list(
            "profile_id", flat=True
        )
    )
    by_reference = {
        p.reference: p
        for p in CooperationProfile.objects.select_related("organisation").filter(
            pk__in=[int(r.profile.reference[3:]) for r in results]
        )
    }
    for result in results:
        candidate = by_reference[result.profile.reference]
        assert candidate.organisation_id != profile.organisation_id
        if candidate.is_anonymous and candidate.pk not in introduced:
            assert result.profile.organisation is None
            text = json.dumps(result.to_dict(), ensure_ascii=False)
            for value in _identifiers(candidate.organisation):
                assert value not in text, (result.profile.reference, value)
        else:
            assert result.profile.organisation.slug == candidate.organisation.slug
    assert any(by_reference[r.profile.reference].is_anonymous for r in results)
