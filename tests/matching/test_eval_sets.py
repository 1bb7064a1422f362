"""Integrity of the shipped evaluation sets (corridor/matching/data/eval_*.jsonl).

The figures in the data README are only worth something if the labels follow the
written rule: these tests hold the files to it, so an edit that breaks a label,
a field limit or the language balance fails here rather than skewing the numbers.
"""

import importlib
import json
from collections import Counter
from importlib.resources import files

import pytest

from corridor.matching.evaluate import load_pairs, load_profiles, profile_from_row
from corridor.matching.score import KINDS, complementarity, trl_fit
from corridor.matching.score import MODES as SCORE_MODES

DATA = files("corridor.matching") / "data"
LANGUAGES = ("en", "zh-hans", "ur")
MODES = set(SCORE_MODES)
TOP_SECTORS = {
    "semiconductors",
    "cloud",
    "ai",
    "robotics",
    "fintech",
    "blockchain",
    "biotech",
}
# Kinds that look for a technology carry the readiness range they want; the others
# carry the level they have (see the data README, "Fields").
RANGE_KINDS = {"technology_request", "business_request", "investment_offer"}
FIELDS = {
    "id",
    "kind",
    "organisation",
    "country",
    "language",
    "title",
    "summary",
    "description",
    "sectors",
    "keywords",
    "trl",
    "modes",
    "target_countries",
    "relevant",
}


