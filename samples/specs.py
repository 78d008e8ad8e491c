"""Document specifications: what a synthetic administrative document says and how it is styled."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from samples.data import random_date

ParaKind = Literal["body", "center_bold", "center", "field", "heading", "italic"]

# (regular, bold, italic, bold italic) font files per family, all from Debian packages.
FONT_FAMILIES: dict[str, tuple[str, str, str, str]] = {
    "Liberation Serif": (
        "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
        "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf",
        "/usr/share/fonts/truetype/liberation2/LiberationSerif-Italic.ttf",
        "/usr/share/fonts/truetype/liberation2/LiberationSerif-BoldItalic.ttf",
    ),
    "Noto Serif": (
        "/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf",
        "/usr/share/fonts/truetype/noto/NotoSerif-Bold.ttf",
        "/usr/share/fonts/truetype/noto/NotoSerif-Italic.ttf",
        "/usr/share/fonts/truetype/noto/NotoSerif-BoldItalic.ttf",
    ),
    "DejaVu Serif": (
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Italic.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif-BoldItalic.ttf",
    ),
}
# Times-metric Liberation dominates, as Times New Roman does in real documents.
FAMILY_WEIGHTS: dict[str, float] = {"Liberation Serif": 0.6, "Noto Serif": 0.25,
                                     "DejaVu Serif": 0.15}


@dataclass(frozen=True)
class Style:
    """Layout knobs varied per document within the Decree 30/2020 frame."""

    family: str = "Liberation Serif"
    body_pt: float = 14.0
    header_pt: float = 13.0
    margin_left_mm: float = 30.0
    margin_right_mm: float = 20.0
    margin_top_mm: float = 20.0
    margin_bottom_mm: float = 20.0
    line_spacing: float = 1.15  # multiple of the font size
    para_gap_pt: float = 6.0
    indent_mm: float = 12.7
    justify: bool = True
    left_col_frac: float = 0.42
    signature_seed: int = 0
    bold_articles: bool = True
    signer_page: bool = False  # signer block alone on a last, text-sparse page

    @staticmethod
    def random(rng: random.Random) -> Style:
        families = list(FAMILY_WEIGHTS)
        return Style(
            family=rng.choices(families, weights=[FAMILY_WEIGHTS[f] for f in families])[0],
            body_pt=rng.choice((13.0, 13.0, 14.0, 14.0, 13.5)),
            header_pt=rng.choice((12.0, 12.5, 13.0)),
            margin_left_mm=rng.uniform(28.0, 35.0),
            margin_right_mm=rng.uniform(15.0, 20.0),
            margin_top_mm=rng.uniform(18.0, 25.0),
            margin_bottom_mm=rng.uniform(18.0, 25.0),
            line_spacing=rng.uniform(1.05, 1.35),
            para_gap_pt=rng.choice((3.0, 6.0, 6.0, 8.0)),
            indent_mm=rng.uniform(10.0, 12.7),
            justify=rng.random() < 0.85,
            left_col_frac=rng.uniform(0.38, 0.44),
            signature_seed=rng.randrange(1 << 30),
            bold_articles=rng.random() < 0.7,
        )


@dataclass(frozen=True)
class Para:
    text: str
    kind: ParaKind = "body"


@dataclass(frozen=True)
class DocSpec:
    """Everything needed to render one document and to write its ground truth."""

    name: str
    doc_type: str
    type_abbr: str | None
    parent_lines: tuple[str, ...]
    agency_lines: tuple[str, ...]
    number_line: str | None  # "Số: 15/QĐ-UBND" as drawn, None when the type has none
    place_date: str  # "Quảng Trị, ngày 05 tháng 3 năm 2024"
    title_lines: tuple[str, ...]  # centred bold (document type), empty for official letters
    subject_lines: tuple[str, ...]  # centred bold under the title, or "V/v ..." on the left
    letter_subject: bool  # official letter: subject under the number, "Kính gửi" body
    body: tuple[Para, ...]
    recipients: tuple[str, ...]  # items under "Nơi nhận:"; empty: no recipients block
    signer_lines: tuple[str, ...]  # authority prefix line(s) and title, bold, above signature
    signer_name: str
    cosigner: tuple[str, str] | None  # (title, name) on the left instead of "Nơi nhận"
    seal_text: str  # text around the seal ring
    style: Style
    fields: dict[str, Any] = field(default_factory=dict)  # truth without page_count
    # Centred under the title, above any subject: a company form, "(Cấp cho ...)", a copy
    # mark. Drawn, but never the subject (trích yếu).
    subtitle_lines: tuple[str, ...] = ()


def issue_date_range(rng: random.Random) -> date:
    """Issue dates from 2015 to October 2026, a third after the July 2025 reorganisation."""
    if rng.random() < 0.35:
        return random_date(rng, date(2025, 7, 1), date(2026, 10, 30))
    return random_date(rng, date(2015, 1, 1), date(2025, 6, 30))
