"""Long texts cut into passages: whole sentences, grouped to a size the model reads well.

A passage keeps its character offsets in the text it came from, so an explanation
can quote (and a page can highlight) the exact sentences that matched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from corridor.core.text import detect_language

MAX_WORDS = 60
MAX_HAN = 120

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_CHAR = re.compile(f"[{_HAN}]")
# Latin stops end a sentence only before a space or the end ("3.5 kW", "e.g.x" stay whole);
# Chinese and Urdu stops (。！？ ۔ ؟) end it wherever they stand; so does a line break.
_SENTENCE_END = re.compile(r"[.!?]+(?=[\s\"'”’)\]]|$)[\"'”’)\]]*|[。！？۔؟]+[”’」』）]*|\n")
# Units a too-long sentence may be cut between: one Han character, or a run of anything else.
_UNIT = re.compile(f"[{_HAN}]|[^\\s{_HAN}]+")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Passage:
    """A piece of a text: ``text == source_text[start:end]``."""

    text: str
    start: int
    end: int
    lang: str = ""
    version: int = 0  # which of a profile's texts (original, translations) it is from


def _cost(text: str, max_words: int, max_han: int) -> float:
    """Share of a passage's budget this text uses (1.0 = full)."""
    han = len(_HAN_CHAR.findall(text))
    words = len(_WORD.findall(_HAN_CHAR.sub(" ", text)))
    return words / max_words + han / max_han


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, surrounding white space trimmed, empty ones dropped."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        spans.append((start, match.end()))
        start = match.end()
    spans.append((start, len(text)))
    trimmed = []
    for a, b in spans:
        piece = text[a:b]
        stripped = piece.strip()
        if not stripped:
            continue
        a += len(piece) - len(piece.lstrip())
        trimmed.append((a, a + len(stripped)))
    return trimmed


def _cut(text: str, start: int, end: int, max_words: int, max_han: int) -> list[tuple[int, int]]:
    """A sentence too long for one passage, cut between words (or Han characters)."""
    pieces: list[tuple[int, int]] = []
    piece_start = None
    piece_end = start
    used = 0.0
    for unit in _UNIT.finditer(text, start, end):
        cost = 1 / max_han if _HAN_CHAR.match(unit.group()) else 1 / max_words
        if piece_start is not None and used + cost > 1.0 + 1e-9:
            pieces.append((piece_start, piece_end))
            piece_start, used = None, 0.0
        if piece_start is None:
            piece_start = unit.start()
        piece_end = unit.end()
        used += cost
    if piece_start is not None:
        pieces.append((piece_start, piece_end))
    return pieces


def split_passages(
    text: str,
    *,
    lang: str = "",
    version: int = 0,
    max_words: int = MAX_WORDS,
    max_han: int = MAX_HAN,
) -> list[Passage]:
    """Consecutive sentences grouped into passages of at most ~60 words / ~120 Han characters.

    ``lang`` is the language the text is written in; when empty each passage's
    language is detected. A sentence longer than a passage is cut between words.
    """
    if not text or not text.strip():
        return []
    if max_words < 1 or max_han < 1:
        raise ValueError("passage limits must be positive")
    groups: list[tuple[int, int]] = []
    group: tuple[int, int] | None = None
    used = 0.0
    for start, end in sentence_spans(text):
        cost = _cost(text[start:end], max_words, max_han)
        if cost > 1.0:
            if group is not None:
                groups.append(group)
                group, used = None, 0.0
            groups.extend(_cut(text, start, end, max_words, max_han))
            continue
        if group is not None and used + cost <= 1.0:
            group, used = (group[0], end), used + cost
        else:
            if group is not None:
                groups.append(group)
            group, used = (start, end), cost
    if group is not None:
        groups.append(group)
    return [
        Passage(
            text=text[a:b], start=a, end=b, lang=lang or detect_language(text[a:b]), version=version
        )
        for a, b in groups
    ]
