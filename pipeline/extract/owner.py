"""Field parsers for the owner block of a procedure result (who it belongs to, until when).

Values are taken only after their label ("Họ và tên:", "Số định danh cá nhân:", "Mã số doanh
nghiệp:" …): a 12-digit number next to "Điện thoại" or "Số tài khoản" is never an owner id.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from pipeline.extract import lexicon
from pipeline.extract import patterns as P
from pipeline.extract.doc import Doc
from pipeline.extract.fields import (
    Found,
    line_conf,
    looks_like_name,
    parse_numeric_date,
    parse_vn_date,
    token_trust,
)
from pipeline.extract.layout import Line
from pipeline.extract.vocab import check_address
from pipeline.vntext import collapse, fold, is_upper_text, strip_punct, to_digits

_DIGITS_RUN = re.compile(r"[0-9OoIl|][0-9OoIl|\s.]*[0-9OoIl|]")
_BETWEEN_OK = re.compile(r"^[\s:;.,]*(so\b)?[\s:;.,]*$")
_CONTINUES = re.compile(r"^\s*(xa|phuong|thi\s*tran|thi\s*xa|huyen|quan|tinh|thanh\s*pho|tp\b|"
                        r"viet\s*nam|to\b|thon|ap\b|khu\b)")


# An address cannot end with one of these: its name is on the next line.
_UNIT_WORDS = frozenset({"xã", "phường", "huyện", "quận", "tỉnh", "thành", "phố", "thị", "trấn",
                         "đường", "số", "thôn", "ấp", "tổ", "khu", "bản", "xóm", "tp."})


UNVERIFIED = 0.79  # a proper name that no vocabulary or second reading confirms
_QUOTES = re.compile(r"[\"'`´‘’“”„]")  # specks OCR reads as quotes inside a name


def _labels(doc: Doc, rx: re.Pattern[str]) -> Iterator[tuple[int, int, int]]:
    """(line index, label start, value start) for every label match, in reading order."""
    for i, f in enumerate(doc.folded):
        for m in rx.finditer(f):
            if m.start() > 0 and f[m.start() - 1].isalnum():
                continue
            yield i, m.start(), m.end()


def _wrapped_labels(doc: Doc, rx: re.Pattern[str]) -> Iterator[tuple[int, int]]:
    """(line index, value start) for labels cut by a line break in running text ("… nơi" /
    "thường trú: …"): the value is on the next line."""
    for i, f in enumerate(doc.folded):
        for j in doc.next_lines(i, limit=1):
            joined = f"{f} {doc.folded[j]}"
            for m in rx.finditer(joined):
                if m.start() < len(f) < m.end() - 1 and (
                        m.start() == 0 or not joined[m.start() - 1].isalnum()):
                    yield j, m.end() - len(f) - 1


def _value_text(text: str, start: int) -> tuple[int, int]:
    """Span of the value after a label: up to the next "Label:" on the line."""
    rest = text[start:]
    lead = len(rest) - len(rest.lstrip(" :;"))
    m = P.NEXT_LABEL.search(rest, lead)
    end = start + (m.start() if m else len(rest))
    return start + lead, end


def _title_case(name: str) -> str:
    return " ".join(w.capitalize() for w in name.split()) if is_upper_text(name) else name


def find_owner_name(doc: Doc) -> Found | None:
    for i, _, vstart in _labels(doc, P.LABEL_NAME):
        line = doc.lines[i]
        s, e = _value_text(line.text, vstart)
        value = strip_punct(_QUOTES.sub("", line.text[s:e]))
        h = P.HONORIFIC.match(fold(value))
        if h:
            value, s = value[h.end():], s + h.end()
        if looks_like_name(value, labelled=True):
            return Found(collapse(_title_case(value)), line_conf(line, s, e))
    return None


def is_enterprise(doc: Doc) -> bool:
    """An enterprise registration: the owner is the enterprise, not its representative."""
    return any(P.TAX_ENTERPRISE.search(f) for f in doc.folded) and any(
        P.LABEL_COMPANY.search(f) for f in doc.folded)


def find_company(doc: Doc) -> tuple[Found | None, Found | None]:
    """(enterprise name, head-office address) of an enterprise registration."""
    name = address = None
    for i, _, vstart in _labels(doc, P.LABEL_COMPANY):
        line = doc.lines[i]
        s, e = _value_text(line.text, vstart)
        value = strip_punct(line.text[s:e])
        confs = [line_conf(line, s, e)]
        for j in doc.next_lines(i, limit=1):  # a long name wraps onto a short capitals line
            nxt = doc.lines[j]
            if (is_upper_text(nxt.text) and ":" not in nxt.text and len(nxt.text.split()) <= 4
                    and not re.match(r"^\s*\d", nxt.text) and _filled(line)):
                value = f"{value} {strip_punct(nxt.text)}"
                confs.append(line_conf(nxt))
        if len(value) >= 4:
            # an enterprise name is a brand nothing else confirms (capitals lose diacritics);
            # its common words get their marks back where a word pair decides ("PHẦN MỀM")
            text, changed, unsure = lexicon.repair_text(collapse(value))
            conf = min(*confs, UNVERIFIED, 0.7 if unsure else 1.0)
            why = "tone marks restored from the word list" if changed else None
            name = Found(text, conf, why)
            break
    for i, _, vstart in _labels(doc, P.LABEL_COMPANY_ADDRESS):
        line = doc.lines[i]
        value = strip_punct(line.text[vstart:])
        conf = line_conf(line, vstart)
        if not value:
            following = doc.next_lines(i, limit=1)
            if not following:
                continue
            j = following[0]
            value, conf = strip_punct(doc.lines[j].text), line_conf(doc.lines[j])
            more = _continuation(doc, j, value)
            value = strip_punct(collapse(" ".join([value, *more])))
        if len(value) >= 5:
            value, province_ok = check_address(value)
            address = Found(value, min(conf, 0.6) if province_ok is False else conf)
            break
    return name, address


def find_owner_id(doc: Doc) -> Found | None:
    """12-digit CCCD or 9-digit CMND right after an identity label."""
    for i, _, vstart in _labels(doc, P.LABEL_ID):
        line = doc.lines[i]
        text = line.text
        wrapped = value_on_next_line(doc, i, vstart)
        if wrapped is not None:  # "…, CCCD:" / "số định danh cá" ends the line
            i, vstart = wrapped
            line = doc.lines[i]
            text = line.text
        m = _DIGITS_RUN.search(text, vstart)
        if m is None or not _BETWEEN_OK.match(fold(text[vstart:m.start()])):
            continue
        if P.LABEL_NOT_ID.search(fold(text[: m.start()])[-25:]):
            continue
        digits = to_digits(m.group(0))
        if not digits:
            continue
        repaired = digits != m.group(0)
        conf = line_conf(line, m.start(), m.end(), token_trust) * (0.9 if repaired else 1.0)
        if len(digits) not in (9, 12):
            return Found(None, 0.0, f"citizen id has {len(digits)} digits (12 or 9 expected)")
        return Found(digits, conf)
    return None


# What may be left of a label wrapped at the end of a line: "số định danh cá" / "nhân 0…"
_LABEL_TAIL = re.compile(r"^\s*(ca\s*)?(nhan\s*)?(so\s*)?[:;.,]?\s*")


def value_on_next_line(doc: Doc, i: int, vstart: int) -> tuple[int, int] | None:
    """(line, offset) where a label's value starts when the label ends line i (nothing but
    the label's own tail words after it) and the value opens the next line."""
    if _LABEL_TAIL.sub("", doc.folded[i][vstart:]).strip():
        return None
    nxt = doc.next_lines(i, limit=1)
    if not nxt:
        return None
    j = nxt[0]
    tail = _LABEL_TAIL.match(doc.folded[j])
    return j, tail.end() if tail else 0


