"""Metadata extraction: OCR text and word boxes of a digitized result → its record fields.

Pure functions: no I/O, no settings, no clock (the caller passes `today`). Every field comes with
a confidence in [0, 1]; a field whose value fails validation is stored as None with the reason,
never stored wrong; a document with a required field missing, invalid or below the review
threshold gets review reasons (`needs_review`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from pipeline.extract import lexicon
from pipeline.extract import patterns as P
from pipeline.extract.doc import Doc, build_doc, place_start, title_type
from pipeline.extract.fields import (
    Found,
    edit_distance,
    find_agencies,
    find_doc_type,
    find_issue_date,
    find_number_symbol,
    find_recipients,
    find_signer,
    find_subject,
    line_conf,
    read_sideways,
)
from pipeline.extract.layout import (
    Box,
    PageLayout,
    WordBox,
    layout_from_text,
    layout_from_words,
)
from pipeline.extract.owner import (
    find_address,
    find_birth_date,
    find_company,
    find_owner_id,
    find_owner_name,
    find_tax_code,
    find_valid_until,
    is_enterprise,
)
from pipeline.extract.parties import Party, find_parties, id_kind
from pipeline.extract.vocab import ADMIN_UNITS, AGENCY_PHRASES
from pipeline.identifiers import validate_mst, validate_owner_id
from pipeline.vntext import collapse, compact_key, fewer_marks, fold, nfc, upper_vi

__all__ = [
    "FIELDS", "Extraction", "ExtractOptions", "FieldValue", "PageInput", "Party", "WordBox",
    "apply_corrections", "extract_metadata",
]

FIELDS: tuple[str, ...] = (
    "doc_type", "type_abbr", "number_symbol", "issue_place", "issue_date", "issuing_agency",
    "parent_agency", "subject", "signer_name", "signer_title", "authority_prefix", "recipients",
    "owner_name", "owner_id", "owner_birth_date", "owner_address", "tax_code", "valid_until",
    "page_count",
)
MAX_LEN = {"doc_type": 500, "subject": 500, "issuing_agency": 300, "parent_agency": 300,
           "signer_name": 50, "signer_title": 100, "number_symbol": 50, "owner_name": 100,
           "owner_address": 500, "issue_place": 100}
NOT_FOUND = "not found"
UNVERIFIED = 0.79  # a proper name no vocabulary or second reading confirms
CORRECTED = "corrected by reviewer"
SIDEWAYS = "the signer page was read sideways: turn it and read it again"
NUMBER_SYMBOL_RE = re.compile(r"^\d+[A-Z]?(/\d{4})?/[A-Za-zĐđ0-9]+(-[A-Za-zĐđ0-9]+)*$|^\d+$")


@dataclass(frozen=True)
class PageInput:
    text: str
    words: Sequence[WordBox] = ()
    width: int = 0
    height: int = 0
    confidence: float = 100.0
    flags: tuple[str, ...] = ()  # OCR page flags, e.g. "denoised" (specks removed)


@dataclass(frozen=True)
class FieldValue:
    value: str | list[str] | int | None
    confidence: float
    reason: str | None = None  # why value is None (missing / failed validation) or was changed


@dataclass(frozen=True)
class ExtractOptions:
    review_threshold: float = 0.8
    required: tuple[str, ...] = ("doc_type", "number_symbol", "issue_date", "issuing_agency")
    today: date | None = None  # "not in the future" is checked only when the caller passes it
    min_year: int = 1945
    # Besides the required fields, these send a document to review when unsure: they decide
    # whose document it is and whether it can still be reused.
    also_review: tuple[str, ...] = ("owner_id", "tax_code", "valid_until")
    # On pages the OCR had to clean of dust, Tesseract still scores words high whose diacritics
    # went with the specks: names and free text that no vocabulary confirms are capped below
    # the review threshold there ("unsure"), never stored as confident.
    # A page OCR'd on an upscaled low-resolution image (a phone photo) is the same case: its
    # tone marks were a pixel or two, Tesseract scores "Nhân" for "Nhàn" at 0.97.
    distrust_flags: tuple[str, ...] = ("denoised", "upscaled")
    unconfirmed_text: tuple[str, ...] = ("subject", "signer_name", "owner_name",
                                         "owner_address", "recipients")


@dataclass(frozen=True)
class Extraction:
    fields: dict[str, FieldValue]
    review_reasons: tuple[str, ...] = field(default=())
    # The owner and the other persons the document names, with roles and printed ids.
    parties: tuple[Party, ...] = field(default=())

    @property
    def needs_review(self) -> bool:
        return bool(self.review_reasons)

    def values(self) -> dict[str, object]:
        return {k: v.value for k, v in self.fields.items()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "fields": {k: {"value": v.value, "confidence": round(v.confidence, 3),
                           "reason": v.reason} for k, v in self.fields.items()},
            "needs_review": self.needs_review,
            "review_reasons": list(self.review_reasons),
            "parties": [p.to_dict() for p in self.parties],
        }


# ---------------------------------------------------------------- entry points

def extract_metadata(pages: Sequence[PageInput], *, options: ExtractOptions) -> Extraction:
    """Extract the record fields of one document from its OCR'd pages."""
    doc = build_doc([_layout(p, i) for i, p in enumerate(pages)])
    found = _find_all(doc)
    fields = _validate(found, options)
    flags = frozenset(f for page in pages for f in page.flags if f in options.distrust_flags)
    if flags:
        fields = _cap_unconfirmed(fields, options, flags)
    fields["page_count"] = FieldValue(len(pages), 1.0)
    doc_type = fields["doc_type"].value if isinstance(fields["doc_type"].value, str) else None
    enterprise = is_enterprise(doc) or "dang ky doanh nghiep" in fold(doc_type or "")
    parties = find_parties(doc, fields, enterprise=enterprise, doc_type=doc_type)
    if fields["owner_name"].value is None:
        fields = _owner_from_parties(fields, parties)
        owner = fields["owner_name"]
        if isinstance(owner.value, str) and _spelled_differently(doc, owner.value):
            fields["owner_name"] = FieldValue(owner.value, min(owner.confidence, 0.6),
                                              "spelled differently elsewhere in the document")
        if flags:
            fields = _cap_unconfirmed(fields, options, flags)
    return Extraction(fields=fields, review_reasons=review_reasons(fields, options),
                      parties=parties)


