"""Vietnamese sanity check of recognised text: share of tokens that are valid syllables.

Tesseract's typical failure on Vietnamese is a wrong or missing diacritic, which often yields a
string that is not a Vietnamese syllable at all ("đổi" → "đôỉ", "nguời"). A page whose tokens
are mostly invalid was read badly, or is not Vietnamese.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ocr.syllables import TONE_MARKS as _TONE_MARKS
from ocr.syllables import is_valid_syllable, split_tone

_VOWELS = set("aăâeêioôơuưy")
_TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)
_VN_MARKED = set("ăâđêôơư")


def is_vietnamese_syllable(token: str) -> bool:
    return is_valid_syllable(token)


def has_vietnamese_marks(token: str) -> bool:
    low = token.lower()
    if any(ch in _VN_MARKED for ch in low):
        return True
    return any(ch in _TONE_MARKS for ch in unicodedata.normalize("NFD", low))


@dataclass(frozen=True)
class TextQuality:
    tokens: int  # tokens judged
    valid: int  # of those, valid Vietnamese syllables
    marked: int  # of those, carrying a Vietnamese diacritic

    @property
    def score(self) -> float:
        return 1.0 if self.tokens == 0 else self.valid / self.tokens

    @property
    def marked_share(self) -> float:
        return 0.0 if self.tokens == 0 else self.marked / self.tokens


def _judged(token: str) -> bool:
    low = token.lower()
    if not any(ch in _VOWELS for ch in split_tone(low)[0]):
        return False  # "QĐ", "TTHC", "UBND"-like abbreviations without vowels
    # Upper-case abbreviations ("UBND", "HĐND") are not syllables but not errors either.
    return not (
        token.isupper()
        and len(token) >= 2
        and not is_vietnamese_syllable(token)
        and not has_vietnamese_marks(token)
    )


def text_quality(text: str) -> TextQuality:
    tokens = [t for t in _TOKEN.findall(unicodedata.normalize("NFC", text)) if _judged(t)]
    valid = sum(1 for t in tokens if is_vietnamese_syllable(t))
    marked = sum(1 for t in tokens if has_vietnamese_marks(t))
    return TextQuality(tokens=len(tokens), valid=valid, marked=marked)


# Characters printed on Vietnamese administrative pages besides letters and digits.
_PRINTED_PUNCTUATION = set(".,;:!?-–—/()[]\"'%“”‘’…*+&§°")


def _is_vietnamese_letter(ch: str) -> bool:
    base = unicodedata.normalize("NFD", ch.lower())[0]
    return ("a" <= base <= "z") or base == "đ"


def _printable(word: str) -> bool:
    return all(
        ch.isdigit() or ch in _PRINTED_PUNCTUATION or (ch.isalpha() and _is_vietnamese_letter(ch))
        for ch in word
    )


def reading_quality(text: str) -> TextQuality:
    """Word by word, for comparing readings of one page: a word is valid when its letters are
    Vietnamese syllables (or an upper-case abbreviation); a word holding characters no printed
    Vietnamese page has ("©", "œ", "›", "=") counts as invalid too. A sideways or garbled read
    scatters such symbols and one-letter "syllables" that a letters-only ratio would miss."""
    tokens = valid = marked = 0
    for word in unicodedata.normalize("NFC", text).split():
        if not _printable(word):
            tokens += 1
            continue
        runs = _TOKEN.findall(word)
        if not runs:
            continue  # a number, a date, a dash: says nothing either way
        tokens += 1
        if all(is_vietnamese_syllable(r) or (r.isupper() and len(r) >= 2) for r in runs):
            valid += 1
        if any(has_vietnamese_marks(r) for r in runs):
            marked += 1
    return TextQuality(tokens=tokens, valid=valid, marked=marked)