def find_birth_date(doc: Doc) -> Found | None:
    for i, _, vstart in _labels(doc, P.LABEL_BIRTH):
        wrapped = value_on_next_line(doc, i, vstart)
        if wrapped is not None:  # "…, sinh ngày" ends the line: the date opens the next
            i, vstart = wrapped
        line, f = doc.lines[i], doc.folded[i]
        value, m = parse_numeric_date(line.text[vstart:vstart + 24])
        if m is not None:
            s, e = vstart + m.start(), vstart + m.end()
        else:
            value, m = parse_vn_date(f[:vstart + 40], vstart)
            if m is None or m.start() - vstart > 4:
                continue
            s, e = m.start(), m.end()
        if value is None:
            return Found(None, 0.0, "date of birth is unreadable")
        return Found(value, line_conf(line, s, e, token_trust))
    return None


def _filled(line: Line) -> bool:
    """The line runs to the right margin, so its text wraps onto the next line."""
    return line.x1 > 0.8 if line.has_box else len(line.text) >= 45


def _continuation(doc: Doc, i: int, value: str) -> list[str]:
    """Wrapped continuation lines of an address that starts on line i."""
    out: list[str] = []
    line, last = doc.lines[i], value
    for j in doc.next_lines(i, limit=2):
        nxt, nf = doc.lines[j], doc.folded[j]
        if ":" in nxt.text[:40] or is_upper_text(nxt.text) or re.match(r"^\s*\d+\s*[.)]", nf):
            break
        prev = doc.lines[j - 1]
        wrapped = _filled(prev) and (abs(nxt.x0 - line.x0) < 0.02 if nxt.has_box else
                                     len(nxt.text.split()) <= 5)
        dangling = bool(last.split()) and last.split()[-1].lower().strip(",") in _UNIT_WORDS
        if not (wrapped or dangling or last.endswith((",", "-")) or _CONTINUES.match(nf)
                or nxt.text[:1].islower()):
            break
        if nxt.has_box and line.has_box and nxt.x0 < line.x0 - 0.02 and not last.endswith(","):
            break
        out.append(nxt.text.strip())
        last = out[-1]
    return out