def _owner_from_parties(fields: dict[str, FieldValue],
                        parties: tuple[Party, ...]) -> dict[str, FieldValue]:
    """A decision about a person named only in its text ("… đối với ông Nguyễn Văn A"):
    that person owns it. Named once, unconfirmed: stored below the review threshold."""
    if fields["owner_name"].value is not None:
        return fields
    about = [p for p in parties if p.role == "decision_subject"]
    if len(about) != 1:
        return fields
    person = about[0]
    owner_id = fields["owner_id"].value
    if owner_id is not None and owner_id != person.id:
        return fields  # the id belongs to someone else
    out = dict(fields)
    why = "the person the decision is about"
    if owner_id is not None:  # their id printed next to their name: two readings agree
        out["owner_name"] = FieldValue(person.name, person.confidence, why)
        return out
    out["owner_name"] = FieldValue(person.name, min(person.confidence, UNVERIFIED), why)
    if person.id is not None and person.id_kind in ("cccd", "cmnd"):
        out["owner_id"] = FieldValue(person.id, min(person.confidence, UNVERIFIED), why)
    return out


def _cap_unconfirmed(fields: dict[str, FieldValue], options: ExtractOptions,
                     flags: frozenset[str]) -> dict[str, FieldValue]:
    capped = dict(fields)
    why = "scan cleaned of specks: diacritics unsure" if "denoised" in flags else \
        "low-resolution scan read enlarged: diacritics unsure"
    for name in options.unconfirmed_text:
        fv = capped.get(name)
        if fv is not None and fv.value not in (None, "", []) and fv.confidence > UNVERIFIED:
            capped[name] = FieldValue(fv.value, UNVERIFIED, fv.reason or why)
    ns = capped.get("number_symbol")
    known = {a for a in P.DOC_TYPES.values() if a}
    parts = ns.value.rsplit("/", 1)[-1].split("-") if ns and isinstance(ns.value, str) else []
    odd_d = any("Đ" in p and p not in known for p in parts)
    if "denoised" in flags and ns is not None and odd_d and (
            ns.confidence > UNVERIFIED):  # a speck across a D reads as the stroke of Đ
        capped["number_symbol"] = FieldValue(ns.value, UNVERIFIED,
                                             "scan cleaned of specks: D or Đ unsure")
    agency, place = capped.get("issuing_agency"), capped.get("issue_place")
    if "upscaled" in flags and agency is not None and isinstance(agency.value, str) and (
            agency.confidence > UNVERIFIED and not _ends_with_place(agency.value, place)):
        # a low-resolution photo's agency line: every word may be a known agency or unit word
        # and still be misread ("HỒNG QUẬN" for "HỒNG QUANG"); only the date line's place,
        # read apart and spelled the same, confirms it
        capped["issuing_agency"] = FieldValue(agency.value, UNVERIFIED, agency.reason or why)
    return capped


ADMIN_UNIT_WORDS = frozenset(w for unit in ADMIN_UNITS for w in unit.split())


def _ends_with_place(agency: str, place: FieldValue | None) -> bool:
    """The agency names no unit ("SỞ TÀI CHÍNH": its words are all the vocabulary's), or the
    unit it names is the date line's place."""
    words = agency.split()
    if not any(w in ADMIN_UNIT_WORDS for w in words[:-1]):
        return True  # "BỆNH VIỆN ĐA KHOA TỈNH": a unit word but no unit's name after it
    if place is None or not isinstance(place.value, str) or not place.value.strip():
        return False
    want = upper_vi(re.sub(r"^(TP\.|Thành phố|Tỉnh)\s*", "", place.value.strip()))
    return agency.endswith(" " + want)


def apply_corrections(extraction: Extraction, corrections: Mapping[str, str], *,
                      options: ExtractOptions) -> Extraction:
    """Apply reviewer corrections: each value is parsed and validated like an extracted one.

    Raises ValueError naming the field when a value is invalid. Corrected fields get confidence
    1.0 and reason "corrected by reviewer"; an empty string clears the field.
    """
    fields = dict(extraction.fields)
    for name, raw in corrections.items():
        if name not in FIELDS:
            raise ValueError(f"unknown field {name!r}; fields are: {', '.join(FIELDS)}")
        value = _parse_correction(name, raw)
        fields[name] = FieldValue(value, 1.0, CORRECTED)
    values = {k: v.value for k, v in fields.items()}
    for name in corrections:
        problem = _check(name, values[name], values, options)
        if problem is not None:
            raise ValueError(f"{name}: {problem}")
    parties = extraction.parties
    if {"owner_name", "owner_id", "tax_code"} & set(corrections):
        parties = _corrected_owner(parties, fields)
    return Extraction(fields=fields, review_reasons=review_reasons(fields, options),
                      parties=parties)