def _jsonl(name):
    return [
        json.loads(line)
        for line in (DATA / name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


@pytest.fixture(scope="module")
def profiles():
    return _jsonl("eval_profiles.jsonl")


@pytest.fixture(scope="module")
def by_id(profiles):
    return {p["id"]: p for p in profiles}


@pytest.fixture(scope="module")
def labelled_pairs(profiles):
    return {(p["id"], r) for p in profiles for r in p["relevant"]}


@pytest.fixture(scope="module")
def sector_codes():
    seed = importlib.import_module("corridor.registry.migrations.0003_seed_sectors")
    return {row[0] for row in seed.SECTORS}


def test_size_and_coverage(profiles):
    assert len(profiles) >= 150
    languages = Counter(p["language"] for p in profiles)
    assert set(languages) == set(LANGUAGES)
    assert all(languages[lang] >= 40 for lang in LANGUAGES), languages
    assert {p["kind"] for p in profiles} == set(KINDS)
    assert {code.split(".")[0] for p in profiles for code in p["sectors"]} == TOP_SECTORS
    assert {p["country"] for p in profiles} == {"CN", "PK"}


def test_every_sector_has_every_direction(profiles):
    # Each of the seven sectors has both sides of the fair: offers and requests.
    sides = {}
    for p in profiles:
        top = p["sectors"][0].split(".")[0]
        sides.setdefault(top, set()).add(p["kind"].rpartition("_")[2])
    for top in TOP_SECTORS:
        assert {"offer", "request"} <= sides[top], top


def test_ids_and_fields(profiles):
    ids = [p["id"] for p in profiles]
    assert len(set(ids)) == len(ids)
    for p in profiles:
        assert set(p) == FIELDS, p["id"]
        assert p["kind"] in KINDS, p["id"]
        assert p["language"] in LANGUAGES, p["id"]
        assert p["country"] in {"CN", "PK"}, p["id"]
        assert p["target_countries"] and set(p["target_countries"]) <= {"CN", "PK"}, p["id"]
        assert isinstance(p["organisation"], str) and p["organisation"], p["id"]


def test_field_limits(profiles):
    for p in profiles:
        assert 0 < len(p["title"]) <= 256, p["id"]
        assert 0 < len(p["summary"]) <= 500, p["id"]
        assert 0 < len(p["description"]) <= 4000, p["id"]
        assert 1 <= len(p["keywords"]) <= 10, p["id"]
        assert len(set(p["keywords"])) == len(p["keywords"]), p["id"]
        assert p["modes"] and set(p["modes"]) <= MODES, p["id"]
        for text in (p["title"], p["summary"], p["description"], *p["keywords"]):
            assert "\x00" not in text and text == text.strip(), p["id"]


def test_trl_levels_and_ranges(profiles):
    for p in profiles:
        trl = p["trl"]
        if p["kind"] in RANGE_KINDS:
            assert set(trl) == {"min", "max"}, p["id"]
            assert 1 <= trl["min"] <= trl["max"] <= 9, p["id"]
        else:
            assert isinstance(trl, int) and not isinstance(trl, bool), p["id"]
            assert 1 <= trl <= 9, p["id"]


def test_sectors_come_from_the_seeded_taxonomy(profiles, sector_codes):
    for p in profiles:
        assert p["sectors"], p["id"]
        assert set(p["sectors"]) <= sector_codes, (p["id"], set(p["sectors"]) - sector_codes)


def test_texts_are_written_in_their_language(profiles):
    # Urdu in Urdu letters (ی ک ہ ے, not the Arabic ي ك ه) ending sentences with ۔;
    # Chinese in Han characters with Chinese stops.
    for p in profiles:
        text = p["summary"] + p["description"]
        if p["language"] == "ur":
            assert "۔" in p["description"], p["id"]
            assert not set(text) & set("يكه"), p["id"]
            assert set(text) & set("یکہے"), p["id"]
        elif p["language"] == "zh-hans":
            assert "。" in p["description"], p["id"]
            assert sum("\u4e00" <= ch <= "\u9fff" for ch in text) > len(text) / 2, p["id"]
        else:
            assert text.isascii() or sum(ord(ch) > 0x2FF for ch in text) < 5, p["id"]


def test_every_profile_has_a_good_partner_that_exists(profiles, by_id):
    for p in profiles:
        assert p["relevant"], p["id"]
        assert len(set(p["relevant"])) == len(p["relevant"]), p["id"]
        assert p["id"] not in p["relevant"], p["id"]
        for other in p["relevant"]:
            assert other in by_id, (p["id"], other)


def test_relevance_is_symmetric(labelled_pairs):
    assert all((b, a) in labelled_pairs for a, b in labelled_pairs)


def test_relevant_pairs_follow_the_labelling_rule(labelled_pairs, by_id):
    for a, b in labelled_pairs:
        pa, pb = by_id[a], by_id[b]
        assert complementarity(pa["kind"], pb["kind"]) == 1.0, (a, b)
        assert pa["organisation"] != pb["organisation"], (a, b)
        assert set(pa["modes"]) & set(pb["modes"]), (a, b)
        (ea, _), (eb, _) = profile_from_row(pa), profile_from_row(pb)
        if (ea.trl_wanted and eb.trl is not None) or (eb.trl_wanted and ea.trl is not None):
            assert trl_fit(ea.trl, ea.trl_wanted, eb.trl, eb.trl_wanted) == 1.0, (a, b)
        assert {s.split(".")[0] for s in pa["sectors"]} & {
            s.split(".")[0] for s in pb["sectors"]
        }, (a, b)


def test_partners_are_mostly_across_languages_and_borders(labelled_pairs, by_id):
    across_languages = sum(by_id[a]["language"] != by_id[b]["language"] for a, b in labelled_pairs)
    across_border = sum(by_id[a]["country"] != by_id[b]["country"] for a, b in labelled_pairs)
    assert across_languages >= 0.8 * len(labelled_pairs)
    assert across_border >= 0.8 * len(labelled_pairs)
    directions = Counter(
        (by_id[a]["language"], by_id[b]["language"])
        for a, b in labelled_pairs
        if by_id[a]["language"] != by_id[b]["language"]
    )
    assert len(directions) == 6, directions


def test_hard_negatives_in_every_sector(profiles, labelled_pairs):
    # A complementary pair in the same sub-sector that is NOT a good partner: the set
    # must make a ranker tell apart technologies, not just kinds and sectors.
    hard = set()
    for a in profiles:
        for b in profiles:
            if (
                a["id"] < b["id"]
                and (a["id"], b["id"]) not in labelled_pairs
                and a["organisation"] != b["organisation"]
                and complementarity(a["kind"], b["kind"])
                and set(a["sectors"]) & set(b["sectors"])
            ):
                hard.add(a["sectors"][0].split(".")[0])
    assert hard == TOP_SECTORS


def test_some_organisations_have_several_profiles(profiles):
    # So that the same-organisation exclusion is exercised by the set.
    per_org = Counter(p["organisation"] for p in profiles)
    assert sum(1 for n in per_org.values() if n >= 2) >= 3
    assert max(per_org.values()) <= 3


def test_profiles_load_into_the_engine(profiles):
    lines = (DATA / "eval_profiles.jsonl").read_text(encoding="utf-8").splitlines()
    loaded, relevant = load_profiles(lines, languages=LANGUAGES)
    assert [p.id for p in loaded] == [row["id"] for row in profiles]
    assert relevant == {row["id"]: set(row["relevant"]) for row in profiles}
    first = loaded[0]
    row = profiles[0]
    assert first.texts[0].text == "\n".join((row["title"], row["summary"], row["description"]))
    assert first.texts[0].lang == row["language"]
    assert first.kind == row["kind"] and first.organisation == row["organisation"]
    assert first.keywords == tuple(row["keywords"]) and first.sectors == set(row["sectors"])
    # Requests carry the wanted range, offers their level.
    for profile, row in zip(loaded, profiles, strict=True):
        if isinstance(row["trl"], dict):
            assert profile.trl_wanted == (row["trl"]["min"], row["trl"]["max"])
            assert profile.trl is None
        else:
            assert profile.trl == row["trl"] and profile.trl_wanted is None


def test_pairs_file(profiles):
    lines = (DATA / "eval_pairs.jsonl").read_text(encoding="utf-8").splitlines()
    pairs = load_pairs(lines)
    assert len(pairs) >= 150
    directions = Counter((p["a"]["lang"], p["b"]["lang"]) for p in pairs)
    assert set(directions) == {(a, b) for a in LANGUAGES for b in LANGUAGES if a != b}
    assert min(directions.values()) >= 15, directions
    a_texts = [p["a"]["text"] for p in pairs]
    b_texts = [p["b"]["text"] for p in pairs]
    # One answer per query: no text repeats on either side.
    assert len(set(a_texts)) == len(a_texts) and len(set(b_texts)) == len(b_texts)
    for pair in pairs:
        assert pair["a"]["text"] != pair["b"]["text"]
        for side in ("a", "b"):
            assert len(pair[side]["text"]) <= 256 + 1 + 500
            if pair[side]["lang"] == "ur":
                assert not set(pair[side]["text"]) & set("يكه")