# Labels that open another person's block (a parent, a representative, an applicant): an
# address under them is that person's, not the owner's.
_OTHER_PERSON = re.compile(r"(ten\s*(cua\s*)?(nguoi\s*)?(me|cha)\s*[:;]|ho\s*ten\s*(me|cha)|"
                           r"nguoi\s*dai\s*dien|nguoi\s*(yeu\s*cau|de\s*nghi|di\s*khai\s*sinh)"
                           r"\s*[:;])")
_PERSON_LABEL = re.compile(r"(ho\s*,?\s*(chu\s*dem\s*,?\s*)?(va\s*)?ten|ten\s*chu\s*ho|cap\s*cho)"
                           r"[^:;]{0,25}[:;]")


def _in_other_block(doc: Doc, i: int) -> bool:
    """Line i sits under another person's name label (the nearest name label above it)."""
    for j in range(i, max(-1, i - 12), -1):
        f = doc.folded[j]
        if _OTHER_PERSON.search(f):
            return True
        m = _PERSON_LABEL.search(f)
        if m is not None:  # "tên ngư ời ch a:": a relative's label, however broken
            return bool(_RELATIVE.match(f[m.end(1):m.end()].strip(" :;")))
        if P.LABEL_NAME.search(f):
            return False
    return False


_RELATIVE = re.compile(r"(cua\s*)?(ng\s*u\s*o?\s*i|me\b|cha\b|vo\b|chong\b)")


def find_address(doc: Doc) -> Found | None:
    """The owner's address; one printed only in another person's block (a parent's residence
    on a birth extract) is not the owner's: null, with a reason naming what was seen."""
    found = _find_address(doc, own_only=True)
    if found is not None:
        return found
    other = _find_address(doc, own_only=False)
    if other is None or other.value is None:
        return other
    return Found(None, 0.0, "only another person's address is printed (a parent, a "
                            "representative)")


def _find_address(doc: Doc, *, own_only: bool) -> Found | None:
    starts = sorted([(i, vstart) for i, _, vstart in _labels(doc, P.LABEL_ADDRESS)]
                    + list(_wrapped_labels(doc, P.LABEL_ADDRESS)))
    for i, vstart in starts:
        if own_only and _in_other_block(doc, i):
            continue
        line = doc.lines[i]
        s, e = _value_text(line.text, vstart)
        first = line.text[s:e].strip()
        more = _continuation(doc, i, first) if e >= len(line.text.rstrip()) else []
        value = strip_punct(collapse(" ".join([first, *more])))
        if len(value) >= 5:
            confs = [line_conf(line, s, e)] + [line_conf(doc.lines[j]) for j in
                                               doc.next_lines(i, limit=len(more))]
            value, province_ok = check_address(value)
            if province_ok is False:
                confs.append(0.6)
            return Found(value, min(confs))
    return None


def find_tax_code(doc: Doc) -> Found | None:
    for i, _, vstart in _labels(doc, P.LABEL_TAX):
        line = doc.lines[i]
        m = re.compile(r"([0-9OoIl|][0-9OoIl|\s.]{8,16}[0-9OoIl|])(\s*-\s*([0-9OoIl|]{3}))?"
                       ).search(line.text, vstart)
        if m is None or not _BETWEEN_OK.match(fold(line.text[vstart:m.start()])):
            continue
        digits = to_digits(m.group(1))
        if not digits:
            continue
        value = digits + (f"-{to_digits(m.group(3))}" if m.group(3) else "")
        conf = line_conf(line, m.start(), m.end(), token_trust) * (
            0.9 if digits != m.group(1) else 1.0)
        return Found(value, conf)
    return None


def find_valid_until(doc: Doc) -> Found | None:
    """Expiry date ("có hiệu lực đến ngày …") or "permanent" ("vĩnh viễn", "không thời hạn")."""
    for i in range(len(doc.lines)):
        nxt = doc.next_lines(i, limit=1)
        window = doc.folded[i] + (" " + doc.folded[nxt[0]] if nxt else "")
        m = P.VALID_UNTIL.search(window)
        if m and m.start() < len(doc.folded[i]):
            found, value = _date_after(window, m.end())
            if found:
                if value is None:
                    return Found(None, 0.0, "expiry date is unreadable")
                return Found(value, line_conf(doc.lines[i]))
        p = P.VALID_PERMANENT.search(doc.folded[i])
        if p and P.VALIDITY_CONTEXT.search(window):
            return Found("permanent", line_conf(doc.lines[i]) * 0.95)
    return None


def _date_after(folded: str, start: int) -> tuple[bool, date | None]:
    """(a date follows, its value) for the text at `start` ("ngày …" or dd/mm/yyyy)."""
    value, m = parse_vn_date(folded, start)
    if m is not None and m.start() - start <= 1:
        return True, value
    value, m = parse_numeric_date(folded[start:start + 20])
    if m is not None and m.start() <= 1:
        return True, value
    return False, None