def _corrected_owner(parties: tuple[Party, ...],
                     fields: Mapping[str, FieldValue]) -> tuple[Party, ...]:
    """The owner party rebuilt from the corrected owner fields."""
    name = fields.get("owner_name")
    oid = fields.get("owner_id")
    tax = fields.get("tax_code")
    old = next((p for p in parties if p.role == "owner"), None)
    enterprise = old is not None and old.id_kind == "mst"
    id_fv = tax if enterprise else oid
    id_value = id_fv.value if id_fv is not None and isinstance(id_fv.value, str) else None
    name_value = name.value if name is not None and isinstance(name.value, str) else None
    rest = tuple(p for p in parties if p.role != "owner")
    if name_value is None and id_value is None:
        return rest
    conf = min(fv.confidence for fv in (name, id_fv) if fv is not None and fv.value)
    owner = Party("owner", name_value, id_value,
                  id_kind(id_value, enterprise=enterprise), conf)
    return (owner, *rest)


def review_reasons(fields: Mapping[str, FieldValue], options: ExtractOptions) -> tuple[str, ...]:
    """Why a document must be reviewed.

    A required field missing, invalid or unsure; an identifier or validity field
    (`also_review`) invalid or unsure. Other fields carry their confidence and reason without
    blocking the document.
    """
    reasons: list[str] = []
    for name in FIELDS:
        fv = fields.get(name)
        if fv is None or fv.value is None:
            if name in options.required and not _not_applicable(name, fields):
                why = fv.reason if fv and fv.reason not in (None, NOT_FOUND, CORRECTED) \
                    else "missing"
                reasons.append(f"{name}: {why}")
            elif (fv is not None and fv.reason and fv.reason not in (NOT_FOUND, CORRECTED)
                  and name in options.also_review):
                reasons.append(f"{name}: {fv.reason}")
        elif fv.confidence < options.review_threshold and (
                name in options.required or name in options.also_review):
            reasons.append(f"{name}: confidence {fv.confidence:.2f} < "
                           f"{options.review_threshold:.2f}")
    return tuple(reasons)


def _not_applicable(name: str, fields: Mapping[str, FieldValue]) -> bool:
    """Registration certificates carry the enterprise code instead of a document number."""
    if name != "number_symbol":
        return False
    tax, dt = fields.get("tax_code"), fields.get("doc_type")
    return bool(tax and tax.value and dt and isinstance(dt.value, str)
                and fold(dt.value).startswith("giay chung nhan dang ky"))


# ---------------------------------------------------------------- finding

def _layout(page: PageInput, index: int) -> PageLayout:
    if page.words:
        words, width, height = page.words, page.width, page.height
        turned = upright_words(words, width, height)
        if turned is not None:
            words, width, height = turned
        layout = layout_from_words(words, index, width, height)
        if layout.lines:
            return layout
    return layout_from_text(page.text, index, page.confidence)


def boxes_turned(words: Sequence[WordBox]) -> bool:
    """Most words of three letters or more are taller than wide: the boxes are those of a
    page turned by 90° (read turned, or turned for reading and reported in the unturned
    image's pixels)."""
    long = [w for w in words if len(w.text.strip()) >= 3]
    if len(long) < 10:
        return False
    return sum(w.height > w.width for w in long) > 0.6 * len(long)


def upright_words(words: Sequence[WordBox], width: int, height: int
                  ) -> tuple[list[Box], int, int] | None:
    """The word boxes of a page turned by 90°, turned upright (with the page's new size);
    of the two ways, the one in which each OCR line's words run left to right. None when the
    boxes are upright already. Rows and columns built from turned boxes would scramble the
    lines (the header's two columns, the signer block beside the recipients)."""
    if not boxes_turned(words):
        return None
    w_px = width or max(w.left + w.width for w in words)
    h_px = height or max(w.top + w.height for w in words)

    def turn(w: WordBox, clockwise: bool) -> Box:
        block, line = int(getattr(w, "block", 0)), int(getattr(w, "line", 0))
        if clockwise:  # the text's top faced left: turn the boxes clockwise
            return Box(w.text, h_px - w.top - w.height, w.left, w.height, w.width,
                                w.conf, block, line)
        return Box(w.text, w.top, w_px - w.left - w.width, w.height, w.width, w.conf,
                            block, line)

    def in_reading_order(turned: list[Box]) -> int:
        return sum(1 if b.left > a.left else -1 for a, b in zip(turned, turned[1:], strict=False)
                   if (a.block, a.line) == (b.block, b.line))

    options = [[turn(w, clockwise) for w in words] for clockwise in (True, False)]
    best = max(options, key=in_reading_order)
    return best, h_px, w_px


def _find_all(doc: Doc) -> dict[str, Found | None]:
    agency, parent = find_agencies(doc)
    name, title, prefix = find_signer(doc)
    found: dict[str, Found | None] = dict(
        doc_type=find_doc_type(doc), number_symbol=find_number_symbol(doc),
        issue_date=find_issue_date(doc), issuing_agency=agency, parent_agency=parent,
        subject=find_subject(doc), signer_name=name, signer_title=title,
        authority_prefix=prefix, recipients=find_recipients(doc),
        tax_code=find_tax_code(doc), valid_until=find_valid_until(doc),
    )
    if read_sideways(doc, doc.signature_page):
        for key in ("signer_name", "signer_title", "authority_prefix", "recipients"):
            got = found.get(key)
            if got is not None:
                found[key] = Found(got.value, min(got.conf, 0.3), SIDEWAYS)
    found.update(_find_owner(doc, found.get("doc_type")))
    for key in ("signer_name", "owner_name"):
        _check_name(found, key, enterprise=key == "owner_name" and is_enterprise(doc))
    _confirm_owner_name(doc, found)
    _known_forms(found)
    _repair_subject(found)
    _check_title(found)
    found["issue_place"] = _issue_place(doc)
    _agree_place(found)
    _address_commune_from_place(found)
    found["type_abbr"] = _type_abbr(found)
    _confirm_number(found)
    return found


