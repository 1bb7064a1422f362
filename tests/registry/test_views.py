"""The public directory pages, the language switcher, editing from the page, and the admin."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from corridor.accounts.models import ApiToken
from corridor.core.models import AuditEntry
from corridor.registry import services
from corridor.registry.models import Sector

from ..factories import OrganisationFactory, UserFactory, ZoneFactory

pytestmark = pytest.mark.django_db

URDU_TEXT = "ہم پاکستان میں روبوٹکس اور مصنوعی ذہانت پر کام کرتے ہیں"
CHINESE_TEXT = "我们是一家位于中关村的半导体设计公司，专注于芯片研发。"


def url(name, language="en", **kwargs):
    with translation.override(language):
        return reverse(name, kwargs=kwargs or None)


def html(response) -> str:
    return response.content.decode()


@pytest.fixture
def sectors(db):
    ai = Sector.objects.get(code="ai")
    robotics = Sector.objects.get(code="robotics")
    return {"ai": ai, "robotics": robotics, "ai_child": ai.children.order_by("code").first()}


@pytest.fixture
def park(zone_cn):
    return ZoneFactory(
        slug="haidian-park",
        kind="member_park",
        name_en="Haidian Park",
        name_zh_hans="海淀园",
        parent=zone_cn,
        country="CN",
    )


@pytest.fixture
def directory(organisation, zone_pk, park, sectors):
    """A Pakistani robotics firm (Urdu text), a Chinese chip designer (Chinese text), a university."""
    organisation.description = URDU_TEXT
    organisation.description_language = "ur"
    organisation.save()
    organisation.sectors.set([sectors["robotics"]])
    chinese = OrganisationFactory(
        slug="zhongguancun-chips",
        name="中关村芯片设计有限公司",
        name_en="Zhongguancun Chip Design",
        name_zh_hans="中关村芯片设计有限公司",
        country="CN",
        zone=park,
        description=CHINESE_TEXT,
        description_language="zh-hans",
        sectors=[sectors["ai_child"]],
    )
    university = OrganisationFactory(
        slug="nust",
        name="National University of Sciences and Technology",
        kind="university",
        country="PK",
        zone=zone_pk,
        ror_id="03w2j5y17",
        sectors=[sectors["ai"], sectors["ai_child"]],
    )
    from corridor.registry.search import organisation_document

    organisation.search_document = organisation_document(organisation)
    organisation.save(update_fields=["search_document"])
    return {"urdu": organisation, "chinese": chinese, "university": university}


def listed_slugs(response) -> list[str]:
    return [o.slug for o in response.context["page_obj"]]


# --- Base layout and language ------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "direction"), [("en", "ltr"), ("zh-hans", "ltr"), ("ur", "rtl")]
)
def test_pages_carry_language_and_direction(client, language, direction):
    response = client.get(url("registry:home", language))
    assert response.status_code == 200
    assert f'<html lang="{language}" dir="{direction}">' in html(response)


def test_language_switcher_names_languages_in_their_own_language(client):
    page = html(client.get(url("registry:home", "en")))
    assert 'lang="zh-hans"' in page and "简体中文" in page
    assert 'lang="ur"' in page and "اردو" in page


def test_language_switcher_targets_keep_the_page_and_query(client, directory):
    response = client.get(url("registry:organisation_list") + "?country=PK&q=robot")
    targets = re.findall(r'name="next" value="([^"]+)"', html(response))
    assert "/ur/organisations/?country=PK&amp;q=robot" in targets
    assert "/zh-hans/organisations/?country=PK&amp;q=robot" in targets


def test_switching_language_lands_on_the_same_page_even_with_another_language_cookie(client):
    # The visitor chose Chinese earlier, then opened an English link and switches to Urdu.
    client.cookies["django_language"] = "zh-hans"
    page = html(client.get("/en/organisations/?country=PK&kind=enterprise"))
    form = re.search(
        r'name="next" value="([^"]+)">\s*<input type="hidden" name="language" value="ur">', page
    )
    target = form.group(1).replace("&amp;", "&")
    response = client.post("/i18n/setlang/", {"language": "ur", "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/ur/organisations/?country=PK&kind=enterprise"
    assert '<html lang="ur" dir="rtl">' in html(client.get(response["Location"]))


def test_switching_language_from_a_missing_page_goes_to_that_languages_home(client):
    page = html(client.get("/en/no/such/page/"))
    assert 'name="next" value="/ur/"' in page


def test_not_found_page_is_the_sites_own(client):
    response = client.get("/ur/organisations/no-such-organisation/")
    assert response.status_code == 404
    page = html(response)
    assert '<html lang="ur" dir="rtl">' in page
    assert 'class="narrow error-page"' in page


# --- Home and zones ----------------------------------------------------------------------


def test_home_shows_counts_and_the_seven_sectors(client, directory):
    response = client.get(url("registry:home"))
    assert response.context["organisation_count"] == 3
    assert {c["code"]: c["count"] for c in response.context["by_country"]} == {"PK": 2, "CN": 1}
    codes = [s.code for s in response.context["sectors"]]
    assert codes == [
        "semiconductors",
        "cloud",
        "ai",
        "robotics",
        "fintech",
        "blockchain",
        "biotech",
    ]
    assert "?sector=ai" in html(response)


def test_zone_tree_shows_member_parks_with_counts(client, directory, zone_cn, park):
    response = client.get(url("registry:zone_list"))
    roots = {z.slug: z for z in response.context["zones"]}
    assert "haidian-park" not in roots  # a member park sits under its zone
    parks = list(roots["z-park"].children.all())
    assert [p.slug for p in parks] == ["haidian-park"]
    assert parks[0].organisation_count == 1
    assert roots["z-park"].total_count == 1  # its park's organisation
    assert roots["islamabad-stz"].total_count == 2
    assert "1 organisation<" in html(response) and "?zone=z-park" in html(response)


def test_zone_page_shows_facts_parks_and_organisations_of_its_parks(
    client, directory, zone_cn, park, sectors
):
    zone_cn.area_km2 = Decimal("488.00")
    zone_cn.year_founded = 1988
    zone_cn.city = "Beijing"
    zone_cn.description = "中关村是中国第一个国家级高新技术产业开发区。"
    zone_cn.description_language = "zh-hans"
    zone_cn.save()
    zone_cn.focus_sectors.set([sectors["ai"]])
    response = client.get(url("registry:zone_detail", slug="z-park"))
    page = html(response)
    assert response.status_code == 200
    assert "488" in page and "1988" in page and "Beijing" in page
    assert 'lang="zh-hans"' in page
    assert [p.slug for p in response.context["parks"]] == ["haidian-park"]
    assert listed_slugs(response) == ["zhongguancun-chips"]


def test_unknown_zone_is_not_found(client):
    assert client.get(url("registry:zone_detail", slug="atlantis")).status_code == 404


# --- The directory -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("country=CN", {"zhongguancun-chips"}),
        ("country=pk", {"indus-robotics", "nust"}),
        ("kind=university", {"nust"}),
        ("zone=z-park", {"zhongguancun-chips"}),  # the zone with its member parks
        ("zone=islamabad-stz&kind=enterprise", {"indus-robotics"}),
        ("sector=ai", {"zhongguancun-chips", "nust"}),  # the sector with its sub-sectors
        ("sector=robotics", {"indus-robotics"}),
        ("q=芯片", {"zhongguancun-chips"}),
        ("q=روبوٹکس", {"indus-robotics"}),
        ("q=National+Univ", {"nust"}),
    ],
)
def test_directory_filters_and_searches(client, directory, query, expected):
    response = client.get(url("registry:organisation_list") + "?" + query)
    assert response.status_code == 200
    assert set(listed_slugs(response)) == expected


def facet(response, name):
    return {
        o.value: o for o in next(f for f in response.context["facets"] if f.name == name).options
    }


def test_facet_counts_follow_the_other_filters(client, directory, sectors):
    response = client.get(url("registry:organisation_list") + "?country=PK")
    kinds = facet(response, "kind")
    assert (kinds["enterprise"].count, kinds["university"].count, kinds["investor"].count) == (
        1,
        1,
        0,
    )
    countries = facet(response, "country")
    # The country facet ignores the country filter, so the other country stays reachable.
    assert (countries["PK"].count, countries["CN"].count) == (2, 1)
    assert countries["PK"].selected and not countries["CN"].selected
    sector_options = facet(response, "sector")
    # NUST has the AI sector and one of its sub-sectors: counted once under AI.
    assert sector_options["ai"].count == 1
    assert sector_options["robotics"].count == 1
    zones = facet(response, "zone")
    assert zones["islamabad-stz"].count == 2 and "z-park" not in zones
    all_zones = facet(client.get(url("registry:organisation_list")), "zone")
    assert all_zones["z-park"].count == 1 and all_zones["haidian-park"].count == 1


def test_facet_links_add_and_remove_a_filter(client, directory):
    response = client.get(url("registry:organisation_list") + "?country=PK&page=2")
    kinds = facet(response, "kind")
    assert kinds["university"].url == "?country=PK&kind=university"
    assert facet(response, "country")["PK"].url == "?"  # choosing it again removes it


def test_directory_shows_user_text_in_its_language(client, directory):
    page = html(client.get(url("registry:organisation_list", "ur")))
    assert re.search(r'<p class="excerpt" dir="auto" lang="zh-hans">\s*我们是', page)
    assert re.search(r'<p class="excerpt" dir="auto" lang="ur">\s*ہم پاکستان', page)


def test_directory_shows_names_in_the_readers_language(client, directory):
    english = client.get(url("registry:organisation_list", "en"))
    chinese = client.get(url("registry:organisation_list", "zh-hans"))
    assert "Zhongguancun Chip Design" in html(english)
    assert ">中关村芯片设计有限公司</a>" in html(chinese)


@pytest.mark.parametrize(
    "query",
    [
        "country=XX",
        "country=PAK",
        "kind=spaceship",
        "zone=atlantis",
        "sector=nonsense",
        "q=%00robot",
        "q=" + "a" * 5000,
    ],
)
def test_bad_filters_give_a_message_and_no_results(client, directory, query):
    response = client.get(url("registry:organisation_list") + "?" + query)
    assert response.status_code == 200
    assert listed_slugs(response) == []
    assert 'role="alert"' in html(response)


@pytest.mark.parametrize(
    "query",
    [
        'q="',
        "q=*",
        "q=AND+(",
        "q=robot+OR+NOT+NEAR(a+b)",
        "q=%27%3A*+%26+%21",  # tsquery syntax
        "q=%5C",
        "q=%E2%80%8F",  # a right-to-left mark only
        "page=abc",
        "page=-1",
        "page=999999",
        "page=1e9",
        "country=&kind=&zone=&sector=&q=",
    ],
)
def test_odd_but_valid_queries_give_a_normal_page(client, directory, query):
    response = client.get(url("registry:organisation_list") + "?" + query)
    assert response.status_code == 200
    assert 'role="alert"' not in html(response)


def test_page_beyond_the_end_shows_the_last_page(client, directory, settings):
    settings.CORRIDOR_PAGE_SIZE = 2
    response = client.get(url("registry:organisation_list") + "?page=999999")
    assert response.context["page_obj"].number == 2
    assert len(listed_slugs(response)) == 1
    first = client.get(url("registry:organisation_list") + "?page=abc")
    assert first.context["page_obj"].number == 1
    assert 'rel="next" href="?page=2"' in html(first)


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(path).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize(
    "path",
    [
        "/en/organisations/",
        "/en/organisations/?country=PK&sector=ai&kind=enterprise&zone=islamabad-stz&q=org",
        "/en/zones/",
        "/en/zones/islamabad-stz/",
        "/en/",
    ],
)
def test_list_pages_make_as_many_queries_for_30_organisations_as_for_3(
    client, zone_pk, sectors, path
):
    for _n in range(3):
        OrganisationFactory(zone=zone_pk, sectors=[sectors["ai"], sectors["robotics"]])
    few = _queries(client, path)
    for _n in range(27):
        OrganisationFactory(zone=zone_pk, sectors=[sectors["ai"], sectors["ai_child"]])
    assert _queries(client, path) == few
    assert few <= 20


# --- Organisation page and editing ---------------------------------------------------------


def test_organisation_page_shows_its_facts(client, directory, sectors):
    response = client.get(url("registry:organisation_detail", slug="nust"))
    page = html(response)
    assert 'href="https://ror.org/03w2j5y17"' in page
    assert "Islamabad STZ" in page
    assert "National University of Sciences and Technology" in page
    assert sectors["ai"].name_en in page and sectors["ai_child"].name_en in page
    assert url("registry:organisation_edit", slug="nust") not in page


def test_edit_link_only_for_those_who_may_edit(
    client, organisation, org_admin, org_member, staff_pk, staff_cn
):
    edit = url("registry:organisation_edit", slug=organisation.slug)
    detail = url("registry:organisation_detail", slug=organisation.slug)
    assert edit not in html(client.get(detail))
    for user, allowed in [
        (org_admin, True),
        (staff_pk, True),
        (org_member, False),
        (staff_cn, False),
    ]:
        client.force_login(user)
        assert (edit in html(client.get(detail))) is allowed, user


def test_inactive_organisation_is_hidden_from_the_public(client, organisation, org_admin):
    organisation.is_active = False
    organisation.save()
    detail = url("registry:organisation_detail", slug=organisation.slug)
    assert client.get(detail).status_code == 404
    client.force_login(org_admin)
    assert client.get(detail).status_code == 200


def _form_data(organisation, **changes):
    data = {
        "kind": organisation.kind,
        "name": organisation.name,
        "name_en": organisation.name_en,
        "name_zh_hans": "",
        "name_ur": "",
        "country": str(organisation.country),
        "city": "",
        "zone": organisation.zone_id or "",
        "size": "",
        "year_founded": "",
        "website": "",
        "description": "",
        "description_language": "",
        "ror_id": "",
        "registration_number": "",
    }
    data.update(changes)
    return data


def test_organisation_admin_edits_through_the_service(client, organisation, org_admin, sectors):
    client.force_login(org_admin)
    edit = url("registry:organisation_edit", slug=organisation.slug)
    response = client.post(
        edit,
        _form_data(
            organisation,
            name_ur="انڈس روبوٹکس",
            description="صنعتی روبوٹ بنانے والی کمپنی",
            sectors=[sectors["robotics"].pk],
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == url("registry:organisation_detail", slug=organisation.slug)
    organisation.refresh_from_db()
    assert organisation.name_ur == "انڈس روبوٹکس"
    assert organisation.description_language == "ur"  # detected by the service
    assert list(organisation.sectors.all()) == [sectors["robotics"]]
    assert "روبوٹ" in organisation.search_document
    entry = AuditEntry.objects.get(verb="organisation.update")
    assert entry.actor == org_admin and "name_ur" in entry.data["fields"]


def test_edit_form_shows_errors_and_writes_nothing(client, organisation, org_admin):
    client.force_login(org_admin)
    edit = url("registry:organisation_edit", slug=organisation.slug)
    response = client.post(
        edit, _form_data(organisation, year_founded="3000", website="not a url", kind="spaceship")
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"year_founded", "website", "kind"} <= set(errors)
    assert 'role="alert"' in html(response)
    assert not AuditEntry.objects.filter(verb="organisation.update").exists()


def test_edit_form_shows_errors_the_service_finds(client, organisation, org_admin):
    OrganisationFactory(slug="other", ror_id="02v51f717")
    client.force_login(org_admin)
    edit = url("registry:organisation_edit", slug=organisation.slug)
    response = client.post(edit, _form_data(organisation, ror_id="02v51f717"))
    assert response.status_code == 200
    assert response.context["form"].errors
    organisation.refresh_from_db()
    assert organisation.ror_id == ""


def test_edit_form_reports_service_errors_on_fields_it_does_not_show(organisation, org_admin):
    from corridor.registry.forms import OrganisationForm
    from corridor.registry.views import _add_service_errors

    form = OrganisationForm(_form_data(organisation), instance=organisation)
    assert form.is_valid()
    _add_service_errors(form, ValidationError({"slug": ["taken"], "city": ["too long"]}))
    assert form.errors["city"] == ["too long"] and "taken" in form.non_field_errors()


@pytest.mark.parametrize("who", ["org_member", "outsider", "staff_cn"])
def test_others_may_not_edit(client, organisation, request, who):
    client.force_login(request.getfixturevalue(who))
    edit = url("registry:organisation_edit", slug=organisation.slug)
    for response in (
        client.get(edit),
        client.post(edit, _form_data(organisation, name="Taken over")),
    ):
        assert response.status_code == 403
        assert 'class="narrow error-page"' in html(response)
    organisation.refresh_from_db()
    assert organisation.name == "Indus Robotics"


def test_anonymous_visitor_is_sent_to_sign_in(client, organisation):
    edit = url("registry:organisation_edit", slug=organisation.slug)
    response = client.get(edit)
    assert response.status_code == 302
    assert response["Location"].startswith(url("accounts:login"))


def test_service_permission_is_the_last_word(client, organisation, org_admin, monkeypatch):
    # If the view's early check and the service ever disagree, the service wins: 403.
    monkeypatch.setattr(services, "can_edit_organisation", lambda user, organisation: False)
    client.force_login(org_admin)
    edit = url("registry:organisation_edit", slug=organisation.slug)
    assert client.post(edit, _form_data(organisation, name="X")).status_code == 403


# --- Accounts ------------------------------------------------------------------------------


def test_sign_in_page_and_account_page(client, organisation, org_admin, staff_pk):
    login = client.get(url("accounts:login", "ur"))
    assert login.status_code == 200 and 'dir="rtl"' in html(login)
    response = client.post(
        url("accounts:login"),
        {"username": "org_admin", "password": "correct horse battery staple"},
    )
    assert response.status_code == 302
    account = client.get(url("accounts:account"))
    assert "Indus Robotics" in html(account)
    assert [m.organisation for m in account.context["memberships"]] == [organisation]
    client.force_login(staff_pk)
    assert "Special Technology Zones Authority" in html(client.get(url("accounts:account")))


def test_wrong_password_shows_an_error(client, org_admin):
    response = client.post(url("accounts:login"), {"username": "org_admin", "password": "nope"})
    assert response.status_code == 200
    assert 'role="alert"' in html(response)


def test_account_page_needs_sign_in(client):
    assert client.get(url("accounts:account")).status_code == 302


# --- Admin ---------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, platform_admin):
    client.force_login(platform_admin)
    return client


ADMIN_MODELS = [
    "registry_sector",
    "registry_authority",
    "registry_zone",
    "registry_organisation",
    "accounts_user",
    "accounts_authoritystaff",
    "accounts_organisationmembership",
    "accounts_apitoken",
    "core_auditentry",
]


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_admin_lists_search_and_filter_every_model(
    admin_client, directory, org_admin, staff_pk, model
):
    ApiToken.objects.create(user=org_admin, name="script", key_hash=ApiToken.hash_key("cor_x"))
    services.organisation_update(organisation=directory["urdu"], by=staff_pk, city="Lahore")
    changelist = reverse(f"admin:{model}_changelist")
    assert admin_client.get(changelist).status_code == 200
    response = admin_client.get(changelist + "?q=a")
    assert response.status_code == 200
    assert response.context["cl"].model_admin.search_fields
    assert response.context["cl"].model_admin.list_filter


def test_admin_changelist_queries_do_not_grow_with_rows(admin_client, zone_pk, sectors):
    changelist = reverse("admin:registry_organisation_changelist")
    for _n in range(3):
        OrganisationFactory(zone=zone_pk)
    few = _queries(admin_client, changelist)
    for _n in range(20):
        OrganisationFactory(zone=zone_pk)
    assert _queries(admin_client, changelist) == few


def test_admin_change_is_audited_and_reindexed(admin_client, platform_admin, organisation, sectors):
    change = reverse("admin:registry_organisation_change", args=[organisation.pk])
    form = admin_client.get(change).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "sectors"}
    data.update(
        {
            "name": "Indus Robotics",
            "slug": organisation.slug,
            "country": "PK",
            "zone": organisation.zone_id,
            "name_zh_hans": "印度河机器人",
            "sectors": [sectors["robotics"].pk],
            "is_active": "on",
        }
    )
    data = {k: v for k, v in data.items() if k not in {"created_at", "updated_at", "is_demo"}}
    response = admin_client.post(change, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    organisation.refresh_from_db()
    assert "机器人" in organisation.search_document
    assert sectors["robotics"].name_en.casefold() in organisation.search_document
    entry = AuditEntry.objects.get(verb="organisation.admin_change")
    assert entry.actor == platform_admin and "name_zh_hans" in entry.data["fields"]


def test_admin_shows_no_token_key_and_cannot_add_tokens(admin_client, org_admin):
    token = ApiToken.objects.create(
        user=org_admin, name="script", key_hash=ApiToken.hash_key("cor_secret")
    )
    page = html(admin_client.get(reverse("admin:accounts_apitoken_change", args=[token.pk])))
    assert token.key_hash not in page
    assert admin_client.get(reverse("admin:accounts_apitoken_add")).status_code == 403
    response = admin_client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_audit_log_is_read_only_in_admin(admin_client, organisation, staff_pk):
    services.organisation_update(organisation=organisation, by=staff_pk, city="Lahore")
    entry = AuditEntry.objects.get()
    assert admin_client.get(reverse("admin:core_auditentry_add")).status_code == 403
    response = admin_client.post(
        reverse("admin:core_auditentry_change", args=[entry.pk]), {"verb": "forged"}
    )
    assert response.status_code == 403
    assert (
        admin_client.post(
            reverse("admin:core_auditentry_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    entry.refresh_from_db()
    assert entry.verb == "organisation.update"


def test_admin_is_for_staff_only(client, outsider):
    client.force_login(outsider)
    response = client.get(reverse("admin:registry_organisation_changelist"))
    assert response.status_code == 302


def test_user_admin_edits_language(admin_client):
    user = UserFactory(username="amina")
    change = reverse("admin:accounts_user_change", args=[user.pk])
    page = html(admin_client.get(change))
    assert 'name="language"' in page


def test_admin_applies_the_registry_rules_to_authority_staff(
    client, organisation, zone_pk, zone_cn, staff_cn
):
    from django.contrib.auth.models import Permission

    staff_cn.is_staff = True
    staff_cn.save()
    staff_cn.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="registry",
            codename__regex=r"^(view|change)_(organisation|zone)$",
        )
    )
    client.force_login(staff_cn)
    pk_org = reverse("admin:registry_organisation_change", args=[organisation.pk])
    page = client.get(pk_org)
    assert page.status_code == 200 and 'name="name"' not in html(page)  # view only
    assert client.post(pk_org, {"name": "Taken over"}).status_code == 403
    assert (
        client.post(reverse("admin:registry_zone_change", args=[zone_pk.pk]), {}).status_code == 403
    )
    own_zone = client.get(reverse("admin:registry_zone_change", args=[zone_cn.pk]))
    assert 'name="name_en"' in html(own_zone)
    organisation.refresh_from_db()
    assert organisation.name == "Indus Robotics"
