from corridor.matching.passages import sentence_spans, split_passages


def _check_offsets(text, passages):
    for p in passages:
        assert text[p.start : p.end] == p.text


def test_english_sentences_split_on_stops_but_not_decimals():
    text = "We build robots. Version 3.5 ships in May! Need parts?\nContact us"
    spans = [text[a:b] for a, b in sentence_spans(text)]
    assert spans == ["We build robots.", "Version 3.5 ships in May!", "Need parts?", "Contact us"]


def test_chinese_and_urdu_sentence_ends():
    zh = "我们提供机器人。欢迎合作！有问题吗？请联系"
    assert [zh[a:b] for a, b in sentence_spans(zh)] == [
        "我们提供机器人。",
        "欢迎合作！",
        "有问题吗？",
        "请联系",
    ]
    ur = "ہم روبوٹ بناتے ہیں۔ کیا آپ شراکت چاہتے ہیں؟ رابطہ کریں"
    assert [ur[a:b] for a, b in sentence_spans(ur)] == [
        "ہم روبوٹ بناتے ہیں۔",
        "کیا آپ شراکت چاہتے ہیں؟",
        "رابطہ کریں",
    ]


def test_sentences_group_up_to_the_budget_and_keep_offsets():
    sentence = "Our factory welds car parts with six axis robots every day. "  # 11 words
    text = "  " + sentence * 12
    passages = split_passages(text, lang="en")
    _check_offsets(text, passages)
    # 60 words per passage: five 11-word sentences fit, a sixth does not.
    assert [len(p.text.split()) for p in passages] == [55, 55, 22]
    assert all(p.lang == "en" for p in passages)

    zh = "我们提供工业机器人焊接解决方案。" * 20  # 16 characters, 15 of them Han
    passages = split_passages(zh, lang="zh-hans")
    _check_offsets(zh, passages)
    assert [len(p.text) for p in passages] == [128, 128, 64]


def test_a_sentence_longer_than_a_passage_is_cut_between_words():
    text = " ".join(f"w{i}" for i in range(150))
    passages = split_passages(text)
    _check_offsets(text, passages)
    assert [len(p.text.split()) for p in passages] == [60, 60, 30]
    han = "机" * 250
    assert [len(p.text) for p in split_passages(han, lang="zh-hans")] == [120, 120, 10]


def test_language_is_detected_per_passage_when_not_given():
    text = "ہم روبوٹ بناتے ہیں۔\n我们提供机器人。"
    passages = split_passages(text, max_words=4, max_han=7)
    assert [p.lang for p in passages] == ["ur", "zh-hans"]
    assert split_passages("   ") == []
