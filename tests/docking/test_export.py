"""``corridor export profiles``: published profiles as the public sees them, never an identity."""

import csv
import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation

from corridor.docking.exports import COLUMNS, profile_rows
from corridor.docking.models import CooperationProfile
from corridor.docking.services import profile_translation_set, profiles_expire


@pytest.fixture(autouse=True)
def in_english():
    """Messages are checked in English, whatever an earlier test's request left active."""
    with translation.override("en"):
        yield


def command(*args) -> str:
    out = io.StringIO()
    call_command("export", *[str(a) for a in args], stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def exported(draft, cn_request, cn_unrelated, org_member, other_member, publish, organisation):
    """The Pakistani offer published under its name; the two Chinese profiles anonymous."""
    organisation.website = "https://indus.example.pk"
    organisation.city = "Islamabad"
    organisation.save()
    draft.is_anonymous = False
    draft.save(update_fields=["is_anonymous"])
    profile_translation_set(
        profile=draft,
        by=org_member,
        language="ur",
        title="ٹیکسٹائل ملوں کے لیے کم لاگت روبوٹک بازو",
        summary="",
        description="",
    )
    publish(draft, by=org_member)
    publish(cn_request, by=other_member)
    return draft, cn_request, cn_unrelated  # cn_unrelated stays a draft


def test_profiles_export_to_json_as_the_public_sees_them(exported, tmp_path, organisation):
    offer, request, unrelated = exported
    path = tmp_path / "profiles.json"
    assert "Exported 2 cooperation profiles" in command("profiles", "--output", path)
    rows = json.loads(path.read_text(encoding="utf-8"))
    assert [r["reference"] for r in rows] == [offer.reference, request.reference]
    assert all(list(row) == COLUMNS for row in rows)
    first, second = rows
    assert first["organisation"] == organisation.name  # published under its name
    assert first["kind"] == "technology_offer" and first["trl"] == 6
    assert first["sectors"] == ["robotics"] and first["keywords"] == ["robotics", "textiles"]
    assert first["modes"] == ["licence", "joint_venture"] and first["target_countries"] == ["CN"]
    assert first["country"] == "PK" and first["language"] == "en"
    assert first["published_at"] and first["expires_at"] and first["deadline"] is None
    assert second["organisation"] is None  # anonymous
    assert second["trl"] is None and (second["trl_min"], second["trl_max"]) == (5, 8)
    assert second["title"] == request.title and second["country"] == "CN"


def test_profiles_export_to_csv(exported, tmp_path):
    offer, request, _ = exported
    path = tmp_path / "profiles.csv"
    command("profiles", path)
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert list(rows[0]) == COLUMNS
    by_reference = {r["reference"]: r for r in rows}
    assert by_reference[offer.reference]["modes"] == "licence;joint_venture"
    assert by_reference[request.reference]["organisation"] == ""
    assert by_reference[request.reference]["title"] == "寻求纺织厂用的低成本机械臂"


def test_anonymous_profiles_never_carry_their_identity(
    exported, tmp_path, organisation_cn, other_member
):
    organisation_cn.website = "https://zpark-ai.example.cn"
    organisation_cn.city = "Haidian"
    organisation_cn.save()
    for fmt in ("csv", "json"):
        path = tmp_path / f"profiles.{fmt}"
        command("profiles", "--output", path)
        text = path.read_text(encoding="utf-8")
        for secret in (
            organisation_cn.name,
            organisation_cn.slug,
            organisation_cn.website,
            organisation_cn.city,
            other_member.username,
            other_member.email,
        ):
            assert secret not in text, (fmt, secret)
    rows = list(profile_rows())
    assert [row["organisation"] for row in rows] == ["Indus Robotics", None]


def test_only_published_profiles_are_exported(exported, tmp_path):
    offer, request, unrelated = exported
    profiles_expire(now=offer.expires_at)
    references = [row["reference"] for row in profile_rows()]
    assert references == [request.reference]
    assert unrelated.reference not in references  # a draft
    # Past its expiry but not yet marked expired: hidden from the public already.
    CooperationProfile.objects.filter(pk=request.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert list(profile_rows()) == []


def test_country_filter(exported, tmp_path):
    offer, request, _ = exported
    path = tmp_path / "cn.json"
    command("profiles", "--output", path, "--country", "cn")
    assert [r["reference"] for r in json.loads(path.read_text())] == [request.reference]
    command("profiles", "--output", path, "--country", "PK")
    assert [r["reference"] for r in json.loads(path.read_text())] == [offer.reference]


def test_profiles_export_to_standard_output(exported, capsys):
    command("profiles", "--format", "json")
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 2
    command("profiles", "-", "--format", "csv", "--country", "CN")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ",".join(COLUMNS) and len(lines) == 2


def test_queries_do_not_grow_with_the_number_of_profiles(
    exported, django_assert_max_num_queries, organisation, org_member, profile_fields, publish
):
    from corridor.docking.services import profile_create

    with django_assert_max_num_queries(12) as few:
        assert len(list(profile_rows())) == 2
    for number in range(5):
        publish(
            profile_create(
                organisation=organisation,
                by=org_member,
                **{**profile_fields, "title": f"Robotic arm model {number}"},
            ),
            by=org_member,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(list(profile_rows())) == 7


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["profiles"], "--format"),
        (["profiles", "out.xlsx"], "extension"),
        (["profiles", "--output", "out.txt"], "extension"),
        (["profiles", "out.csv", "--output", "other.csv"], "once"),
        (["profiles", "out.csv", "--country", "XX"], "Unknown country"),
        (["profiles", "out.csv", "--zone", "z-park"], "--zone applies to organisations and zones"),
        (["profiles", "/nonexistent-folder/out.csv"], "Cannot write"),
        (["profiles", "out.csv", "--format", "xml"], "invalid choice"),
        (["profile", "out.csv"], "invalid choice"),
    ],
)
def test_bad_export_requests_are_refused_clearly(exported, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CommandError, match=message):
        command(*args)
    assert list(tmp_path.iterdir()) == []


def test_the_same_file_given_twice_is_fine(exported, tmp_path):
    path = tmp_path / "profiles.csv"
    assert "Exported 2 cooperation profiles" in command("profiles", path, "--output", path)
