"""What a held-out document says, as blocks the typesetter draws in reading order."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Align = Literal["justify", "left", "center"]
FontStyle = Literal["r", "b", "i", "bi"]


@dataclass(frozen=True)
class Header:
    parent: tuple[str, ...]  # regular, above the agency ("UBND TỈNH NGHỆ AN")
    agency: tuple[str, ...]  # bold ("SỞ CÔNG THƯƠNG")
    number: str | None  # "Số: 12/QĐ-SCT" as printed
    place_date: str  # "Nghệ An, ngày 07 tháng 02 năm 2026"
    letter_subject: tuple[str, ...] = ()  # "V/v ..." under the number (official letters)
    copy_mark: str | None = None  # "BẢN SAO" boxed at the top left, above the agency


@dataclass(frozen=True)
class Title:
    lines: tuple[str, ...]  # bold capitals, each may wrap


@dataclass(frozen=True)
class Subtitle:
    text: str  # under the title: a form line, "(Sử dụng ...)" or a copy mark; no subject
    style: FontStyle = "b"


@dataclass(frozen=True)
class Subject:
    text: str  # trích yếu, bold, centred, wraps over several lines


@dataclass(frozen=True)
class Para:
    text: str
    style: FontStyle = "r"
    align: Align = "justify"
    indent: bool = True
    bold_lead: str = ""  # a bold prefix such as "Điều 1." drawn in the same line


@dataclass(frozen=True)
class Table:
    head: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    weights: tuple[float, ...]  # relative column widths


@dataclass(frozen=True)
class Footer:
    recipients: tuple[str, ...]  # "- Như trên;" ... ; empty: no "Nơi nhận"
    signer_lines: tuple[str, ...]  # "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"
    signer_name: str
    left_signer: tuple[str, str] | None = None  # (title, name) instead of "Nơi nhận"
    seal_text: str | None = None  # a red seal over the signature when set


Block = Header | Title | Subtitle | Subject | Para | Table


@dataclass(frozen=True)
class Look:
    """Typography of one document."""

    family: str
    body_pt: float
    header_pt: float
    margins_mm: tuple[float, float, float, float]  # left, top, right, bottom
    line_gap: float  # line height as a multiple of the font size
    left_col: float  # share of the text width for the agency column
    date_italic: bool
    number_beside_date: bool  # "Số:" and the date on one baseline
    title_pt: float
    signer_alone: bool  # signer block on a page of its own (text-sparse page)


@dataclass
class Document:
    doc_id: str
    doc_type: str
    type_abbr: str | None
    header: Header
    blocks: list[Block]
    footer: Footer
    look: Look
    fields: dict[str, Any] = field(default_factory=dict)
