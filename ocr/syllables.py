"""The Vietnamese syllable inventory, generated from the orthography (onset × rhyme × tone).

No word list: a written syllable is an onset (possibly empty), a rhyme (glide, nucleus, coda)
and one tone mark. The spelling rules decide which onset may stand before which rhyme (k, gh
and ngh before the front vowels i, e, ê, y; c, g, ng elsewhere; qu carries the w-glide itself),
and the stop codas c, ch, p, t take only the sắc or nặng tone. Where the tone mark sits on
the vowel cluster is not checked: OCR never moves a mark between vowels of one syllable.

Public face: `is_valid_syllable(token)`, `syllable_ratio(text)`, `toneless_inventory()`,
`inventory_size()`. `ocr.quality` builds the page score on these; extraction reuses them.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Combining tone marks (after NFD): grave, acute, tilde, hook above, dot below.
TONE_MARKS = {
    "\u0300": "huyen",
    "\u0301": "sac",
    "\u0303": "nga",
    "\u0309": "hoi",
    "\u0323": "nang",
}
TONES = (None, "huyen", "sac", "nga", "hoi", "nang")
ONSETS = (
    "", "b", "c", "ch", "d", "đ", "g", "gh", "gi", "h", "k", "kh", "l", "m", "n", "ng", "ngh",
    "nh", "p", "ph", "qu", "r", "s", "t", "th", "tr", "v", "x",
)
# Rhymes as nucleus (+ glide before it) + coda, toneless, written as after a plain consonant.
_RHYME_TEXT = """
    a ai ao au ay ac ach am an ang anh ap at
    ă ăc ăm ăn ăng ăp ăt
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
RHYMES = frozenset(_RHYME_TEXT.split()) - {"ă"}  # ă never ends a syllable
_FRONT = ("i", "e", "ê", "y")
_STOP_CODAS = ("ch", "c", "p", "t")
_TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)


def _spelled(onset: str, rhyme: str) -> str | None:
    """The written syllable onset + rhyme, or None where the spelling rules forbid it."""
    front = rhyme.startswith(_FRONT)
    if onset in ("c", "g", "ng") and front:
        return None  # k, gh, ngh are written there
    if onset in ("k", "gh", "ngh") and not front:
        return None
    if rhyme.startswith("y") and rhyme != "y" and onset:
        return None  # "yêu" stands alone; after a consonant the glide is "iê": "tiêu"
    if onset == "qu" and rhyme.startswith(("o", "u")) and not rhyme.startswith(("ô", "ơ")):
        return None  # the w-glide is the u of qu: "qua" = qu + a, "quyết" = qu + yêt
    if onset == "gi" and rhyme.startswith("i"):
        return "g" + rhyme  # "gìn" = gi + in, written with one i
    return onset + rhyme


@lru_cache(maxsize=1)
def toneless_inventory() -> frozenset[str]:
    """Every written Vietnamese syllable without its tone mark, lower case, NFC."""
    out: set[str] = set()
    for onset in ONSETS:
        for rhyme in RHYMES:
            written = _spelled(onset, rhyme)
            if written:
                out.add(written)
        if onset == "qu":
            # qu + the y-glide rhymes: "quy", "quyết", "quyền", "quỳnh", "quých", "quýt"
            out.update({"quy", "quyêt", "quyên", "quynh", "quych", "quyt"})
    return frozenset(out)


def inventory_size() -> int:
    """Number of toned syllables the rules allow (stop codas with sắc/nặng only)."""
    stops = sum(1 for s in toneless_inventory() if s.endswith(_STOP_CODAS))
    return stops * 2 + (len(toneless_inventory()) - stops) * len(TONES)


def split_tone(syllable: str) -> tuple[str, str | None, bool]:
    """(toneless NFC lower-case syllable, tone name, more than one tone mark)."""
    tones: list[str] = []
    kept: list[str] = []
    for ch in unicodedata.normalize("NFD", syllable.lower()):
        if ch in TONE_MARKS:
            tones.append(TONE_MARKS[ch])
        else:
            kept.append(ch)
    base = unicodedata.normalize("NFC", "".join(kept))
    return base, (tones[0] if tones else None), len(tones) > 1


def is_valid_syllable(token: str) -> bool:
    """True when `token` (any case, NFC or NFD) is a written Vietnamese syllable."""
    base, tone, several = split_tone(token)
    if several or base not in toneless_inventory():
        return False
    # A stop coda takes only sắc or nặng: "các", "mặt"; "mat" and "màt" are misreads.
    return not base.endswith(_STOP_CODAS) or tone in ("sac", "nang")


def syllable_tokens(text: str) -> list[str]:
    """The letter runs of `text` (NFC), digits and punctuation dropped."""
    return _TOKEN.findall(unicodedata.normalize("NFC", text))


def syllable_ratio(text: str) -> float:
    """Share of letter runs in `text` that are valid syllables (1.0 when there are none)."""
    tokens = syllable_tokens(text)
    if not tokens:
        return 1.0
    return sum(1 for t in tokens if is_valid_syllable(t)) / len(tokens)
