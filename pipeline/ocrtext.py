"""Tone marks of OCR'd page text restored with the lexicon (issue 8, item 3).

Tesseract's most frequent error on real scans is a tone mark lost over a circumflex ("thâm
quyên", "giải quyêt", "Căn cứ Nghị định sô …") and, on headings in capitals, every mark lost
("QUYÉT ĐỊNH", "CONG TY"). `repair_line` is handed to the OCR (`OcrOptions.text_repair`) and
runs on each line of a page's words: a syllable changes only where `lexicon.repair_text`
decides it (an unknown form with exactly one candidate, or a word pair of the word list that
holds exactly one candidate); a valid syllable changes only where the new one makes a common
word with a neighbour, and never by a tone swap between two marked syllables, which needs more
context than a line gives. The page's text and its searchable layer carry the repair; the
word boxes keep what Tesseract read, with its confidence, for extraction and review.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.extract import lexicon
from pipeline.vntext import fold

# A line is repaired only when it reads as Vietnamese: a garbled line (a stamp, a curled
# edge) has no context to decide by, and "repairing" it only moves the garbage around.
MIN_VALID_SHARE = 0.5
PASSES = 3
_WORD = re.compile(r"[^\w]*(\w+)([^\w]*)")


def _abbreviation(token: str) -> bool:
    """"CO.", "KT.", "TT.": capitals closed by a dot are an abbreviation, not a syllable."""
    m = _WORD.fullmatch(token)
    return bool(m and m.group(1).isupper() and m.group(2).startswith("."))


def _name_like(token: str) -> bool:
    """A valid syllable with a capital initial ("Liêu", "Vinh"): possibly a name, whose tone no
    word pair can judge (`repair_text` keeps those inside a line; this covers a line's first)."""
    m = _WORD.fullmatch(token)
    word = m.group(1) if m else ""
    return word[:1].isupper() and not word.isupper() and lexicon.is_syllable(word)


def repair_line(words: Sequence[str]) -> list[str]:
    """The words of one OCR'd line with tone marks restored where the lexicon decides; the
    same number of words, each changed in its marks only. A repair can decide its neighbour
    ("PHO CHU TỊCH": "CHỦ TỊCH", then "PHÓ CHỦ"), so the line is gone over until it holds
    (at most `PASSES` times)."""
    tokens = list(words)
    if not tokens or any(not t or " " in t for t in tokens):
        return tokens
    letters = [m.group(1) for t in tokens if (m := _WORD.fullmatch(t)) and m.group(1).isalpha()]
    if len(letters) < 2:
        return tokens  # one word alone: no neighbour to decide by
    valid = sum(lexicon.is_syllable(w) for w in letters)
    if valid < MIN_VALID_SHARE * len(letters):
        return tokens
    kept = {k for k, t in enumerate(tokens) if _abbreviation(t) or _name_like(t)}
    for _ in range(PASSES):
        again = _one_pass(tokens, kept)
        if again == tokens:
            break
        tokens = again
    return tokens


def _one_pass(tokens: list[str], kept: set[int]) -> list[str]:
    fixed, changed, _ = lexicon.repair_text(" ".join(tokens))
    out = fixed.split(" ")
    if not changed or len(out) != len(tokens):
        return tokens
    bare = [_bare(t) for t in out]
    result = []
    for k, (t, o) in enumerate(zip(tokens, out, strict=True)):
        if t == o or k in kept or not _marks_only(t, o):
            result.append(t)
        elif lexicon.is_syllable(_bare(t)) and not _common_with_a_neighbour(bare, k):
            result.append(t)  # a valid syllable changes only into a common word
        else:
            result.append(o)
    return result


def _bare(token: str) -> str:
    m = _WORD.fullmatch(token)
    return m.group(1) if m else token


def _common_with_a_neighbour(bare: list[str], k: int) -> bool:
    """The repaired syllable makes a common word (`underthesea`'s Viet39K) with the syllable
    before or after it: the word list's rarer words and the place names pair a right syllable
    with a wrong tone too ("HAI PHÒNG" is a number and a word, "Hải Phòng" a city)."""
    return (k > 0 and lexicon.common_pair(bare[k - 1], bare[k])) or (
        k + 1 < len(bare) and lexicon.common_pair(bare[k], bare[k + 1]))


def _marks_only(before: str, after: str) -> bool:
    """Only diacritics differ (a safety net: a repair never changes letters or length)."""
    return len(before) == len(after) and fold(before) == fold(after)
