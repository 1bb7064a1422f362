"""The interface is whole in Chinese and Urdu: catalogues complete, compiled, and used by pages."""

import gettext
import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.urls import reverse
from django.utils import translation

from corridor.registry.models import Organisation, Sector

from ..factories import OrganisationFactory, ZoneFactory

LOCALE = Path(__file__).resolve().parents[2] / "corridor" / "locale"
SCRIPTS = {"zh_Hans": re.compile(r"[\u4e00-\u9fff]"), "ur": re.compile(r"[\u0600-\u06ff]")}
# Names and acronyms that stay as they are in every language.
# EDA is in a seeded sector name; Ctrl is the key as labelled on Chinese keyboards.
KEPT = {"Corridor", "API", "ROR", "ROR id", "CSV", "JSON", "OpenAPI", "URL", "ID", "R&D", "km²"}
# File formats keep their names; the e-mail subject starts with the product name.
KEPT |= {"PDF", "PDF:", "Corridor: %(subject)s"}
KEPT_ON_PAGES = {"EDA", "Ctrl"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", ["zh_Hans", "ur"])
def test_every_message_is_translated_into_the_language(language):
    po = catalogue(language)
    assert len(po) > 300
    assert [e.msgid for e in po.fuzzy_entries()] == []
    assert [e.msgid for e in po.untranslated_entries()] == []
    english_left = []
    for entry in po.translated_entries():
        texts = [entry.msgstr] if not entry.msgid_plural else list(entry.msgstr_plural.values())
        for text in texts:
            if (
                entry.msgid not in KEPT
                and re.search("[A-Za-z]", PLACEHOLDER.sub("", entry.msgid))
                and not SCRIPTS[language].search(text)
            ):
                english_left.append(entry.msgid)
    assert english_left == []


@pytest.mark.parametrize("language", ["zh_Hans", "ur"])
def test_translations_keep_every_placeholder(language):
    broken = []
    for entry in catalogue(language).translated_entries():
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        texts = [entry.msgstr] if not entry.msgid_plural else list(entry.msgstr_plural.values())
        broken += [
            entry.msgid
            for text in texts
            if sorted(PLACEHOLDER.findall(text)) != wanted
            and not (entry.msgid_plural and "%(count)" not in text)
        ]
    assert broken == []


@pytest.mark.parametrize("language", ["zh_Hans", "ur"])
def test_compiled_catalogue_matches_its_source(language, tmp_path):
    # A .po edited but not compiled would leave the site showing the old text.
    fresh = tmp_path / "django.mo"
    catalogue(language).save_as_mofile(str(fresh))
    with fresh.open("rb") as a, (LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb") as b:
        fresh_catalog, committed = (
            gettext.GNUTranslations(a)._catalog,
            gettext.GNUTranslations(b)._catalog,
        )
    # The header ("") differs only in dates and tool names between compilers.
    fresh_catalog.pop("", None)
    committed.pop("", None)
    assert fresh_catalog == committed


class _Text(HTMLParser):
    """Visible text of a page, without what users wrote (marked with ``lang``)."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self._skip or tag in {"script", "style"} or "lang" in attrs and tag != "html":
            self._skip += 1
        if tag == "input" and attrs.get("type") in {"submit", "button"} and not self._skip:
            self.parts.append(attrs.get("value") or "")
        if attrs.get("placeholder") and not self._skip:
            self.parts.append(attrs["placeholder"])

    def handle_endtag(self, tag):
        if self._skip:
            self._skip -= 1

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


@pytest.mark.parametrize("language", ["ur", "zh-hans"])
def test_pages_show_no_english_interface_text(client, zone_cn, language, staff_cn):
    # Data in the reader's language too, so only interface text could be English.
    zone_cn.name_ur = "ژونگ گوان چون سائنس پارک"
    zone_cn.save()
    zone_cn.authority.name_zh_hans, zone_cn.authority.name_ur = (
        "中关村管委会",
        "ژونگ گوان چون اتھارٹی",
    )
    zone_cn.authority.save()
    staff_cn.email = ""
    staff_cn.save()
    sector = Sector.objects.get(code="robotics")
    park = ZoneFactory(
        slug="haidian", kind="member_park", parent=zone_cn, name_en="Haidian Park",
        name_zh_hans="海淀园", name_ur="ہائیدیان پارک", country="CN",
    )  # fmt: skip
    org = OrganisationFactory(
        slug="xingxin", name="星芯机器人", name_zh_hans="星芯机器人", name_ur="شنگ شن روبوٹکس",
        country="CN", zone=park, description="我们制造工业机器人。", description_language="zh-hans",
        kind=Organisation.Kind.ENTERPRISE, sectors=[sector], city="",
    )  # fmt: skip
    client.force_login(staff_cn)
    with translation.override(language):
        urls = [
            reverse("registry:home"),
            reverse("registry:zone_list"),
            reverse("registry:zone_detail", kwargs={"slug": park.slug}),
            reverse("registry:organisation_list"),
            reverse("registry:organisation_list") + "?q=zzzz",
            reverse("registry:organisation_detail", kwargs={"slug": org.slug}),
            reverse("registry:organisation_edit", kwargs={"slug": org.slug}),
            reverse("accounts:account"),
        ]
    assert _english_words(client, urls, also={"staff"}) == {}


def _english_words(client, urls, also=frozenset()) -> dict:
    """Latin words each page shows outside data, code and the allowed names."""
    english = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        parser = _Text()
        parser.feed(response.content.decode())
        words = set(re.findall(r"[A-Za-z][A-Za-z]{2,}", " ".join(parser.parts)))
        words -= KEPT | KEPT_ON_PAGES | {"English", "TRL"} | set(also)
        if words:
            english[url] = sorted(words)
    return english


@pytest.mark.parametrize("language", ["ur", "zh-hans"])
def test_profile_pages_show_no_english_interface_text(
    client, language, zone_cn, staff_cn, django_capture_on_commit_callbacks
):
    from corridor.accounts.models import OrganisationMembership
    from corridor.docking.services import (
        profile_approve,
        profile_create,
        profile_submit,
        profile_translation_set,
    )

    from ..factories import UserFactory

    org = OrganisationFactory(
        slug="xingxin", name="星芯机器人", country="CN", zone=zone_cn, city="",
        sectors=[Sector.objects.get(code="robotics")],
    )  # fmt: skip
    author = UserFactory(username="作者", email="", language=language)
    OrganisationMembership.objects.create(user=author, organisation=org, role="admin")
    fields = {
        "kind": "technology_offer", "title": "六轴弧焊机器人工作站",
        "summary": "带激光焊缝跟踪，适用于汽车零部件。", "keywords": ["机器人"], "trl": 7,
        "modes": ["licence"], "target_countries": ["PK"], "sectors": ["robotics"],
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        published = profile_create(organisation=org, by=author, **fields)
        profile_translation_set(
            profile=published, by=author, language="ur", title="چھ محوری ویلڈنگ روبوٹ"
        )
        profile_submit(profile=published, by=author)
        profile_approve(profile=published, by=staff_cn)
        draft = profile_create(organisation=org, by=author, **fields)
        submitted = profile_create(organisation=org, by=author, **fields)
        profile_submit(profile=submitted, by=author)
    with translation.override(language):
        own = [
            reverse("docking:profile_list"),
            reverse("docking:profile_list") + "?q=%E6%9C%BA%E5%99%A8%E4%BA%BA",
            reverse("docking:profile_list") + "?trl=99",
            reverse("docking:profile_detail", kwargs={"pk": published.pk}),
            reverse("docking:profile_detail", kwargs={"pk": draft.pk}),
            reverse("docking:profile_create"),
            reverse("docking:profile_edit", kwargs={"pk": draft.pk}),
            reverse("docking:profile_translation", kwargs={"pk": draft.pk, "language": "en"}),
            reverse("docking:my_profiles"),
        ]
        moderated = [
            reverse("docking:moderation_queue"),
            reverse("docking:profile_detail", kwargs={"pk": submitted.pk}),
        ]
        login = reverse("accounts:login")
    assert _english_words(client, [login]) == {}
    client.force_login(author)
    assert _english_words(client, own) == {}
    client.force_login(staff_cn)
    assert _english_words(client, moderated) == {}
