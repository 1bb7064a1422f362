"""The cooperation profile pages: browse, read with matches, write, translate, moderate.

Every page per role (visitor, outsider, member, admin, the other side's member, staff of
each side, platform admin), bad input, and the anonymous view: nothing that names the
organisation reaches someone who may not know it.
"""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from corridor.core.models import AuditEntry
from corridor.docking.forms import split_keywords
from corridor.docking.models import CooperationProfile, ProfileTranslation
from corridor.docking.services import (
    profile_create,
    profile_reject,
    profile_submit,
    profile_translation_set,
    profile_withdraw,
)

from ..factories import OrganisationFactory, SectorFactory

pytestmark = pytest.mark.django_db

Status = CooperationProfile.Status


def url(name, lang="en", **kwargs):
    with translation.override(lang):
        return reverse(f"docking:{name}", kwargs=kwargs or None)


def html(response) -> str:
    return response.content.decode()


def references(response) -> list[str]:
    return re.findall(r'<li class="card profile-item" data-reference="([^"]+)"', html(response))


def match_references(response) -> list[str]:
    return re.findall(r'<li class="card match" data-reference="([^"]+)"', html(response))


def as_user(client, request, who):
    if who != "visitor":
        client.force_login(request.getfixturevalue(who))
    return client


@pytest.fixture
def organisation_details(organisation):
    """Everything that names the Pakistani organisation, to look for in pages."""
    organisation.website = "https://indus-robotics.example.pk"
    organisation.city = "Rawalpindi"
    organisation.save()
    return organisation


@pytest.fixture
def pair(draft, cn_request, org_member, other_member, publish):
    """The Pakistani offer and the Chinese request, both published and indexed."""
    publish(draft, by=org_member)
    publish(cn_request, by=other_member)
    return draft, cn_request


def secrets_of(organisation, *users) -> list[str]:
    found = [organisation.name, organisation.slug, organisation.city, organisation.website]
    found += [organisation.website.split("//")[1]] if organisation.website else []
    for user in users:
        found += [user.username, user.email]
    return [s for s in found if s]


# --- Browse -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["visitor", "outsider", "org_member", "other_member", "staff_cn"])
def test_browse_lists_published_profiles_for_everyone(client, request, who, pair):
    offer, cn_req = pair
    as_user(client, request, who)
    response = client.get(url("profile_list"))
    assert response.status_code == 200
    assert set(references(response)) == {offer.reference, cn_req.reference}


def test_browse_hides_drafts_submitted_rejected_and_withdrawn(
    client, draft, cn_request, cn_unrelated, org_member, other_member, staff_cn, publish
):
    publish(cn_unrelated, by=other_member)
    profile_submit(profile=cn_request, by=other_member)
    client.force_login(org_member)  # even the authors do not see their draft in the browser
    assert references(client.get(url("profile_list"))) == [cn_unrelated.reference]
    profile_reject(profile=cn_request, by=staff_cn, reason="Too vague.")
    profile_withdraw(profile=cn_unrelated, by=other_member)
    assert references(client.get(url("profile_list"))) == []


def test_browse_item_shows_the_facts_in_words(client, pair):
    offer, _ = pair
    page = html(client.get(url("profile_list")))
    item = page[page.index(f'data-reference="{offer.reference}"') :]
    item = item[: item.index("</li>\n")]
    for expected in (
        offer.reference,
        "technology offer",
        "Low-cost robotic arm for textile mills",
        "A six-axis arm that sorts fabric rolls.",
        "Robotics",
        "licence",
        "joint venture",
        "Pakistan",
        "TRL 6",
        "published",
    ):
        assert expected in item, expected
    assert 'lang="en" dir="auto"' in item


def test_browse_shows_the_authors_translation_in_the_readers_language(
    client, draft, org_member, publish
):
    profile_translation_set(
        profile=draft, by=org_member, language="zh-hans", title="纺织厂用低成本机械臂",
        summary="一种分拣布卷的六轴机械臂。",
    )  # fmt: skip
    publish(draft, by=org_member)
    chinese = html(client.get(url("profile_list", "zh-hans")))
    assert "纺织厂用低成本机械臂" in chinese and 'lang="zh-hans" dir="auto"' in chinese
    assert "Low-cost robotic arm" not in chinese
    urdu = html(client.get(url("profile_list", "ur")))  # no Urdu version: the original
    assert "Low-cost robotic arm for textile mills" in urdu and 'lang="en" dir="auto"' in urdu
    assert '<html lang="ur" dir="rtl">' in urdu


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=technology_request", {"request"}),
        ("kind=technology_offer", {"offer"}),
        ("country=CN", {"request", "unrelated"}),
        ("country=pk", {"offer"}),
        ("language=zh-hans", {"request", "unrelated"}),
        ("mode=investment", {"unrelated"}),
        ("trl=6", {"offer", "request"}),
        ("trl=3", set()),
        ("sector=robotics", {"offer", "request"}),
        ("sector=robotics.arms", {"offer"}),
        ("kind=&sector=&country=&language=&mode=&trl=&q=", {"offer", "request", "unrelated"}),
    ],
)
def test_browse_filters(client, pair, cn_unrelated, other_member, publish, sector, query, expected):
    child = SectorFactory(code="robotics.arms", name_en="Robot arms", parent=sector)
    offer, cn_req = pair
    offer.sectors.add(child)
    publish(cn_unrelated, by=other_member)
    names = {offer.reference: "offer", cn_req.reference: "request"}
    names[cn_unrelated.reference] = "unrelated"
    response = client.get(url("profile_list") + "?" + query)
    assert response.status_code == 200
    assert 'role="alert"' not in html(response)
    assert {names[r] for r in references(response)} == expected


