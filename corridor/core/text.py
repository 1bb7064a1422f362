"""Text written by people: language detection, validation and search tokens.

Search works the same on SQLite (FTS5) and PostgreSQL (full text, ``simple``
configuration) because both index a *search document* made here: words split by
language (jieba for Chinese, Unicode words elsewhere), case-folded, with Urdu
letter variants and diacritics normalised. The database only matches tokens.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata

logger = logging.getLogger(__name__)

LANGUAGE_CODES = ("en", "zh-hans", "ur")
MAX_TOKEN = 64

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RUN = re.compile(f"([{_HAN}]+)")
_HAN_CHAR = re.compile(f"[{_HAN}]")
_ARABIC_CHAR = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN_CHAR = re.compile(r"[A-Za-z\u00c0-\u024f]")
_WORD = re.compile(r"\w+", re.UNICODE)
# Arabic-script diacritics (harakat, superscript alef, Urdu marks): not written consistently.
_ARABIC_MARKS = re.compile(r"[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
# Arabic code points that Urdu writers use interchangeably with the Urdu ones.
_URDU_FOLD = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ه": "ہ", "ة": "ۃ"})


class TextError(ValueError):
    """Text that cannot be stored as it is."""


def clean_text(value: str | None, *, max_length: int | None = None, field: str = "") -> str:
    """Normalise user text (NFC, trimmed) and reject what no database should store.

    PostgreSQL refuses NUL bytes that SQLite stores quietly, so both reject them here.
    """
    if value is None:
        return ""
    if "\x00" in value:
        raise TextError(f"{field or 'text'}: contains a NUL byte")
    value = unicodedata.normalize("NFC", value).strip()
    if max_length is not None and len(value) > max_length:
        raise TextError(f"{field or 'text'}: longer than {max_length} characters ({len(value)})")
    return value


@functools.cache
def _detector():
    from lingua import Language, LanguageDetectorBuilder

    languages = {Language.ENGLISH: "en", Language.CHINESE: "zh-hans", Language.URDU: "ur"}
    detector = LanguageDetectorBuilder.from_languages(*languages).build()
    return detector, languages


def detect_language(text: str) -> str:
    """The language code (``en``, ``zh-hans``, ``ur``) a text is written in, or ``""``."""
    if not text or not text.strip():
        return ""
    # Script decides most cases for certain and costs nothing.
    han = len(_HAN_CHAR.findall(text))
    arabic = len(_ARABIC_CHAR.findall(text))
    latin = len(_LATIN_CHAR.findall(text))
    if not (han or arabic or latin):
        return ""
    if han and han >= arabic and han * 3 >= latin:
        return "zh-hans"
    if arabic and arabic >= han and arabic * 2 >= latin:
        return "ur"
    detector, languages = _detector()
    found = detector.detect_language_of(text)
    return languages.get(found, "") if found is not None else ""


@functools.cache
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()  # builds its dictionary cache once per process
    return jieba


def _fold(word: str) -> str:
    word = unicodedata.normalize("NFKC", word).casefold()
    if _ARABIC_CHAR.search(word):
        word = _ARABIC_MARKS.sub("", word).translate(_URDU_FOLD)
    return word


def search_tokens(text: str) -> list[str]:
    """The tokens a text is indexed and searched by, in order, repeats kept."""
    if not text:
        return []
    tokens: list[str] = []
    for index, part in enumerate(_HAN_RUN.split(text)):
        if not part:
            continue
        if index % 2:  # a run of Han characters
            # Search mode yields a long word and its shorter words ("中关村", "中关", "关村").
            tokens.extend(w for w in _jieba().cut_for_search(part) if w.strip())
        else:
            # Marks first: \w does not match them, so they would split a word.
            tokens.extend(_fold(w) for w in _WORD.findall(_ARABIC_MARKS.sub("", part)))
    # Long "words" (hashes, URLs run together) are cut: PostgreSQL drops words over
    # 2,047 bytes from tsvectors and tsqueries while SQLite keeps them, and no one searches by them.
    return [t[:MAX_TOKEN] for t in tokens if t and t != "_"]


def search_document(*texts: str | None) -> str:
    """One space-separated string of distinct tokens for the full-text index."""
    seen: dict[str, None] = {}
    for text in texts:
        for token in search_tokens(text or ""):
            seen.setdefault(token, None)
    return " ".join(seen)


def query_terms(query: str, *, limit: int = 12) -> list[str]:
    """The distinct tokens of a search query, at most ``limit`` of them."""
    seen: dict[str, None] = {}
    for token in search_tokens(query):
        seen.setdefault(token, None)
    terms = list(seen)
    # For Chinese keep only the shortest words: a long word from the query ("科技园区")
    # may sit inside a longer word of the document ("中关村科技园区"), but its short
    # words ("科技", "园区") are indexed either way; prefix matching does the rest.
    han = [t for t in terms if _HAN_CHAR.match(t)]
    terms = [t for t in terms if t not in han or not any(o != t and o in t for o in han)]
    return terms[:limit]