def _find_owner(doc: Doc, doc_type: Found | None) -> dict[str, Found | None]:
    """Owner fields: the enterprise itself on an enterprise registration, else the person."""
    title_key = fold(doc_type.value) if doc_type and isinstance(doc_type.value, str) else ""
    if is_enterprise(doc) or "dang ky doanh nghiep" in title_key:
        company, office = find_company(doc)
        return dict(owner_name=company, owner_address=office, owner_id=None,
                    owner_birth_date=None)
    return dict(owner_name=find_owner_name(doc), owner_id=find_owner_id(doc),
                owner_birth_date=find_birth_date(doc), owner_address=find_address(doc))


# Roman numeral letters mixed with the glyphs OCR reads for them ("II" → "H", "Il", "I1"):
# a token that has I or V but is no numeral.
_MISREAD_NUMERAL = re.compile(r"(?=[IVXHl1|]*[IV])(?=[IVXHl1|]*[Hl1|])[IVXHl1|]{2,5}")


def _repair_subject(found: dict[str, Found | None]) -> None:
    """Tone marks of the subject checked against the word list (one candidate or one word pair
    decides); a repaired subject is trusted less, one with unsure syllables less still."""
    subject = found.get("subject")
    if subject is None or not isinstance(subject.value, str):
        return
    text, changed, unsure = lexicon.repair_text(subject.value.rstrip(" ."), tone_swaps=True)
    text, places = _subject_places(text)
    changed += places
    conf = subject.conf
    if unsure:
        conf = min(conf, 0.7)
    elif changed:
        conf = min(conf, 0.85)
    if any(_MISREAD_NUMERAL.fullmatch(w.strip(",.;:()")) for w in text.split()):
        # "quý IH": a Roman numeral read with a look-alike glyph; no reading can tell II/III
        conf = min(conf, 0.6)
        subject = Found(subject.value, subject.conf, subject.reason or
                        "a Roman numeral is misread")
    why = subject.reason or ("the word list contradicts a syllable: check the tone marks"
                             if unsure else f"{changed} tone mark(s) restored from the word list"
                             if changed else None)
    found["subject"] = Found(text, conf, why)


_PROVINCE_IN_TEXT = re.compile(r"\b(tỉnh|thành phố)\s+((?:[A-ZĐÀ-Ỹ][\wÀ-ỹ]*\s*){1,3})")


def _subject_places(text: str) -> tuple[str, int]:
    """Province names after "tỉnh"/"thành phố" restored from the gazetteer when unique."""
    fixes = 0

    def fix(m: re.Match[str]) -> str:
        nonlocal fixes
        words = m.group(2).split()
        for k in range(len(words), 0, -1):
            got = lexicon.check_place(" ".join(words[:k]), provinces_only=True)
            if got.known:
                return m.group(0)
            if got.restored:
                fixes += 1
                rest = m.group(2)[len(" ".join(words[:k])):]
                return f"{m.group(1)} {got.text}{rest}"
        return m.group(0)

    return _PROVINCE_IN_TEXT.sub(fix, text), fixes


def _check_title(found: dict[str, Found | None]) -> None:
    """The signer title's words against the word list ("THƯỜNG TRỤC" is contradicted by the
    word "thường trực"): restored where one candidate decides, unsure where a pair objects."""
    title = found.get("signer_title")
    if title is None or not isinstance(title.value, str):
        return
    text, changed, unsure = lexicon.repair_text(title.value)
    if unsure:
        found["signer_title"] = Found(text, min(title.conf, 0.7),
                                      title.reason or "the word list contradicts a syllable")
    elif changed:
        found["signer_title"] = Found(text, min(title.conf, 0.85),
                                      title.reason or "tone marks restored from the word list")


def _split_merged(name: str) -> str:
    """A space before each capital that follows a small letter ("LêMinh" → "Lê Minh")."""
    return "".join(f" {c}" if k and c.isupper() and name[k - 1].islower() else c
                   for k, c in enumerate(name))


def _check_name(found: dict[str, Found | None], key: str, *, enterprise: bool) -> None:
    """A personal name against the names lexicon: a surname restored only when exactly one
    surname fits; a name the lexicon cannot confirm is not stored as confident."""
    name = found.get(key)
    if enterprise or name is None or not isinstance(name.value, str):
        return
    split = _split_merged(name.value)
    if split != name.value:  # "LêMinh Trí": OCR lost the space between two syllables
        name = Found(split, min(name.conf, UNVERIFIED), name.reason or "a lost space restored")
        found[key] = name
    check = lexicon.check_person_name(split)
    if check.repaired or check.ambiguous:
        why = "diacritics restored from the names list" if check.repaired else \
            "a syllable of the name fits several names"
        found[key] = Found(check.text, min(name.conf, UNVERIFIED), name.reason or why)
    elif not check.known:  # nothing confirms it: kept, marked unsure
        found[key] = Found(name.value, min(name.conf, UNVERIFIED),
                           name.reason or "not in the names list")