def test_sector_filter_lists_the_taxonomy_as_a_tree(client, sector):
    SectorFactory(code="robotics.arms", name_en="Robot arms", parent=sector)
    page = html(client.get(url("profile_list")))
    assert '<option value="robotics">Robotics</option>' in page
    assert '<option value="robotics.arms">\u00a0\u00a0\u00a0Robot arms</option>' in page


def test_a_chinese_query_finds_the_english_offer_first(client, pair, cn_unrelated, publish,
                                                       other_member):  # fmt: skip
    publish(cn_unrelated, by=other_member)
    offer, _ = pair
    response = client.get(url("profile_list", "zh-hans") + "?q=机械臂+纺织")
    assert response.status_code == 200
    found = references(response)
    assert offer.reference in found[:2]
    english = client.get(url("profile_list") + "?q=robotic+arm&kind=technology_offer")
    assert references(english) == [offer.reference]
    assert "best matches first" in html(english)


@pytest.mark.parametrize(
    "query",
    [
        "kind=spaceship",
        "trl=abc",
        "trl=10",
        "trl=0",
        "mode=teleportation",
        "language=fr",
        "sector=nonsense",
        "country=XX",
        "country=PAK",
        "q=%F0%9F%9A%80%F0%9F%A4%96",  # emoji only
        "q=%00robot",
        "q=" + "a" * 600,
        "q=...",
    ],
)
def test_bad_parameters_give_a_normal_page_with_a_message(client, pair, query):
    response = client.get(url("profile_list") + "?" + query)
    assert response.status_code == 200
    assert 'role="alert"' in html(response)
    assert references(response) == []


@pytest.mark.parametrize("query", ["page=abc", "page=-1", "page=999999", "page=1e9", "country=FR"])
def test_odd_but_valid_parameters_give_a_normal_page(client, pair, query):
    response = client.get(url("profile_list") + "?" + query)
    assert response.status_code == 200
    assert 'role="alert"' not in html(response)


def test_browse_paginates(client, pair, settings):
    settings.CORRIDOR_PAGE_SIZE = 1
    first = client.get(url("profile_list") + "?kind=&page=abc")
    assert len(references(first)) == 1
    assert 'rel="next" href="?kind=&amp;page=2"' in html(first)
    last = client.get(url("profile_list") + "?page=999")
    assert last.context["page_obj"].number == 2


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(path).status_code == 200
    return len(context.captured_queries)


def _published_in_bulk(organisation, n, sector, *, start=0):
    now = timezone.now()
    for i in range(start, start + n):
        profile = CooperationProfile.objects.create(
            organisation=organisation,
            kind="technology_offer",
            title=f"Offer {i}",
            summary="Robot arms for mills.",
            language="en",
            status=Status.PUBLISHED,
            published_at=now,
            expires_at=now + datetime.timedelta(days=30),
            modes=["licence"],
            trl=5,
        )
        profile.sectors.add(sector)
        ProfileTranslation.objects.create(profile=profile, language="ur", title=f"پیشکش {i}")


@pytest.mark.parametrize("who", ["visitor", "org_member", "staff_pk"])
@pytest.mark.parametrize(
    "query",
    ["", "?kind=technology_offer&sector=robotics&country=PK&language=en&mode=licence&trl=5"],
)
def test_browse_queries_do_not_grow_with_profiles(
    client, request, organisation, sector, settings, who, query
):
    settings.CORRIDOR_PAGE_SIZE = 50
    as_user(client, request, who)
    path = url("profile_list", "ur") + query
    _published_in_bulk(organisation, 3, sector)
    few = _queries(client, path)
    _published_in_bulk(organisation, 27, sector, start=3)
    assert _queries(client, path) == few
    assert few <= 20


