"""Parties of a document: its owner and the other persons it names, each with a role and the
identifier printed next to them (issue 8).

Roles (English snake_case, stable JSON keys): `owner`, `legal_representative`,
`decision_subject` (the person a decision is about), `child` (the person a birth extract
registers), `father`, `mother`, `applicant`, `household_member` (a row of a household table),
`member` (a row of a members' or shareholders' table). `id_kind` is `cccd`, `cmnd`, `mst` or
`passport`.

A person is taken only after a label or a role phrase ("Người đại diện theo pháp luật",
"Họ, chữ đệm, tên người mẹ:", "Người yêu cầu:", "… đối với ông/bà <Name>"), or in a row of a
table whose header names a name and an id column; an identifier only after an identity label in
the lines that belong to that person, or in that person's row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pipeline.extract import lexicon
from pipeline.extract import patterns as P
from pipeline.extract.doc import Doc
from pipeline.extract.fields import line_conf, looks_like_name, token_trust
from pipeline.extract.owner import value_on_next_line
from pipeline.identifiers import validate_mst, validate_owner_id
from pipeline.vntext import collapse, fold, is_upper_text, strip_punct, to_digits

UNVERIFIED = 0.79
ROLES = ("owner", "legal_representative", "decision_subject", "child", "father", "mother",
         "applicant", "household_member", "member")


@dataclass(frozen=True)
class Party:
    role: str
    name: str | None
    id: str | None
    id_kind: str | None
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role, "name": self.name, "id": self.id, "id_kind": self.id_kind,
                "confidence": round(self.confidence, 3)}

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Party:
        return Party(str(data["role"]), data.get("name"), data.get("id"), data.get("id_kind"),
                     float(data.get("confidence", 0.0)))


def id_kind(value: str | None, *, enterprise: bool = False) -> str | None:
    if not value:
        return None
    if enterprise or re.fullmatch(r"\d{10}(-\d{3})?", value):
        return "mst"
    if len(value) == 12:
        return "cccd"
    if len(value) == 9:
        return "cmnd"
    return "passport" if re.fullmatch(r"[A-Z]\d{7,8}", value) else None


# Role labels on the folded text: the name follows the colon on the same line.
_NAMED_ROLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("mother", re.compile(r"(ho\s*,?\s*(chu\s*dem\s*,?\s*)?(va\s*)?ten\s*(cua\s*)?(nguoi\s*)?me|"
                          r"ho\s*ten\s*me)\s*[:;]")),
    ("father", re.compile(r"(ho\s*,?\s*(chu\s*dem\s*,?\s*)?(va\s*)?ten\s*(cua\s*)?(nguoi\s*)?cha|"
                          r"ho\s*ten\s*cha)\s*[:;]")),
    ("applicant", re.compile(r"(nguoi\s*(yeu\s*cau|de\s*nghi|di\s*khai\s*sinh|di\s*dang\s*ky)|"
                             r"ten\s*nguoi\s*(yeu\s*cau|de\s*nghi))\s*[:;]")),
)
_REPRESENTATIVE = re.compile(r"nguoi\s*dai\s*dien(\s*theo\s*phap\s*luat)?")
_PERSON_NAME = re.compile(r"ho\s*,?\s*(chu\s*dem\s*,?\s*)?(va\s*)?ten\s*[:;]")
_ABOUT = re.compile(r"(\bvoi|\bcho|\bcua|khen\s*thuong|ky\s*luat|bo\s*nhiem|cong\s*nhan)\s+"
                    r"(ong|ba)\s+")
# Article 1 of a decision about one person opens with its verb and the person ("Điều 1.
# <verb, 1 to 5 words> ông/bà <Name>"), whatever the verb.
_ARTICLE1_PERSON = re.compile(r"^\s*dieu\s*1\s*[.:]?\s*(?:[^\s,;:.]+\s+){1,5}?(ong|ba)\s+")
_ID_RUN = re.compile(r"[0-9OoIl|][0-9OoIl|\s.]{7,14}[0-9OoIl|]")
_BIRTH_EXTRACT = re.compile(r"^(trich\s*luc|giay)\s*khai\s*sinh")


def _name_at(doc: Doc, i: int, start: int, *, wrap: bool = False) -> tuple[str, float] | None:
    """A personal name right after `start` on line i (up to the next "Label:" or two spaces)."""
    line = doc.lines[i]
    rest = line.text[start:]
    lead = len(rest) - len(rest.lstrip(" :;"))
    end = start + _label_cut(rest, lead)
    value = strip_punct(line.text[start + lead:end])
    h = P.HONORIFIC.match(fold(value))
    if h:
        value = value[h.end():]
    words = value.split()
    # keep the leading capitalised words only ("Nguyễn Văn A, sinh ngày …")
    kept = []
    for w in words:
        bare = w.strip(",.;:")
        if not bare or not bare[:1].isupper() or not bare.isalpha():
            break
        kept.append(bare)
        if w.endswith((",", ";", ".")):
            break
    if wrap and kept and len(kept) == len(words) and not words[-1].endswith((",", ";", ".")):
        for j in doc.next_lines(i, limit=1):  # "… đối với ông Lê Đức" / "Văn Phúc, sinh …"
            if ":" in " ".join(doc.lines[j].text.split()[:4]):
                break  # the next line is a "Label: value" line, not the name's end
            upper = all(w.isupper() for w in kept)
            for w in doc.lines[j].text.split():
                bare = w.strip(",.;:")
                if not bare or not bare[:1].isupper() or not bare.isalpha() or len(kept) >= 5 \
                        or (bare.isupper() and len(bare) > 1) != upper:
                    break
                kept.append(bare)
                if w.endswith((",", ";", ".")):
                    break
    name = " ".join(kept)
    if not looks_like_name(name, labelled=True):
        return None
    if is_upper_text(name):
        name = " ".join(w.capitalize() for w in name.split())
    check = lexicon.check_person_name(name)
    conf = line_conf(line, start, end)
    if check.repaired or check.ambiguous:
        conf = min(conf, UNVERIFIED)
    elif not check.known:
        conf = min(conf, 0.85)
    return collapse(check.text), conf


def _label_cut(rest: str, lead: int) -> int:
    """Where the next "Label:" starts in `rest` ("NGÔ XUÂN KHANG Giới tính: Nam" → before
    "Giới"): a label is a capitalised word followed by lower-case words, then a colon."""
    colon = rest.find(":", lead)
    if colon < 0:
        return len(rest)
    words = list(re.finditer(r"\S+", rest[:colon]))
    k = len(words) - 1
    while k >= 0 and words[k].group(0)[:1].islower():
        k -= 1
    return words[k].start() if k >= 0 and words[k].start() > lead else len(rest[:colon])


def _id_in(doc: Doc, lines: list[int]) -> tuple[str, str, float] | None:
    """(id, kind, trust) after an identity or tax label in `lines`."""
    for i in lines:
        f = doc.folded[i]
        for rx, enterprise in ((P.LABEL_ID, False), (P.LABEL_TAX, True)):
            for m in rx.finditer(f):
                if m.start() > 0 and f[m.start() - 1].isalnum():
                    continue
                at, start = i, m.end()
                wrapped = value_on_next_line(doc, i, start)
                if wrapped is not None:  # "…, CCCD:" ends the line
                    at, start = wrapped
                run = _ID_RUN.search(doc.lines[at].text, start)
                if run is None or run.start() - start > 4:
                    continue
                digits = to_digits(run.group(0))
                if not digits:
                    continue
                bad = validate_mst(digits) if enterprise else validate_owner_id(digits)
                if bad is not None:
                    continue
                kind = id_kind(digits, enterprise=enterprise)
                if kind is None:
                    continue
                conf = line_conf(doc.lines[at], run.start(), run.end(), token_trust)
                return digits, kind, conf * (0.9 if digits != run.group(0) else 1.0)
    return None


def _block(doc: Doc, i: int, size: int) -> list[int]:
    """Line i and the lines after it that still describe the same person."""
    out = [i]
    for j in doc.next_lines(i, limit=size):
        f = doc.folded[j]
        if _PERSON_NAME.search(f) or any(rx.search(f) for _, rx in _NAMED_ROLES) or \
                re.match(r"^\s*\d+\s*[.)]", f):
            break
        out.append(j)
    return out


def _person(doc: Doc, role: str, i: int, start: int, size: int = 4) -> Party | None:
    got = _name_at(doc, i, start, wrap=role == "decision_subject")
    if got is None:
        return None
    name, conf = got
    found_id = _id_in(doc, _block(doc, i, size))
    if found_id is None:
        return Party(role, name, None, None, conf)
    digits, kind, id_conf = found_id
    return Party(role, name, digits, kind, min(conf, id_conf))


def find_parties(doc: Doc, fields: dict[str, Any], *, enterprise: bool,
                 doc_type: str | None) -> tuple[Party, ...]:
    """Every party of the document; `fields` are the validated owner fields (FieldValue)."""
    parties: list[Party] = []
    owner = _owner_party(fields, enterprise=enterprise)
    if owner is not None:
        parties.append(owner)
        if doc_type and _BIRTH_EXTRACT.match(fold(doc_type)) and not enterprise:
            parties.append(Party("child", owner.name, owner.id, owner.id_kind, owner.confidence))
    for i, f in enumerate(doc.folded):
        for role, rx in _NAMED_ROLES:
            m = rx.search(f)
            if m is not None:
                p = _person(doc, role, i, m.end(), size=2)
                if p is not None:
                    parties.append(p)
        rep = _REPRESENTATIVE.search(f)
        if rep is not None and ":" not in doc.lines[i].text[:rep.start()]:
            for j in doc.next_lines(i, limit=3):
                m = _PERSON_NAME.search(doc.folded[j])
                if m is not None:
                    p = _person(doc, "legal_representative", j, m.end(), size=5)
                    if p is not None:
                        parties.append(p)
                    break
    parties.extend(_people_decided_on(doc, parties))
    parties.extend(_table_members(doc, parties))
    return tuple(_dedupe(parties))


# A table header naming persons and their ids: "STT | Họ và tên | Ngày sinh | … | Số định danh"
# (the name column may be "Họ, chữ đệm và tên", as on civil-status forms)
_HEADER_NAME = re.compile(r"ho\s*[,.]?\s*(chu\s*dem\s*[,.]?\s*)?(va\s*)?ten")
_HEADER_ID = re.compile(r"(so\s*dinh\s*danh|cccd|cmnd|can\s*cuoc|so\s*giay\s*to)")
_HOUSEHOLD = re.compile(r"(quan\s*he\s*(voi\s*)?chu\s*ho|chu\s*ho|thanh\s*vien\s*(trong\s*)?ho)")
_ROW_NAME = re.compile(r"(?<![\w])([A-ZĐÀ-Ỹ][a-zđà-ỹ]+(?:\s+[A-ZĐÀ-Ỹ][a-zđà-ỹ]+){1,6}|"
                       r"[A-ZĐÀ-Ỹ]{2,}(?:\s+[A-ZĐÀ-Ỹ]{1,}){1,6})(?![\w])")
_ROW_ID = re.compile(r"(?<![\d])(\d{12}|\d{9})(?![\d])")


def _rows_below(doc: Doc, i: int, limit: int = 20) -> list[list[int]]:
    """The table rows under header line i: lines grouped by (page, row), in order."""
    rows: dict[tuple[int, int], list[int]] = {}
    header = doc.row_of(i)
    for j in range(i + 1, min(len(doc.lines), i + 1 + 6 * limit)):
        key = doc.row_of(j)
        if key == header:
            continue
        rows.setdefault(key, []).append(j)
    return list(rows.values())[:limit]


def _table_members(doc: Doc, known: list[Party]) -> list[Party]:
    """Persons in the rows of a table whose header names a name and an id column: household
    members (the header or the document speaks of "chủ hộ"), else members. A row counts only
    with a name-like cell and a valid citizen id; the table ends at the first row without."""
    out: list[Party] = []
    ids = {p.id for p in known if p.id}
    for i, f in enumerate(doc.folded):
        if not (_HEADER_NAME.search(f) or _HEADER_ID.search(f)):
            continue
        row = " ".join(doc.folded[j] for j in range(len(doc.lines))
                       if doc.row_of(j) == doc.row_of(i))  # the header's cells
        if not (_HEADER_NAME.search(row) and _HEADER_ID.search(row)) or ":" in doc.lines[i].text:
            continue
        household = bool(_HOUSEHOLD.search(row)) or any(
            _HOUSEHOLD.search(g) for g in doc.folded[max(0, i - 4):i])
        role = "household_member" if household else "member"
        for cells in _rows_below(doc, i):
            text = "  ".join(doc.lines[j].text for j in sorted(
                cells, key=lambda j: doc.lines[j].x0))
            got_id = next((m for m in _ROW_ID.finditer(text)
                           if validate_owner_id(m.group(1)) is None), None)
            names = [m for m in _ROW_NAME.finditer(text) if looks_like_name(m.group(1),
                                                                          labelled=True)]
            if got_id is None or not names:
                break
            name = names[0].group(1)
            if is_upper_text(name):
                name = " ".join(w.capitalize() for w in name.split())
            if got_id.group(1) in ids:
                continue  # the owner, already a party
            conf = min(line_conf(doc.lines[j]) for j in cells)
            check = lexicon.check_person_name(name)
            if check.repaired or check.ambiguous or not check.known:
                conf = min(conf, UNVERIFIED)
            ids.add(got_id.group(1))
            out.append(Party(role, collapse(check.text), got_id.group(1),
                             id_kind(got_id.group(1)), conf))
        break  # one person table per document
    return out


def _owner_party(fields: dict[str, Any], *, enterprise: bool) -> Party | None:
    name, oid, tax = fields.get("owner_name"), fields.get("owner_id"), fields.get("tax_code")
    name_v = name.value if name is not None and isinstance(name.value, str) else None
    if enterprise:
        id_v = tax.value if tax is not None and isinstance(tax.value, str) else None
        confs = [fv.confidence for fv in (name, tax) if fv is not None and fv.value]
        kind = "mst" if id_v else None
    else:
        id_v = oid.value if oid is not None and isinstance(oid.value, str) else None
        confs = [fv.confidence for fv in (name, oid) if fv is not None and fv.value]
        kind = id_kind(id_v)
    if name_v is None and id_v is None:
        return None
    return Party("owner", name_v, id_v, kind, min(confs) if confs else 0.0)


def _people_decided_on(doc: Doc, known: list[Party]) -> list[Party]:
    """"… đối với ông/bà <Name>" in the subject or the first article of a decision."""
    found: dict[str, Party] = {}
    names = {fold(p.name) for p in known if p.name}
    lines: list[int] = []
    for i, f in enumerate(doc.folded):
        if P.SUBJECT_START.match(f) or re.match(r"^\s*dieu\s*1\b", f):
            lines.append(i)  # the subject or the first article, and its wrapped lines
            lines.extend(j for j in doc.next_lines(i, limit=2)
                         if not re.match(r"^\s*(dieu\s*\d|can\s*cu)", doc.folded[j]))
    for i in dict.fromkeys(lines):
        f = doc.folded[i]
        opening = _ARTICLE1_PERSON.match(f)
        for m in [*_ABOUT.finditer(f), *([opening] if opening else [])]:
            p = _person(doc, "decision_subject", i, m.end(), size=3)
            if p is None or p.name is None:
                continue
            key = fold(p.name)
            if any(n.startswith(key) or key.startswith(n) for n in names):
                continue  # the owner block already names them
            seen = next((k for k in found if k.startswith(key) or key.startswith(k)), None)
            if seen is None:
                found[key] = p
            elif found[seen].id is None and p.id is not None:  # named again, with the id
                found[seen] = Party(p.role, found[seen].name if len(seen) >= len(key)
                                    else p.name, p.id, p.id_kind, min(p.confidence,
                                                                      found[seen].confidence))
    return list(found.values())


def _dedupe(parties: list[Party]) -> list[Party]:
    seen: set[tuple[str, str | None, str | None]] = set()
    out = []
    for p in parties:
        key = (p.role, p.name, p.id)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out
