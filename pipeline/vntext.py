"""Vietnamese text helpers: NFC, accent-insensitive folding, OCR digit confusions.

`fold` is *length-preserving* on NFC text (one output character per input character), so a
regular expression can be matched on the folded text and the match positions used to slice the
original text. That is how keywords are matched regardless of case and of the diacritic confusions
Tesseract makes (hỏi read as sắc: "Sổ"/"Số", "ngảy"/"ngày", "nắm"/"năm").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u3000]+")
_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-",
                         "\u2014": "-", "\u2212": "-", "\u2015": "-", "\uff0d": "-",
                         "\u2044": "/", "\u2215": "/", "\uff0f": "/", "\uff1a": ":",
                         "\u00d0": "Đ", "\u0189": "Đ", "\u00f0": "đ"})
# Letters Tesseract returns for digits inside numbers.
_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "Q": "0", "D": "0", "l": "1", "I": "1",
                                   "i": "1", "|": "1", "!": "1", "í": "1", "ì": "1", "Z": "2",
                                   "z": "2", "S": "5", "s": "5", "B": "8", "g": "9", "G": "6",
                                   "b": "6", "T": "7"})
_LOOKALIKE_CHARS = frozenset("OoQDlIi|!íìZzSsBgGbT")


def nfc(text: str) -> str:
    """Unicode NFC with unified dashes/slashes and single spaces (newlines kept)."""
    text = unicodedata.normalize("NFC", text).translate(_DASHES)
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    if char in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", char)[0]
    lowered = base.lower()
    return lowered if len(lowered) == 1 else char


def fold(text: str) -> str:
    """Lower-case, strip diacritics, đ→d; same length as `text` (text must be NFC)."""
    return "".join(_fold_char(c) for c in text)


def same_folded(a: str, b: str) -> bool:
    """Accent- and case-insensitive equality with whitespace collapsed."""
    return " ".join(fold(nfc(a)).split()) == " ".join(fold(nfc(b)).split())


def upper_vi(text: str) -> str:
    """Vietnamese upper case ("đ" → "Đ"); str.upper handles precomposed NFC letters."""
    return unicodedata.normalize("NFC", text).upper()


def is_upper_text(text: str, *, min_ratio: float = 0.85) -> bool:
    """True when most letters are capitals (titles, agency names)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    return sum(c.isupper() for c in letters) / len(letters) >= min_ratio


def fix_digit_token(token: str) -> str:
    """Replace letter look-alikes by digits in a token that is mostly digits ("2O24" → "2024")."""
    digits = sum(c.isdigit() for c in token)
    lookalikes = sum(c in _LOOKALIKE_CHARS for c in token)
    if digits == 0 or digits + lookalikes != len(token) or lookalikes > digits:
        return token
    return token.translate(_DIGIT_LOOKALIKES)


def to_digits(text: str) -> str:
    """Digits of a numeric field with look-alikes fixed and stray spaces/dots removed.

    Returns "" when the text holds anything else than digits, look-alikes and separators.
    """
    compact = re.sub(r"[\s.\-]", "", text)
    if not compact:
        return ""
    fixed = compact.translate(_DIGIT_LOOKALIKES)
    return fixed if fixed.isdigit() and any(c.isdigit() for c in compact) else ""


def squeeze_symbol(text: str) -> str:
    """Remove stray spaces around "/" and "-" in a number-and-symbol ("15 / QĐ - UBND")."""
    return re.sub(r"\s*([/-])\s*", r"\1", text.strip())


def strip_punct(text: str) -> str:
    """Trim surrounding spaces and list/sentence punctuation."""
    return text.strip().strip(" ;:,.-–+*•").strip()


def collapse(text: str) -> str:
    """Single spaces, no surrounding whitespace."""
    return " ".join(text.split())


def compact_key(text: str) -> str:
    """Matching key ignoring case, diacritics, spaces and punctuation inside a phrase."""
    return re.sub(r"[\W_]+", "", fold(unicodedata.normalize("NFC", text)))


def snap(text: str, vocabulary: tuple[str, ...] | list[str], *, max_edits: int = 0) -> str | None:
    """The vocabulary entry equal to `text` ignoring case, diacritics and spaces, if unique.

    With max_edits=1 a single lost, extra or misread letter is tolerated for keys of 6+
    letters ('"HÔNG BÁO' → "THÔNG BÁO").
    """
    key = compact_key(text)
    hits = {v for v in vocabulary if compact_key(v) == key}
    if not hits and max_edits and len(key) >= 6:
        hits = {v for v in vocabulary if _within_one_edit(compact_key(v), key)}
    return hits.pop() if len(hits) == 1 else None


def _within_one_edit(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def has_word_char(text: str) -> bool:
    """Contains a letter or digit (not only marks, punctuation or a stray accent "ˆ")."""
    return any(unicodedata.category(c) in ("Lu", "Ll", "Nd") for c in text)


def _base_and_marks(char: str) -> tuple[str, frozenset[str]]:
    if char in "đĐ":
        return "d", frozenset({"stroke"})
    parts = unicodedata.normalize("NFD", char)
    return parts[0].lower(), frozenset(parts[1:])


def fewer_marks(a: str, b: str) -> bool:
    """`a` spells `b` with some diacritics missing (not substituted): "HÒA BINH" ⊂ "HÒA BÌNH".

    Uppercase Vietnamese loses marks in OCR more often than it gains them, so the reading with
    more marks wins such a disagreement.
    """
    a, b = unicodedata.normalize("NFC", a), unicodedata.normalize("NFC", b)
    if len(a) != len(b) or a.lower() == b.lower():
        return False
    for x, y in zip(a, b, strict=True):
        bx, mx = _base_and_marks(x)
        by, my = _base_and_marks(y)
        if bx != by or not mx <= my:
            return False
    return True