def _known_forms(found: dict[str, Found | None]) -> None:
    """Values fixed by law: permanent civil-status records."""
    doc_type = found.get("doc_type")
    if found.get("valid_until") is None and doc_type and isinstance(doc_type.value, str) and (
            P.PERMANENT_BY_LAW.match(fold(doc_type.value))):
        found["valid_until"] = Found("permanent", doc_type.conf * 0.95)


def _confirm_owner_name(doc: Doc, found: dict[str, Found | None]) -> None:
    """A person's name usually appears more than once (owner block, subject, last article):
    another identical spelling confirms it, a spelling differing only in diacritics flags it."""
    name = found.get("owner_name")
    if name is None or not isinstance(name.value, str) or len(name.value.split()) < 2:
        return
    exact, loose = _spellings(doc, name.value)
    if loose > exact:
        found["owner_name"] = Found(name.value, min(name.conf, 0.6),
                                    "spelled differently elsewhere in the document")
    elif exact >= 2:
        found["owner_name"] = replace(name, conf=max(name.conf, 0.95))
    elif name.conf < 0.98 and any(upper_vi(name.value) in line.text for line in doc.lines):
        # printed once, in capitals, whose tone marks are small ("THỂ" for "THẾ" at 0.92):
        # one reading below full word trust confirms no mark
        found["owner_name"] = Found(name.value, min(name.conf, UNVERIFIED),
                                    name.reason or "a name in capitals read once")


def _spellings(doc: Doc, name: str) -> tuple[int, int]:
    """(times the name is spelled as given, times it is spelled with any diacritics)."""
    text = "\n".join(line.text for line in doc.lines)
    return upper_vi(text).count(upper_vi(name)), fold(text).count(fold(name))


def _spelled_differently(doc: Doc, name: str) -> bool:
    exact, loose = _spellings(doc, name)
    return len(name.split()) >= 2 and loose > exact


def _issue_place(doc: Doc) -> Found | None:
    """The place before ", ngày" on the place-date line (also when its day was handwritten)."""
    header = doc.first_page[:30]
    candidates = [(i, P.DATE_PHRASE.search(f), False) for i, f in enumerate(doc.folded)]
    candidates += [(i, P.DATE_PHRASE_DAMAGED.search(doc.folded[i]), True) for i in header]
    for i, m, damaged in candidates:
        f = doc.folded[i]
        if m is None:
            continue
        start = place_start(doc.lines[i].text, m.start())
        if start is None or doc.lines[i].text[:start].strip() or start >= m.start():
            continue
        if not damaged and (P.DATE_PHRASE.search(f, m.end())
                            or len(doc.lines[i].text[m.end():].strip()) > 2):
            continue
        place = collapse(doc.lines[i].text[start:m.start()].strip(" ,"))
        conf = line_conf(doc.lines[i], start, m.start())
        head = re.match(r"^(TP\.|Tp\.|TX\.|Thành phố|Thị xã|Tỉnh)\s*", place)
        name = place[head.end():] if head else place
        check = lexicon.check_place(name)
        prefix = place[: head.end()] if head else ""
        if check.known:  # spelled as in the gazetteer
            return Found(prefix + check.text, max(conf, 0.9))
        if check.restored:  # the only unit spelled so ignoring diacritics
            return Found(prefix + check.text, min(max(conf, 0.8), 0.85),
                         "diacritics restored from the gazetteer")
        return Found(place, min(conf, UNVERIFIED))
    return None


_UNIT_WORDS = frozenset({"TỈNH", "PHỐ", "HUYỆN", "QUẬN", "XÃ", "PHƯỜNG", "TRẤN", "KHU", "UBND",
                         "HĐND"})


def _title_case_like(upper: str, model: str) -> str:
    """`upper` written with the letter case of `model` (same length)."""
    return "".join(u.lower() if m.islower() else u for u, m in zip(upper, model, strict=True))


_ADDRESS_COMMUNE = re.compile(r"(?:^|, )(?:xã|phường|thị trấn|đặc khu) ([^,]+)")


def _address_commune_from_place(found: dict[str, Found | None]) -> None:
    """An address in the commune that issued the document: where the address's commune is no
    unit the gazetteer spells so ("xã Pu Nhị") and the date line's place, a known unit, differs
    from it in diacritics only, the two are one name read twice; the known spelling is kept.
    The address keeps its own (unsure) confidence."""
    address, place = found.get("owner_address"), found.get("issue_place")
    if (address is None or place is None or not isinstance(address.value, str)
            or not isinstance(place.value, str)):
        return
    known = lexicon.check_place(place.value)
    if not known.known:
        return
    for m in _ADDRESS_COMMUNE.finditer(address.value):
        commune = m.group(1).strip()
        if commune != place.value and fold(commune) == fold(place.value) and not (
                lexicon.check_place(commune).known):
            fixed = address.value[:m.start(1)] + place.value + address.value[m.end(1):]
            why = address.reason or f"diacritics of '{commune}' restored from the date line"
            found["owner_address"] = Found(fixed, address.conf, why)
            return