def test_search_queries_do_not_grow_with_profiles(client, organisation, sector, settings):
    settings.CORRIDOR_PAGE_SIZE = 50
    path = url("profile_list") + "?q=robot+arms&kind=technology_offer"
    _published_in_bulk(organisation, 3, sector)
    client.get(path)  # the process's matcher loads the new profiles once
    few = _queries(client, path)
    _published_in_bulk(organisation, 27, sector, start=3)
    client.get(path)
    with CaptureQueriesContext(connection) as context:
        response = client.get(path)
    assert len(references(response)) >= 10  # the first ten always; the weak tail may go
    assert len(context.captured_queries) == few


# --- One profile: who sees it ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("visitor", 404),
        ("outsider", 404),
        ("other_member", 404),
        ("staff_pk", 404),  # a draft is not yet the authority's business
        ("staff_cn", 404),
        ("org_member", 200),
        ("org_admin", 200),
        ("platform_admin", 200),
    ],
)
def test_a_draft_is_seen_by_its_organisation_only(client, request, draft, who, status):
    as_user(client, request, who)
    assert client.get(url("profile_detail", pk=draft.pk)).status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [("visitor", 404), ("staff_cn", 404), ("other_member", 404), ("staff_pk", 200),
     ("org_member", 200), ("platform_admin", 200)],
)  # fmt: skip
def test_a_submitted_profile_is_seen_by_its_moderators(
    client, request, draft, org_member, who, status
):
    profile_submit(profile=draft, by=org_member)
    as_user(client, request, who)
    assert client.get(url("profile_detail", pk=draft.pk)).status_code == status


def test_an_unknown_profile_is_not_found(client):
    assert client.get(url("profile_detail", pk=999999)).status_code == 404
    assert client.get("/en/profiles/abc/").status_code == 404


def test_profile_page_shows_every_field_with_labels(client, pair, settings):
    offer, _ = pair
    offer.deadline = timezone.localdate() + datetime.timedelta(days=40)
    offer.save(update_fields=["deadline"])
    page = html(client.get(url("profile_detail", pk=offer.pk)))
    for expected in (
        offer.reference,
        "Low-cost robotic arm for textile mills",
        "Built and tested in Islamabad",
        "technology offer",
        "Robotics",
        "robotics</li>",
        "textiles",
        "6: technology demonstrated in a relevant environment",
        "licence",
        "joint venture",
        "China",  # the target country
        "Pakistan",
        "English",
        "Deadline",
        "Published",
        "Open until",
    ):
        assert expected in page, expected
    assert "Matches for this profile" not in page  # not for the public
    assert "Submit for approval" not in page and "Approve" not in page


def test_profile_page_in_urdu_is_right_to_left_with_the_text_in_its_language(client, pair):
    _, cn_req = pair
    page = html(client.get(url("profile_detail", "ur", pk=cn_req.pk)))
    assert '<html lang="ur" dir="rtl">' in page
    assert '<h1 lang="zh-hans" dir="auto">寻求纺织厂用的低成本机械臂</h1>' in page
    assert "5" in page and "8" in page  # the wanted range


def test_translation_is_shown_with_a_note_and_the_original_behind_a_toggle(
    client, draft, org_member, publish
):
    profile_translation_set(
        profile=draft, by=org_member, language="ur", title="ٹیکسٹائل ملوں کے لیے سستا روبوٹک بازو",
        summary="کپڑے کے رول چھانٹنے والا بازو۔",
    )  # fmt: skip
    publish(draft, by=org_member)
    page = html(client.get(url("profile_detail", "ur", pk=draft.pk)))
    assert '<h1 lang="ur" dir="auto">ٹیکسٹائل ملوں کے لیے سستا روبوٹک بازو</h1>' in page
    assert '<details class="original">' in page
    assert 'class="original__text" lang="en" dir="auto"' in page
    assert "Low-cost robotic arm for textile mills" in page
    english = html(client.get(url("profile_detail", pk=draft.pk)))
    assert '<details class="original">' not in english


# --- The anonymous view ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["visitor", "outsider", "other_member", "staff_cn"])
def test_anonymous_profile_names_nobody_in_browse_or_page(
    client, request, organisation_details, pair, org_member, org_admin, who
):
    offer, _ = pair
    as_user(client, request, who)
    secrets = secrets_of(organisation_details, org_member, org_admin)
    for path in (
        url("profile_list"),
        url("profile_list") + "?q=robotic+arm",
        url("profile_detail", pk=offer.pk),
        url("profile_detail", "zh-hans", pk=offer.pk),
    ):
        page = html(client.get(path))
        assert offer.reference in page
        for secret in secrets:
            assert secret not in page, (path, secret)
        assert f"/organisations/{organisation_details.slug}/" not in page


