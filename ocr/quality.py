"""Vietnamese sanity check of recognised text: share of tokens that are valid syllables.

Tesseract's typical failure on Vietnamese is a wrong or missing diacritic, which often yields a
string that is not a Vietnamese syllable at all ("đổi" → "đôỉ", "nguời"). A page whose tokens
are mostly invalid was read badly, or is not Vietnamese.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Combining tone marks (after NFD): grave, acute, tilde, hook above, dot below.
_TONE_MARKS = {
    "\u0300": "huyen",
    "\u0301": "sac",
    "\u0303": "nga",
    "\u0309": "hoi",
    "\u0323": "nang",
}
_VOWELS = set("aăâeêioôơuưy")
_ONSET_TEXT = "ngh ng gh gi kh nh ph th tr ch qu b c d đ g h k l m n p r s t v x"
_ONSETS = tuple(_ONSET_TEXT.split())
_RHYME_TEXT = """
    a ai ao au ay ac ach am an ang anh ap at
    ăc ăm ăn ăng ăp ăt
    âc âm ân âng âp ât âu ây
    e ec em en eng eo ep et ê êch êm ên ênh êp êt êu
    i ia ich im in inh ip it iu iêc iêm iên iêng iêp iêt iêu
    o oa oac oach oai oam oan oang oanh oao oap oat oay oăc oăm oăn oăng oăt oc oe oen oeo
    oet oi om on ong ooc oong op ot
    ô ôc ôi ôm ôn ông ôp ôt ơ ơi ơm ơn ơp ơt
    u ua uân uâng uât uây uc uê uênh uêch ui um un ung up ut uy uya uych uyên uyêt uynh uyt
    uyu uôc uôi uôm uôn uông uôt uơ
    ư ưa ưc ưi ưng ưu ưt ưm ưn ươc ươi ươm ươn ương ươp ươt ươu
    y yêm yên yêng yêt yêu
"""
_RHYMES = frozenset(_RHYME_TEXT.split())
_STOP_CODAS = ("ch", "c", "p", "t")
_TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)
_VN_MARKED = set("ăâđêôơư")


def split_tone(syllable: str) -> tuple[str, str | None, bool]:
    """Return (toneless NFC lower-case syllable, tone name, more-than-one-tone)."""
    tones: list[str] = []
    kept: list[str] = []
    for ch in unicodedata.normalize("NFD", syllable.lower()):
        if ch in _TONE_MARKS:
            tones.append(_TONE_MARKS[ch])
        else:
            kept.append(ch)
    base = unicodedata.normalize("NFC", "".join(kept))
    return base, (tones[0] if tones else None), len(tones) > 1


def is_vietnamese_syllable(token: str) -> bool:
    base, tone, several = split_tone(token)
    if several or not base:
        return False
    if base.endswith(_STOP_CODAS) and tone not in ("sac", "nang"):
        return False  # a stop coda takes only sắc or nặng: "các", "mặt"; "mat" is a misread
    candidates = [base] + [base[len(o) :] for o in _ONSETS if base.startswith(o)]
    # "gi" + rhyme beginning with i ("gìn" = gi + in): the i is shared.
    if base.startswith("gi"):
        candidates.append(base[1:])
    return any(c in _RHYMES for c in candidates)


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