def _agree_place(found: dict[str, Found | None]) -> None:
    """Cross-check the place of the date line with the agency name that ends with it.

    Both are OCR'd separately (italic title case vs bold capitals): when they spell the same
    name they confirm each other; when they differ only in diacritics one of them is misread.
    """
    place = found.get("issue_place")
    if place is None or not isinstance(place.value, str):
        return
    want = upper_vi(re.sub(r"^(TP\.|Thành phố|Tỉnh)\s*", "", place.value))
    for key in ("issuing_agency", "parent_agency"):
        agency = found.get(key)
        if agency is None or not isinstance(agency.value, str):
            continue
        tail = agency.value[-len(want):] if len(agency.value) >= len(want) else ""
        head = agency.value[: len(agency.value) - len(want)].split()
        if not want or fold(tail) != fold(want) or (len(agency.value) > len(want)
                                                    and agency.value[-len(want) - 1] != " "):
            continue
        if not head or head[-1] not in _UNIT_WORDS:
            continue  # "… NH HÒA BÌNH": the unit word was lost, so was maybe part of the name
        if tail == want:
            found["issue_place"] = replace(place, conf=max(place.conf, 0.95))
            if agency.reason is None and _known_head(head[:-1]):
                # the place confirms the tail; the head must be a known agency phrase on its
                # own ("ỦY BAN NHÂN DÂN Ẽ PHƯỜNG …": a stray glyph nothing confirms)
                found[key] = replace(agency, conf=max(agency.conf, 0.9))
        elif (right := _gazetteer_decides(tail, want)) is not None:
            # the two readings differ in diacritics and only one of them is a unit's name
            # ("XÃ DẪN HÓA" vs "Dân Hóa"): that one, though the other has more marks; still
            # a disagreement between two readings, so unsure
            why = "diacritics of the place decided by the gazetteer"
            fixed = agency.value[: len(agency.value) - len(want)] + upper_vi(right)
            found[key] = Found(fixed, min(agency.conf, 0.75), why)
            cut = len(place.value) - len(want)
            spelled = place.value[:cut] + _title_case_like(upper_vi(right), place.value[cut:])
            found["issue_place"] = Found(spelled, min(place.conf, 0.75), why)
        elif fewer_marks(tail, want):  # the capitals probably lost marks the date line kept
            fixed = agency.value[: len(agency.value) - len(want)] + want
            why = f"diacritics of '{tail}' restored from the date line"
            found[key] = Found(fixed, min(agency.conf, 0.75), why)
            found["issue_place"] = Found(place.value, min(place.conf, 0.75), why)
        elif fewer_marks(want, tail):
            why = "diacritics restored from the agency name"
            found["issue_place"] = Found(_title_case_like(tail, place.value), 0.75, why)
            found[key] = Found(agency.value, min(agency.conf, 0.75), why)
        else:
            why = f"'{place.value}' in the date line vs '{tail}' in the agency name"
            found["issue_place"] = Found(place.value, min(place.conf, 0.6), why)
            found[key] = Found(agency.value, min(agency.conf, 0.6), why)
        return


def _gazetteer_decides(tail: str, want: str) -> str | None:
    """Of two spellings of one place (agency tail, date line), the only one the gazetteer
    knows; None when both or neither are known."""
    tail_known = lexicon.check_place(tail).known
    want_known = lexicon.check_place(want).known
    if tail_known == want_known:
        return None
    return tail if tail_known else want


def _known_head(words: list[str]) -> bool:
    """The words before the unit ("ỦY BAN NHÂN DÂN", "SỞ TƯ PHÁP") form a known agency phrase,
    or a known phrase followed by a unit and its name ("… TỈNH QUẢNG TRỊ")."""
    keys = [compact_key(w) for w in words]
    for phrase in AGENCY_PHRASES:
        want = [compact_key(w) for w in phrase.split()]
        if keys[:len(want)] != want:
            continue
        rest = words[len(want):]
        if not rest or (rest[0] in _UNIT_WORDS and len(rest) > 1
                        and lexicon.known_place_words(rest[1:])):
            return True
    return False


def _symbol_abbr(number_symbol: object) -> str | None:
    if not isinstance(number_symbol, str) or "/" not in number_symbol:
        return None
    return number_symbol.rsplit("/", 1)[1].split("-")[0]


def _agency_initials(agency: str) -> str:
    return "".join(w[0] for w in fold(agency).replace("-", " ").split() if w not in ("va", "&"))


def _confirm_number(found: dict[str, Found | None]) -> None:
    """A number whose symbol names the document's type and its agency ("15/QĐ-UBND" on a
    decision of an Ủy ban nhân dân) is confirmed by two independent readings; Tesseract scores
    such compound tokens low even when right, so the agreement raises the confidence."""
    ns, ta = found.get("number_symbol"), found.get("type_abbr")
    agency, dt = found.get("issuing_agency"), found.get("doc_type")
    if ns is None or not isinstance(ns.value, str) or "/" not in ns.value or ns.conf < 0.6:
        return
    if _type_letter_twice(ns.value, ta, dt):
        found["number_symbol"] = Found(ns.value, min(ns.conf, 0.6),
                                       "symbol's type part is its abbreviation and more")
        return
    issued = found.get("issue_date")
    if issued is None or issued.value is None or issued.conf < 0.8:
        # the number and the day are filled in together, often by hand after signing: when
        # the day cannot be read, the symbol's agreement says nothing about the digits, and
        # the digits themselves are as doubtful as the day (a handwritten "210" read "440"
        # inside one token with the printed symbol, scored high)
        if issued is not None and issued.reason not in (None, NOT_FOUND):
            found["number_symbol"] = Found(ns.value, min(ns.conf, UNVERIFIED), ns.reason or
                                           "the day is unreadable: the number may be "
                                           "handwritten too")
        return
    if agency is None or not isinstance(agency.value, str) or dt is None:
        return
    parts = [fold(p) for p in ns.value.rsplit("/", 1)[1].split("-")]
    type_ok = (ta is not None and ta.value is not None
               and parts[0].startswith(fold(str(ta.value)))) or dt.value == P.LETTER_TYPE
    initials = _agency_initials(agency.value)
    agency_ok = any(len(p) >= 2 and p in initials for p in parts)
    if type_ok and agency_ok:
        found["number_symbol"] = replace(ns, conf=max(ns.conf, 0.9))
    elif any(len(p) >= 4 and edit_distance(p, initials) == 1 for p in parts):
        # "BGDĐI" for the initials "BGDĐT" of Bộ Giáo dục và Đào tạo: a letter misread, or
        # one read in a gap between two ("…DIL" for "…DL")
        found["number_symbol"] = Found(ns.value, min(ns.conf, 0.6),
                                       "symbol differs from the agency's initials by one letter")