def test_matches_section_names_no_anonymous_partner(
    client, organisation_details, pair, org_member, org_admin, other_member
):
    offer, cn_req = pair
    client.force_login(other_member)  # the Chinese author reads their request's matches
    page = html(client.get(url("profile_detail", pk=cn_req.pk)))
    assert "Matches for this profile" in page
    assert offer.reference in match_references(client.get(url("profile_detail", pk=cn_req.pk)))
    for secret in secrets_of(organisation_details, org_member, org_admin):
        assert secret not in page, secret


def test_the_organisation_is_shown_when_the_profile_is_not_anonymous(client, pair, organisation):
    offer, _ = pair
    CooperationProfile.objects.filter(pk=offer.pk).update(is_anonymous=False)
    page = html(client.get(url("profile_detail", pk=offer.pk)))
    assert "Indus Robotics" in page and "/organisations/indus-robotics/" in page


@pytest.mark.parametrize("who", ["org_member", "org_admin", "staff_pk", "platform_admin"])
def test_the_organisation_and_its_moderators_see_who_wrote_it(client, request, pair, who):
    offer, _ = pair
    as_user(client, request, who)
    assert "Indus Robotics" in html(client.get(url("profile_detail", pk=offer.pk)))


# --- Matches -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["org_member", "org_admin", "staff_pk", "platform_admin"])
def test_matches_are_explained_to_the_organisation_and_its_moderators(client, request, pair, who):
    offer, cn_req = pair
    as_user(client, request, who)
    response = client.get(url("profile_detail", pk=offer.pk))
    page = html(response)
    assert match_references(response)[:1] == [cn_req.reference]
    match = page[page.index(f'data-reference="{cn_req.reference}"') :]
    assert f'href="/en/profiles/{cn_req.pk}/"' in match
    assert "寻求纺织厂用的低成本机械臂" in match
    assert re.search(r'class="match__percent">\d{1,3}%<', match)
    for part in ("semantic", "lexical", "complementarity", "modes", "trl", "sectors"):
        assert f'data-part="{part}"' in match
    assert re.search(r'class="bar__fill" style="inline-size: \d{1,3}%"', match)
    assert '<li data-relation="same">' in match and "same sector" in match
    assert "robotics" in match  # a shared keyword
    assert re.search(r'<blockquote lang="en" dir="auto">[^<]+</blockquote>', match)
    assert re.search(r'<blockquote lang="zh-hans" dir="auto">[^<]+</blockquote>', match)


def test_score_parts_add_up_to_the_score(client, pair, org_member):
    offer, _ = pair
    client.force_login(org_member)
    [best, *_rest] = client.get(url("profile_detail", pk=offer.pk)).context["matches"]
    assert abs(sum(p.contribution for p in best.parts) * 100 - best.score) <= 1


@pytest.mark.parametrize("who", ["visitor", "outsider", "other_member", "staff_cn"])
def test_others_do_not_see_matches(client, request, pair, who):
    offer, _ = pair
    as_user(client, request, who)
    response = client.get(url("profile_detail", pk=offer.pk))
    assert response.status_code == 200
    assert "Matches for this profile" not in html(response)
    assert match_references(response) == []


def test_a_draft_owner_sees_matches_too(client, draft, cn_request, other_member, org_member,
                                        publish):  # fmt: skip
    publish(cn_request, by=other_member)
    client.force_login(org_member)
    response = client.get(url("profile_detail", pk=draft.pk))
    assert match_references(response)[:1] == [cn_request.reference]


def test_no_matches_has_a_clear_empty_state(client, draft, org_member):
    client.force_login(org_member)
    page = html(client.get(url("profile_detail", pk=draft.pk)))
    assert "Matches for this profile" in page
    assert "No published profile matches this one yet." in page


def test_matching_unavailable_is_a_message_not_an_error(client, draft, org_member, monkeypatch):
    from django.core.exceptions import ValidationError

    from corridor.docking import matching

    def broken(**kwargs):
        raise ValidationError({"profile": ["Matching is unavailable for a moment."]})

    monkeypatch.setattr(matching, "profile_matches", broken)
    client.force_login(org_member)
    response = client.get(url("profile_detail", pk=draft.pk))
    assert response.status_code == 200
    assert "Matching is unavailable for a moment." in html(response)


# --- Actions -------------------------------------------------------------------------------------


def test_member_submits_then_staff_approve(client, draft, org_member, staff_pk,
                                           django_capture_on_commit_callbacks):  # fmt: skip
    client.force_login(org_member)
    page = html(client.get(url("profile_detail", pk=draft.pk)))
    assert f'action="{url("profile_submit", pk=draft.pk)}"' in page
    assert "csrfmiddlewaretoken" in page
    response = client.post(url("profile_submit", pk=draft.pk), follow=True)
    assert "sent to the authority" in html(response)
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED

    client.force_login(staff_pk)
    page = html(client.get(url("profile_detail", pk=draft.pk)))
    assert "Approve and publish" in page and "Reject" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("profile_approve", pk=draft.pk), follow=True)
    assert "The profile is published." in html(response)
    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED and not draft.needs_indexing


