"""What a person reads for the machine's names: field names (Decree 30/2020), outcomes and
review reasons, in the current language. Shared by the CLI and the web pages.

The index, the JSON record, the batch report and the API keep the stable English forms
(`issue_date`, `needs_review`, `issue_date: missing`); only these labels are translated.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pipeline.i18n import _, display_date


def field_label(name: str) -> str:
    labels = {
        "doc_type": _("Document type"), "type_abbr": _("Document type abbreviation"),
        "number_symbol": _("Number and symbol"), "issue_place": _("Place of issue"),
        "issue_date": _("Issue date"), "issuing_agency": _("Issuing agency"),
        "parent_agency": _("Parent agency"), "subject": _("Subject"),
        "signer_name": _("Signer"), "signer_title": _("Signer's title"),
        "authority_prefix": _("Signing authority"), "recipients": _("Recipients"),
        "owner_name": _("Owner"), "owner_id": _("Identity number (citizen id / tax code)"),
        "owner_birth_date": _("Date of birth"), "owner_address": _("Address"),
        "tax_code": _("Tax code"), "valid_until": _("Valid until"),
        "page_count": _("Pages"), "status": _("Status"),
        "parties": _("Persons named in the document"),
    }
    return labels.get(name, name)


def party_role_label(role: str | None) -> str:
    """The role a person has in a document (`decision_subject` → "Người được quyết định")."""
    labels = {"owner": _("Owner"), "legal_representative": _("Legal representative"),
              "decision_subject": _("Person the decision is about"),
              "child": _("Child registered"), "father": _("Father"), "mother": _("Mother"),
              "applicant": _("Applicant"), "household_member": _("Household member"),
              "member": _("Member or shareholder"),
              "subject_person": _("Person the decision is about")}  # its name before 0007
    return labels.get(role or "", role or "")


def parties_history_text(value: str) -> str:
    """A `parties` history value (`owner: Name (id); decision_subject: …`) with role labels."""
    parts = []
    for part in value.split("; "):
        role, sep, rest = part.partition(": ")
        parts.append(f"{party_role_label(role)}: {rest}" if sep else part)
    return "; ".join(parts)


def status_label(status: str | None) -> str:
    """An outcome or index status: "Cần kiểm tra", "Đã lưu", "Trùng lặp", "Bị từ chối"…"""
    labels = {"needs_review": _("Needs review"), "stored": _("Stored"),
              "approved": _("Approved"), "duplicate": _("Duplicate"),
              "rejected": _("Not approved by the reviewer"), "quarantined": _("Quarantined"),
              "retryable": _("Retryable (a service did not answer)"),
              "discarded": _("Discarded"),
              "failed": _("Failed"), "interrupted": _("Not processed (stopped)")}
    return labels.get(status or "", status or "")


def verdict_label(verdict: str | None) -> str:
    """A Decision 766 verdict ("Đạt" / "Không đạt", kept as such in CSV and JSON) for a person."""
    return {"Đạt": _("Met"), "Không đạt": _("Not met")}.get(verdict or "", verdict or "")


def _date(text: str) -> str:
    return display_date(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else text


# Why a field is missing, invalid or unsure, as `pipeline.extract` words it (stable English,
# stored with the document) → the message a person reads. Matched whole, first match wins;
# wording not listed here is shown as it is.
_WHY: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"missing"), lambda m: _("missing")),
    (re.compile(r"not found"), lambda m: _("not found")),
    (re.compile(r"unsure"), lambda m: _("unsure")),
    (re.compile(r"corrected by reviewer"), lambda m: _("corrected by reviewer")),
    (re.compile(r"confidence ([\d.]+) < ([\d.]+)"), lambda m: _(
        "confidence {confidence} below the review threshold {threshold}").format(
            confidence=m[1], threshold=m[2])),
    (re.compile(r"invalid: (.*)"), lambda m: _("invalid: {problem}").format(
        problem=reason_text(m[1]))),
    (re.compile(r"(.*) is not a date \(yyyy-mm-dd\)"), lambda m: _(
        "{value} is not a date").format(value=m[1])),
    (re.compile(r"(\S+) is before (\d+)"), lambda m: _("{date} is before {year}").format(
        date=_date(m[1]), year=m[2])),
    (re.compile(r"(\S+) is in the future"), lambda m: _("{date} is in the future").format(
        date=_date(m[1]))),
    (re.compile(r"longer than (\d+) characters"), lambda m: _(
        "longer than {n} characters").format(n=m[1])),
    (re.compile(r"(\S+) is not a plausible date of birth"), lambda m: _(
        "{date} is not a plausible date of birth").format(date=_date(m[1]))),
    (re.compile(r"date of birth (\S+) is after the issue date"), lambda m: _(
        "the date of birth {date} is after the issue date").format(date=_date(m[1]))),
    (re.compile(r"(.*) is not a date \(use yyyy-mm-dd or dd/mm/yyyy\)"), lambda m: _(
        "{value} is not a date (write dd/mm/yyyy or yyyy-mm-dd)").format(value=m[1])),
    (re.compile(r"(.*) is not a whole number"), lambda m: _("{value} is not a whole number")
     .format(value=m[1])),
    (re.compile(r"(.*) is neither a date \(yyyy-mm-dd\) nor 'permanent'"), lambda m: _(
        "{value} is neither a date nor 'permanent'").format(value=m[1])),
    (re.compile(r"expiry (\S+) is not after the issue date (\S+)"), lambda m: _(
        "the expiry date {expiry} is not after the issue date {issued}").format(
            expiry=_date(m[1]), issued=_date(m[2]))),
    (re.compile(r"CCCD must be 12 digits"), lambda m: _("a CCCD has 12 digits")),
    (re.compile(r"CCCD province code (\d+) does not exist"), lambda m: _(
        "no province has the CCCD code {code}").format(code=m[1])),
    (re.compile(r"CCCD encodes an impossible birth year (\d+)"), lambda m: _(
        "the CCCD encodes an impossible birth year {year}").format(year=m[1])),
    (re.compile(r"CMND must be 9 digits"), lambda m: _("a CMND has 9 digits")),
    (re.compile(r"citizen id must have 12 \(CCCD\) or 9 \(CMND\) digits"), lambda m: _(
        "a citizen id has 12 (CCCD) or 9 (CMND) digits")),
    (re.compile(r"tax code must be 10 digits, optionally followed by -NNN"), lambda m: _(
        "a tax code has 10 digits, optionally followed by -NNN")),
    (re.compile(r"tax code (\S+) is invalid \((.*)\)"), lambda m: _(
        "the tax code {code} is not valid (wrong check digit or branch number)").format(code=m[1])),
    (re.compile(r"citizen id must be a string of digits"), lambda m: _(
        "a citizen id is made of digits only")),
    (re.compile(r"(.*) does not look like a number and symbol \((.*)\)"), lambda m: _(
        "{value} does not look like a number and symbol (e.g. {example})").format(
            value=m[1], example=m[2])),
    (re.compile(r"(.*): a number with a leading zero has two digits \(01-09\)"), lambda m: _(
        "{value}: a number with a leading zero has two digits (01-09)").format(value=m[1])),
    (re.compile(r"year (\d+) in the number is out of range"), lambda m: _(
        "the year {year} in the number is out of range").format(year=m[1])),
    (re.compile(r"must be non-empty text"), lambda m: _("must not be empty")),
    (re.compile(r"contradicts the citizen id"), lambda m: _(
        "contradicts the citizen id")),
    (re.compile(r"scan cleaned of specks: diacritics unsure"), lambda m: _(
        "the scan was cleaned of specks: the diacritics are unsure")),
    (re.compile(r"low-resolution scan read enlarged: diacritics unsure"), lambda m: _(
        "a low-resolution scan was read enlarged: the diacritics are unsure")),
    (re.compile(r"scan cleaned of specks: D or Đ unsure"), lambda m: _(
        "the scan was cleaned of specks: D or Đ is unsure")),
    (re.compile(r"the person the decision is about"), lambda m: _(
        "the person the decision is about")),
    (re.compile(r"number not printed \(handwritten\?\): type it in"), lambda m: _(
        "the number is not printed (handwritten?): type it in")),
    (re.compile(r"number after 'Số:' is unreadable"), lambda m: _(
        "the number after 'Số:' cannot be read")),
    (re.compile(r"issue date phrase is unreadable"), lambda m: _(
        "the issue date cannot be read")),
    (re.compile(r"the day is unreadable: the number may be handwritten too"), lambda m: _(
        "the day cannot be read: the number may be handwritten too")),
    (re.compile(r"issue date on the place-date line is unreadable \(handwritten or damaged\): "
                r"type it in"), lambda m: _(
        "the issue date on the place and date line cannot be read (handwritten or damaged): "
        "type it in")),
    (re.compile(r"diacritics restored from the names list"), lambda m: _(
        "diacritics restored from the list of names")),
    (re.compile(r"a name in capitals read once"), lambda m: _(
        "a name printed once in capitals: its tone marks are unconfirmed")),
    (re.compile(r"diacritics of the place decided by the gazetteer"), lambda m: _(
        "the place's diacritics were decided by the list of administrative units")),
    (re.compile(r"diacritics restored from the agency name"), lambda m: _(
        "diacritics restored from the agency name")),
    (re.compile(r"diacritics of '(.*)' restored from the date line"), lambda m: _(
        "diacritics of '{text}' restored from the place and date line").format(text=m[1])),
    (re.compile(r"'(.*)' in the date line vs '(.*)' in the agency name"), lambda m: _(
        "'{place}' on the date line but '{agency}' in the agency name").format(
            place=m[1], agency=m[2])),
    (re.compile(r"the word list contradicts a syllable: check the tone marks"), lambda m: _(
        "the word list contradicts a syllable: check the tone marks")),
    (re.compile(r"the word list contradicts a syllable"), lambda m: _(
        "the word list contradicts a syllable")),
    (re.compile(r"(\d+) tone mark\(s\) restored from the word list"), lambda m: _(
        "{n} tone mark(s) restored from the word list").format(n=m[1])),
    (re.compile(r"tone marks restored from the word list"), lambda m: _(
        "tone marks restored from the word list")),
    (re.compile(r"not in the names list"), lambda m: _("not in the list of names")),
    (re.compile(r"a syllable of the name fits several names"), lambda m: _(
        "a syllable of the name fits several names")),
    (re.compile(r"spelled differently elsewhere in the document"), lambda m: _(
        "spelled differently elsewhere in the document")),
    (re.compile(r"symbol differs from the agency's initials by one letter"), lambda m: _(
        "the symbol differs from the agency's initials by one letter")),
    (re.compile(r"a word of the agency name seems lost"), lambda m: _(
        "a word of the agency name seems lost")),
    (re.compile(r"document type not a known title"), lambda m: _(
        "the document type is not a known title")),
    (re.compile(r"the subject ends mid-phrase"), lambda m: _("the subject ends mid-phrase")),
    (re.compile(r"authority prefix unreadable"), lambda m: _(
        "the signing authority cannot be read")),
    (re.compile(r"signer title unreadable"), lambda m: _("the signer's title cannot be read")),
    (re.compile(r"title restored from the titles list"), lambda m: _(
        "title restored from the list of titles")),
    (re.compile(r"signer block partly unreadable"), lambda m: _(
        "the signature block is partly unreadable")),
    (re.compile(r"citizen id has (\d+) digits \(12 or 9 expected\)"), lambda m: _(
        "the citizen id has {n} digits (12 or 9 expected)").format(n=m[1])),
    (re.compile(r"date of birth is unreadable"), lambda m: _(
        "the date of birth cannot be read")),
    (re.compile(r"expiry date is unreadable"), lambda m: _("the expiry date cannot be read")),
    (re.compile(r"the address printed under another person \(a parent, a representative\)"),
     lambda m: _("the address printed under another person (a parent, a representative)")),
    (re.compile(r"only another person's address is printed \(a parent, a representative\)"),
     lambda m: _("only another person's address is printed (a parent, a representative)")),
    (re.compile(r"authority prefix restored"), lambda m: _(
        "the signing authority was restored")),
    (re.compile(r"diacritics restored from the gazetteer"), lambda m: _(
        "diacritics restored from the list of administrative units")),
    (re.compile(r"no signer title read"), lambda m: _("no title of the signer was read")),
    (re.compile(r"the subject starts mid-phrase"), lambda m: _(
        "the subject starts mid-phrase")),
    (re.compile(r"the title seems cut: a known title goes on"), lambda m: _(
        "the title seems cut: a known title goes on")),
    (re.compile(r"the title seems cut: a known title ends so"), lambda m: _(
        "the title seems cut at its start: a known title ends so")),
    (re.compile(r"symbol's type part is its abbreviation and more"), lambda m: _(
        "the symbol's type part is the type's abbreviation with a letter more")),
    (re.compile(r"the agency name ends mid-phrase"), lambda m: _(
        "the agency name ends mid-phrase: its next line may be lost")),
    (re.compile(r"a speck or a doubled word in the agency name"), lambda m: _(
        "a speck or a doubled word in the agency name")),
    (re.compile(r"a Roman numeral was read short of its box"), lambda m: _(
        "a Roman numeral was read with fewer letters than its box holds")),
    (re.compile(r"a line that seems to go on the subject was left out"), lambda m: _(
        "a line that seems to go on the subject was left out")),
    (re.compile(r"symbol (\S+) names a document type but no title was read"), lambda m: _(
        "the symbol {symbol} names a document type but no title was read").format(
            symbol=m[1])),
    (re.compile(r"title says (\S+) but the symbol says (\S+)"), lambda m: _(
        "the title says {title} but the symbol says {symbol}").format(
            title=m[1], symbol=m[2])),
]


def reason_text(why: str) -> str:
    """One reason (`missing`, `invalid: 2031-01-01 is in the future`…) in the current language."""
    why = why.strip()
    for pattern, say in _WHY:
        match = pattern.fullmatch(why)
        if match:
            return say(match)
    for pattern, say in _WHY[:4]:  # a short word with a detail after it: "unsure (0.62)"
        match = pattern.match(why)
        if match and why[match.end():match.end() + 1] in (" ", "("):
            return say(match) + why[match.end():]
    return why


def review_reason_text(reason: str) -> str:
    """`issue_date: missing` → "Ngày ban hành: thiếu" (field label, then the reason)."""
    name, sep, why = reason.partition(":")
    if not sep or " " in name.strip():
        return reason_text(reason)
    return f"{field_label(name.strip())}: {reason_text(why)}"