def _type_letter_twice(number: str, ta: Found | None, dt: Found | None) -> bool:
    """The symbol's type part is the type's fixed abbreviation with its last letter read
    again ("33/QĐĐ-UBND" on a decision). Decree 30 (Annex III) writes the abbreviation alone
    there; certificates and permits, whose symbols follow sector law ("GPXD"), are not
    judged."""
    if ta is None or not isinstance(ta.value, str) or dt is None or not isinstance(
            dt.value, str) or fold(dt.value).startswith("giay "):
        return False
    part = fold(number.rsplit("/", 1)[1].split("-")[0])
    abbr = fold(ta.value)
    return bool(abbr) and part == abbr + abbr[-1]


def _initials_of(abbr: str, title: str) -> bool:
    """"TLKS" abbreviates "TRÍCH LỤC KHAI SINH": its letters are initials of the title words."""
    initials = "".join(w[0] for w in fold(title).split() if w)
    letters = fold(abbr)
    pos = 0
    for c in letters:
        pos = initials.find(c, pos) + 1
        if pos == 0:
            return False
    return len(letters) >= 2


def _type_abbr(found: Mapping[str, Found | None]) -> Found | None:
    """Abbreviation of the document type, cross-checked with the number's symbol.

    Annex III types have a fixed abbreviation; certificates and permits follow sector law, so
    for them the symbol's first part is taken when it abbreviates the title ("TLKS").
    """
    dt, ns = found.get("doc_type"), found.get("number_symbol")
    if dt is None or not isinstance(dt.value, str):
        return None
    known = title_type(dt.value)
    abbr = P.DOC_TYPES.get(known) if known else None
    sym = _symbol_abbr(ns.value) if ns else None
    known_abbrs = {a for a in P.DOC_TYPES.values() if a}
    if abbr and sym and sym.startswith(abbr) and ns is not None:
        return Found(abbr, 1 - (1 - dt.conf) * (1 - ns.conf))
    if sym and ns is not None and dt.value != P.LETTER_TYPE and _initials_of(sym, dt.value):
        return Found(sym, min(dt.conf, ns.conf))
    if abbr is None:
        if dt.value == P.LETTER_TYPE and sym in known_abbrs:
            return Found(None, 0.4, f"symbol {sym} names a document type but no title was read")
        return Found(None, dt.conf)
    if sym in known_abbrs:
        return Found(abbr, min(dt.conf, 0.5), f"title says {abbr} but the symbol says {sym}")
    return Found(abbr, dt.conf)


# ---------------------------------------------------------------- validation

def _validate(found: Mapping[str, Found | None], options: ExtractOptions) -> dict[str, FieldValue]:
    values: dict[str, object] = {}
    for name in FIELDS:
        f = found.get(name)
        v = f.value if f else None
        values[name] = v.isoformat() if isinstance(v, date) else v
    out: dict[str, FieldValue] = {}
    for name in FIELDS:
        if name == "page_count":
            continue
        f = found.get(name)
        if f is None:
            out[name] = FieldValue(None, 0.0, NOT_FOUND)
            continue
        conf = max(0.0, min(1.0, f.conf))
        value = values[name]
        if value is None:
            out[name] = FieldValue(None, conf if f.reason is None else 0.0, f.reason)
            continue
        problem = _check(name, value, values, options)
        if problem is not None:
            out[name] = FieldValue(None, 0.0, f"invalid: {problem}")
            continue
        out[name] = FieldValue(value, round(conf, 4), f.reason)  # type: ignore[arg-type]
    _cross_check(out)
    return out


def _cross_check(out: dict[str, FieldValue]) -> None:
    """Demote fields that contradict each other (the id's birth year vs the date of birth)."""
    oid = out.get("owner_id")
    if oid and oid.value is None and oid.reason and "date of birth" in oid.reason:
        bd = out.get("owner_birth_date")
        if bd and bd.value is not None:
            out["owner_birth_date"] = replace(bd, confidence=min(bd.confidence, 0.5),
                                              reason="contradicts the citizen id")


def _as_date(value: object) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _check_date(value: object, options: ExtractOptions) -> str | None:
    d = _as_date(value)
    if d is None:
        return f"{value!r} is not a date (yyyy-mm-dd)"
    if d.year < options.min_year:
        return f"{d.isoformat()} is before {options.min_year}"
    if options.today is not None and d > options.today:
        return f"{d.isoformat()} is in the future"
    return None


def _check(name: str, value: object, values: Mapping[str, object],
           options: ExtractOptions) -> str | None:
    """Why `value` is not acceptable for field `name` (None when it is)."""
    if value is None:
        return None
    if isinstance(value, str) and len(value) > MAX_LEN.get(name, 10_000):
        return f"longer than {MAX_LEN[name]} characters"
    checker = _CHECKS.get(name)
    return checker(value, values, options) if checker else None