def test_moderator_sees_the_identity_warning(client, draft, org_member, staff_pk):
    draft.description = "Contact Indus Robotics for a demonstration."
    draft.save()
    profile_submit(profile=draft, by=org_member)
    client.force_login(staff_pk)
    page = html(client.get(url("profile_detail", pk=draft.pk)))
    assert "its texts name the organisation" in page


def test_reject_needs_a_reason(client, draft, org_member, staff_pk):
    profile_submit(profile=draft, by=org_member)
    client.force_login(staff_pk)
    response = client.post(url("profile_reject", pk=draft.pk), {"rejection_reason": "  "})
    assert response.status_code == 200
    assert response.context["reject_form"].errors["rejection_reason"]
    assert "Give the reason for the rejection." in html(response)
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED

    response = client.post(
        url("profile_reject", pk=draft.pk), {"rejection_reason": "Say what the arm lifts."},
        follow=True,
    )  # fmt: skip
    draft.refresh_from_db()
    assert draft.status == Status.REJECTED
    assert draft.rejection_reason == "Say what the arm lifts."
    client.force_login(org_member)
    page = html(client.get(url("profile_detail", pk=draft.pk)))
    assert "Say what the arm lifts." in page and "Edit" in page


@pytest.mark.parametrize("who", ["org_member", "outsider", "staff_cn", "other_member"])
def test_only_moderators_approve_or_reject(client, request, draft, org_member, who):
    profile_submit(profile=draft, by=org_member)
    as_user(client, request, who)
    approve = client.post(url("profile_approve", pk=draft.pk))
    reject = client.post(url("profile_reject", pk=draft.pk), {"rejection_reason": "No."})
    expected = 403 if who == "org_member" else 404  # others may not even see it
    assert approve.status_code == reject.status_code == expected
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED


def test_actions_need_post_and_sign_in(client, draft, org_member):
    submit = url("profile_submit", pk=draft.pk)
    response = client.post(submit)
    assert response.status_code == 302 and response["Location"].startswith("/en/accounts/login/")
    client.force_login(org_member)
    assert client.get(submit).status_code == 405
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_a_service_refusal_is_a_message(client, pair, org_member):
    offer, _ = pair
    client.force_login(org_member)
    response = client.post(url("profile_submit", pk=offer.pk), follow=True)
    assert response.status_code == 200
    assert "Only draft or rejected profiles can be submitted." in html(response)


def test_withdraw_asks_to_confirm(client, pair, org_member):
    offer, _ = pair
    client.force_login(org_member)
    confirm = client.get(url("profile_withdraw", pk=offer.pk))
    assert confirm.status_code == 200
    assert "Withdraw this profile?" in html(confirm)
    offer.refresh_from_db()
    assert offer.status == Status.PUBLISHED
    client.post(url("profile_withdraw", pk=offer.pk))
    offer.refresh_from_db()
    assert offer.status == Status.WITHDRAWN


@pytest.mark.parametrize("who", ["outsider", "other_member", "staff_pk"])
def test_others_may_not_withdraw_or_extend(client, request, pair, who):
    offer, _ = pair
    as_user(client, request, who)
    assert client.get(url("profile_withdraw", pk=offer.pk)).status_code == 403
    assert client.post(url("profile_withdraw", pk=offer.pk)).status_code == 403
    assert client.post(url("profile_extend", pk=offer.pk)).status_code == 403
    offer.refresh_from_db()
    assert offer.status == Status.PUBLISHED and not offer.extended


def test_extend_once(client, pair, org_admin):
    offer, _ = pair
    client.force_login(org_admin)
    expires = offer.expires_at
    response = client.post(url("profile_extend", pk=offer.pk), follow=True)
    assert "12 months longer" in html(response)
    offer.refresh_from_db()
    assert offer.extended and offer.expires_at > expires
    assert "Extend by 12 months" not in html(response)
    again = client.post(url("profile_extend", pk=offer.pk), follow=True)
    assert "A profile can be extended only once." in html(again)


# --- Writing ----------------------------------------------------------------------------------------


def form_data(**changes):
    data = {
        "kind": "technology_request",
        "title": "寻求工业机器人视觉检测技术",
        "summary": "我们需要用于纺织品缺陷检测的机器视觉系统。",
        "description": "",
        "language": "",
        "sectors": ["robotics"],
        "keywords": "机器视觉，质量检测،robotics, 检测",
        "trl": "",
        "trl_min": "5",
        "trl_max": "8",
        "modes": ["licence", "joint_rnd"],
        "target_countries": ["PK"],
        "deadline": "",
        "is_anonymous": "on",
    }
    data.update(changes)
    return data