def _check_issue_date(v: object, values: Mapping[str, object], o: ExtractOptions) -> str | None:
    return _check_date(v, o)


def _check_birth(v: object, values: Mapping[str, object], o: ExtractOptions) -> str | None:
    d = _as_date(v)
    if d is None:
        return f"{v!r} is not a date (yyyy-mm-dd)"
    if d.year < 1880:
        return f"{d.isoformat()} is not a plausible date of birth"
    issued = _as_date(values.get("issue_date"))
    if issued is not None and d > issued:
        return f"date of birth {d.isoformat()} is after the issue date"
    if o.today is not None and d > o.today:
        return f"{d.isoformat()} is in the future"
    return None


def _check_valid_until(v: object, values: Mapping[str, object], o: ExtractOptions) -> str | None:
    if v == "permanent":
        return None
    d = _as_date(v)
    if d is None:
        return f"{v!r} is neither a date (yyyy-mm-dd) nor 'permanent'"
    issued = _as_date(values.get("issue_date"))
    if issued is not None and d <= issued:
        return f"expiry {d.isoformat()} is not after the issue date {issued.isoformat()}"
    if d.year < o.min_year:
        return f"{d.isoformat()} is before {o.min_year}"
    return None


def _check_owner_id(v: object, values: Mapping[str, object], o: ExtractOptions) -> str | None:
    if not isinstance(v, str):
        return "citizen id must be a string of digits"
    return validate_owner_id(v, birth_date=_as_date(values.get("owner_birth_date")))


def _check_tax(v: object, values: Mapping[str, object], o: ExtractOptions) -> str | None:
    return validate_mst(v) if isinstance(v, str) else "tax code must be a string"


def _check_number(v: object, values: Mapping[str, object], o: ExtractOptions) -> str | None:
    if not isinstance(v, str) or not NUMBER_SYMBOL_RE.match(v):
        return f"{v!r} does not look like a number and symbol (15/QĐ-UBND)"
    if re.match(r"^0\d{2,}", v):  # Decree 30: only numbers below 10 get a leading zero
        return f"{v!r}: a number with a leading zero has two digits (01-09)"
    m = re.match(r"^\d+/(\d{4})/", v)
    if m and not o.min_year <= int(m.group(1)) <= (o.today.year if o.today else 9999):
        return f"year {m.group(1)} in the number is out of range"
    return None


def _check_upper(v: object, values: Mapping[str, object], o: ExtractOptions) -> str | None:
    if not isinstance(v, str) or not v.strip():
        return "must be non-empty text"
    return None


def _check_abbr(v: object, values: Mapping[str, object], o: ExtractOptions) -> str | None:
    ok = isinstance(v, str) and re.fullmatch(r"[A-ZĐ][A-Za-zĐ]{0,7}", v)
    return None if ok else f"{v!r} is not a document-type abbreviation"


def _check_prefix(v: object, values: Mapping[str, object], o: ExtractOptions) -> str | None:
    return None if v in P.AUTHORITY_PREFIXES else f"{v!r} is not one of {P.AUTHORITY_PREFIXES}"


def _check_recipients(v: object, values: Mapping[str, object], o: ExtractOptions) -> str | None:
    ok = isinstance(v, list) and all(isinstance(x, str) and x.strip() for x in v)
    return None if ok else "recipients must be a list of non-empty strings"


def _check_page_count(v: object, values: Mapping[str, object], o: ExtractOptions) -> str | None:
    return None if isinstance(v, int) and v >= 1 else "page count must be a positive integer"


_CHECKS: dict[str, Callable[[object, Mapping[str, object], ExtractOptions], str | None]] = {
    "issue_date": _check_issue_date, "owner_birth_date": _check_birth,
    "valid_until": _check_valid_until, "owner_id": _check_owner_id, "tax_code": _check_tax,
    "number_symbol": _check_number, "doc_type": _check_upper, "issuing_agency": _check_upper,
    "parent_agency": _check_upper, "signer_name": _check_upper, "signer_title": _check_upper,
    "subject": _check_upper, "issue_place": _check_upper, "owner_name": _check_upper,
    "owner_address": _check_upper, "type_abbr": _check_abbr, "authority_prefix": _check_prefix,
    "recipients": _check_recipients, "page_count": _check_page_count,
}


# ---------------------------------------------------------------- corrections

def _parse_correction(name: str, raw: str) -> str | list[str] | int | None:
    text = nfc(raw).strip()
    if text == "":
        return None
    if name in ("issue_date", "owner_birth_date") or (name == "valid_until"
                                                      and fold(text) != "permanent"):
        if fold(text) in ("vinh vien", "khong thoi han"):
            return "permanent"
        m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
        if m:
            text = f"{m.group(3)}-{int(m.group(2)):02d}-{int(m.group(1)):02d}"
        if _as_date(text) is None:
            raise ValueError(f"{name}: {raw!r} is not a date (use yyyy-mm-dd or dd/mm/yyyy)")
        return text
    if name == "valid_until":
        return "permanent"
    if name == "page_count":
        if not text.isdigit():
            raise ValueError(f"page_count: {raw!r} is not a whole number")
        return int(text)
    if name == "recipients":
        return [x.strip() for x in re.split(r"[;\n]", text) if x.strip()]
    if name in ("owner_id",):
        return re.sub(r"[\s.]", "", text)
    if name == "authority_prefix":
        return text.upper().rstrip(".") + "."
    return collapse(text)