def test_new_profile_form_preselects_the_only_organisation(
    client, org_member, organisation, sector
):
    client.force_login(org_member)
    response = client.get(url("profile_create"))
    assert response.status_code == 200
    page = html(response)
    assert f'<option value="{organisation.pk}" selected>' in page
    assert (
        'name="is_anonymous" checked' in page
        or 'checked name="is_anonymous"' in page
        or (re.search(r'<input type="checkbox" name="is_anonymous"[^>]*checked', page))
    )
    assert 'type="date"' in page and 'name="modes"' in page and 'name="target_countries"' in page


def test_member_creates_a_profile_through_the_form(client, other_member, organisation_cn, sector):
    client.force_login(other_member)
    response = client.post(url("profile_create"), form_data(organisation=str(organisation_cn.pk)))
    assert response.status_code == 302
    profile = CooperationProfile.objects.get()
    assert response["Location"] == url("profile_detail", pk=profile.pk)
    assert profile.organisation == organisation_cn and profile.created_by == other_member
    assert profile.status == Status.DRAFT and profile.language == "zh-hans"  # detected
    assert profile.keywords == ["机器视觉", "质量检测", "robotics", "检测"]
    assert (profile.trl, profile.trl_min, profile.trl_max) == (None, 5, 8)
    assert profile.modes == ["licence", "joint_rnd"] and profile.target_countries == ["PK"]
    assert [s.code for s in profile.sectors.all()] == ["robotics"]
    assert profile.is_anonymous
    assert AuditEntry.objects.filter(verb="profile.create").count() == 1


def test_member_of_two_organisations_chooses(client, org_member, organisation, sector):
    from corridor.accounts.models import OrganisationMembership

    other = OrganisationFactory(slug="second", name="Second Org", country="PK")
    OrganisationMembership.objects.create(user=org_member, organisation=other, role="member")
    client.force_login(org_member)
    page = html(client.get(url("profile_create")))
    assert "Second Org" in page and "Indus Robotics" in page
    response = client.post(url("profile_create"), form_data(organisation=str(other.pk)))
    assert response.status_code == 302
    assert CooperationProfile.objects.get().organisation == other


def test_cannot_create_for_an_organisation_one_is_not_in(client, org_member, organisation_cn,
                                                        sector):  # fmt: skip
    client.force_login(org_member)
    response = client.post(url("profile_create"), form_data(organisation=str(organisation_cn.pk)))
    assert response.status_code == 200
    assert response.context["form"].errors["organisation"]
    assert not CooperationProfile.objects.exists()


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"title": "🚀🤖"}, {"title"}),
        ({"title": ""}, {"title"}),
        ({"title": "Robot\x00arm"}, {"title"}),
        ({"trl": "6"}, {"trl"}),  # a request gives a range
        ({"trl_min": "8", "trl_max": "5"}, {"trl_max"}),
        ({"kind": "technology_offer", "trl": "6"}, {"trl_min"}),  # an offer gives a level
        ({"kind": "spaceship"}, {"kind"}),
        ({"trl_min": "abc"}, {"trl_min"}),
        ({"sectors": ["nonsense"]}, {"sectors"}),
        ({"modes": ["teleportation"]}, {"modes"}),
        ({"target_countries": ["XX"]}, {"target_countries"}),
        ({"keywords": ", ".join(f"word{i}" for i in range(11))}, {"keywords"}),
        ({"deadline": "2001-01-01"}, {"deadline"}),
        ({"deadline": "31/12/2099"}, {"deadline"}),
        ({"title": "x" * 300}, {"title"}),
        ({"title": "🚀", "trl": "5"}, {"title", "trl"}),
    ],
)
def test_bad_input_lands_on_its_field_and_saves_nothing(
    client, org_member, organisation, sector, changes, fields
):
    client.force_login(org_member)
    response = client.post(url("profile_create"), form_data(organisation=str(organisation.pk),
                                                            **changes))  # fmt: skip
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert fields <= set(errors), errors
    assert 'role="alert"' in html(response)
    assert not CooperationProfile.objects.exists()
    assert not AuditEntry.objects.filter(verb="profile.create").exists()


@pytest.mark.parametrize("who", ["visitor", "outsider", "staff_pk", "platform_admin"])
def test_people_outside_organisations_cannot_create(client, request, who, sector):
    as_user(client, request, who)
    response = client.get(url("profile_create"))
    if who == "visitor":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == 403


def test_edit_prefills_and_updates(client, draft, org_member):
    client.force_login(org_member)
    page = html(client.get(url("profile_edit", pk=draft.pk)))
    assert "Low-cost robotic arm for textile mills" in page
    assert 'value="robotics, textiles"' in page
    response = client.post(
        url("profile_edit", pk=draft.pk),
        form_data(
            kind="technology_offer", title="ایک سستا روبوٹک بازو", summary="کپڑے کی ملوں کے لیے",
            trl="6", trl_min="", trl_max="", keywords="روبوٹ، بازو", is_anonymous="",
        ),
    )  # fmt: skip
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "ایک سستا روبوٹک بازو" and draft.language == "ur"
    assert draft.keywords == ["روبوٹ", "بازو"] and draft.trl == 6
    assert not draft.is_anonymous


def test_edit_errors_change_nothing(client, draft, org_member):
    client.force_login(org_member)
    response = client.post(
        url("profile_edit", pk=draft.pk),
        form_data(kind="technology_offer", title="New title", trl="6", trl_min="3",
                  sectors=["robotics"]),
    )  # fmt: skip
    assert response.status_code == 200
    assert "trl_min" in response.context["form"].errors
    draft.refresh_from_db()
    assert draft.title == "Low-cost robotic arm for textile mills"


@pytest.mark.parametrize(
    ("who", "on_draft", "on_published"),
    [("visitor", 302, 302), ("outsider", 404, 403), ("other_member", 404, 403),
     ("staff_pk", 404, 403), ("staff_cn", 404, 403), ("platform_admin", 403, 403)],
)  # fmt: skip
def test_others_may_not_edit(client, request, draft, org_member, publish, who, on_draft,
                             on_published):  # fmt: skip
    # A draft they may not see is not found; a profile they may read is forbidden to change.
    published = profile_create(organisation=draft.organisation, by=org_member,
                               kind="rnd_partner", title="Gripper research partner")  # fmt: skip
    publish(published, by=org_member)
    as_user(client, request, who)
    for profile, status in ((draft, on_draft), (published, on_published)):
        path = url("profile_edit", pk=profile.pk)
        assert client.get(path).status_code == status
        assert client.post(path, form_data(title="Taken")).status_code == status
    draft.refresh_from_db()
    assert draft.title == "Low-cost robotic arm for textile mills"


def test_published_profile_cannot_be_edited(client, pair, org_member):
    offer, _ = pair
    client.force_login(org_member)
    response = client.get(url("profile_edit", pk=offer.pk), follow=True)
    assert "Only draft or rejected profiles can be changed." in html(response)


def test_keywords_split_on_the_commas_of_three_languages():
    assert split_keywords("AI, 机器人，区块链、芯片؛ x ، روبوٹ;;\nfintech") == [
        "AI", "机器人", "区块链", "芯片؛ x", "روبوٹ", "fintech",
    ]  # fmt: skip


# --- Translations ----------------------------------------------------------------------------------


def test_author_adds_and_replaces_a_translation(client, draft, org_member):
    client.force_login(org_member)
    path = url("profile_translation", pk=draft.pk, language="zh-hans")
    page = html(client.get(path))
    assert "Add a Simplified Chinese version" in page and 'lang="zh-hans"' in page
    response = client.post(path, {"title": "低成本机械臂", "summary": "", "description": ""})
    assert response.status_code == 302
    response = client.post(
        path, {"title": "纺织厂用低成本机械臂", "summary": "六轴", "description": ""}
    )
    assert response.status_code == 302
    [only] = draft.translations.all()
    assert (only.language, only.title, only.summary) == ("zh-hans", "纺织厂用低成本机械臂", "六轴")
    assert "Edit the Simplified Chinese version" in html(client.get(path))


def test_urdu_translation_form_is_right_to_left(client, draft, org_member):
    client.force_login(org_member)
    page = html(client.get(url("profile_translation", "ur", pk=draft.pk, language="ur")))
    assert '<html lang="ur" dir="rtl">' in page
    assert re.search(r'<input type="text" name="title"[^>]*lang="ur" dir="rtl"', page)


@pytest.mark.parametrize(
    ("data", "field"),
    [({"title": ""}, "title"), ({"title": "🚀"}, "title"), ({"title": "a\x00b"}, "title")],
)
def test_bad_translation_saves_nothing(client, draft, org_member, data, field):
    client.force_login(org_member)
    response = client.post(url("profile_translation", pk=draft.pk, language="ur"), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not draft.translations.exists()


def test_translation_language_must_be_another_known_one(client, draft, org_member):
    client.force_login(org_member)
    assert client.get(url("profile_translation", pk=draft.pk, language="fr")).status_code == 404
    same = client.get(url("profile_translation", pk=draft.pk, language="en"), follow=True)
    assert "This is the language the profile is written in." in html(same)


@pytest.mark.parametrize(("who", "status"), [("other_member", 404), ("outsider", 404),
                                             ("visitor", 302)])  # fmt: skip
def test_others_may_not_translate(client, request, draft, who, status):
    as_user(client, request, who)
    path = url("profile_translation", pk=draft.pk, language="ur")
    assert client.post(path, {"title": "عنوان"}).status_code == status
    assert not draft.translations.exists()


# --- My profiles --------------------------------------------------------------------------------------


def test_my_profiles_lists_every_state(client, draft, cn_request, org_member, org_admin, staff_pk,
                                       publish):  # fmt: skip
    second = profile_create(organisation=draft.organisation, by=org_member,
                            kind="rnd_partner", title="Partner for gripper research")  # fmt: skip
    third = profile_create(organisation=draft.organisation, by=org_member,
                           kind="business_offer", title="Textile sorting as a service")  # fmt: skip
    publish(draft, by=org_member)
    profile_submit(profile=second, by=org_member)
    profile_reject(profile=second, by=staff_pk, reason="Name the gripper's payload.")
    CooperationProfile.objects.filter(pk=third.pk).update(needs_indexing=True)
    CooperationProfile.objects.filter(pk=third.pk).update(status=Status.PUBLISHED,
                                                          published_at=timezone.now())  # fmt: skip
    client.force_login(org_admin)
    response = client.get(url("my_profiles"))
    page = html(response)
    shown = re.findall(r'<tr data-reference="([^"]+)"', page)
    assert set(shown) == {draft.reference, second.reference, third.reference}
    assert cn_request.reference not in page
    assert "badge--rejected" in page and "Name the gripper&#x27;s payload." in page
    assert "badge--published" in page and "open until" in page
    assert "waiting for matching" in page


def test_my_profiles_needs_sign_in_and_is_empty_for_outsiders(client, outsider, pair):
    response = client.get(url("my_profiles"))
    assert response.status_code == 302
    client.force_login(outsider)
    page = html(client.get(url("my_profiles")))
    assert "You are not a member of an organisation" in page
    assert "<tr data-reference" not in page


def test_my_profiles_queries_do_not_grow(client, org_member, organisation, sector, settings):
    settings.CORRIDOR_PAGE_SIZE = 50
    client.force_login(org_member)
    _published_in_bulk(organisation, 3, sector)
    few = _queries(client, url("my_profiles"))
    _published_in_bulk(organisation, 27, sector, start=3)
    assert _queries(client, url("my_profiles")) == few


# --- Moderation queue ------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "status"), [("visitor", 302), ("outsider", 403),
                                             ("org_member", 403), ("org_admin", 403),
                                             ("other_member", 403)])  # fmt: skip
def test_moderation_queue_is_for_staff(client, request, who, status):
    as_user(client, request, who)
    assert client.get(url("moderation_queue")).status_code == status


def test_moderation_queue_shows_each_side_its_own(
    client, draft, cn_request, org_member, other_member, staff_pk, staff_cn, platform_admin
):
    draft.description = "Ask Indus Robotics."
    draft.save()
    profile_submit(profile=draft, by=org_member)
    profile_submit(profile=cn_request, by=other_member)
    for user, expected in (
        (staff_pk, {draft.reference}),
        (staff_cn, {cn_request.reference}),
        (platform_admin, {draft.reference, cn_request.reference}),
    ):
        client.force_login(user)
        page = html(client.get(url("moderation_queue")))
        assert set(re.findall(r'<tr data-reference="([^"]+)"', page)) == expected
    client.force_login(staff_pk)
    page = html(client.get(url("moderation_queue")))
    assert f'href="{url("profile_detail", pk=draft.pk)}"' in page
    assert "names its organisation" in page


def test_moderation_queue_queries_do_not_grow(client, org_member, organisation, staff_pk, sector):
    def submitted(n):
        for i in range(n):
            p = profile_create(organisation=organisation, by=org_member, kind="rnd_partner",
                               title=f"Research partner {i}")  # fmt: skip
            profile_submit(profile=p, by=org_member)

    client.force_login(staff_pk)
    submitted(2)
    few = _queries(client, url("moderation_queue"))
    submitted(10)
    assert _queries(client, url("moderation_queue")) == few


# --- Navigation --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "mine", "moderation"),
    [("visitor", False, False), ("outsider", False, False), ("org_member", True, False),
     ("staff_cn", False, True), ("platform_admin", False, True)],
)  # fmt: skip
def test_navigation_links_per_role(client, request, who, mine, moderation):
    as_user(client, request, who)
    page = html(client.get(url("profile_list")))
    assert f'href="{url("profile_list")}"' in page
    assert (f'href="{url("my_profiles")}"' in page) == mine
    assert (f'href="{url("moderation_queue")}"' in page) == moderation
