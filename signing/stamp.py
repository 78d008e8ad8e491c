"""The visible "SAO Y" copy stamp of Decree 30/2020 Annex I.

Top right of page 1, no image: "SAO Y", the copying agency, the ISO-8601 signing time (+07:00),
in a Times-New-Roman-metric font at 10 pt. Liberation Serif is metric-compatible with Times New
Roman but has 2048 units per em, which pyHanko lays out about twice too wide, so it is rescaled
to 1000 units per em with fontTools (once per process, in the temp folder). Noto Serif (1000 upm)
is the fallback.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import tempfile
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from fontTools.ttLib import TTFont
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import TextStamp, TextStampStyle

from signing.errors import SigningError

VN_TZ = timezone(timedelta(hours=7), "+07:00")
LIBERATION_SERIF = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf")
NOTO_SERIF = Path("/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf")

_MARGIN_PT = 28.0  # ~1 cm from the top and right edges
_PADDING_PT = 4.0
_MAX_WIDTH_PT = 220.0


@dataclass(frozen=True)
class CopyStamp:
    """What the "SAO Y" stamp says. ``time`` defaults to now in Vietnam time (+07:00)."""

    agency: str
    time: datetime | None = None
    label: str = "SAO Y"
    font_path: Path | None = None  # default: Liberation Serif rescaled, else Noto Serif
    font_size: int = 10
    extra_lines: tuple[str, ...] = field(default_factory=tuple)

    def stamp_time(self) -> datetime:
        moment = self.time or datetime.now(VN_TZ)
        return moment.astimezone(VN_TZ).replace(microsecond=0)

    def lines(self) -> list[str]:
        # NFC: the stamp font carries precomposed Vietnamese letters only
        texts = [self.label, self.agency, self.stamp_time().isoformat(), *self.extra_lines]
        return [unicodedata.normalize("NFC", t) for t in texts]


def default_font_path() -> Path:
    """A Times-New-Roman-metric font laid out correctly by pyHanko (1000 units per em)."""
    if LIBERATION_SERIF.exists():
        return _rescaled_to_1000_upm(str(LIBERATION_SERIF))
    if NOTO_SERIF.exists():
        return NOTO_SERIF
    raise SigningError(
        "FONT_NOT_FOUND",
        "Thiếu phông chữ cho dấu SAO Y / no stamp font: install fonts-liberation2 or "
        "fonts-noto-core.",
    )


@functools.lru_cache(maxsize=4)
def _rescaled_to_1000_upm(source: str) -> Path:
    from fontTools.ttLib.scaleUpem import scale_upem

    data = Path(source).read_bytes()
    target = (
        Path(tempfile.gettempdir())
        / "sohoa-fonts"
        / (hashlib.sha256(data).hexdigest()[:16] + "-1000upm-vi-v4.ttf")
    )
    if target.exists():
        return target
    font = TTFont(source)
    if font["head"].unitsPerEm != 1000:
        scale_upem(font, 1000)
    for table in ("FFTM", "DSIG"):  # tables the PDF subsetter cannot handle (noisy warnings)
        if table in font:
            del font[table]
    _keep_vietnamese_latin(font)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".tmp")
    font.save(str(partial))
    partial.replace(target)  # atomic: parallel workers never read a half-written font
    return target


# Printable ASCII, Latin-1 letters and signs, the Vietnamese letters outside Latin-1, the
# Vietnamese block of Latin Extended Additional, dashes/quotes and the dong sign.
_STAMP_UNICODE_RANGES = (
    (0x0020, 0x007E),
    (0x00A0, 0x00FF),
    (0x0102, 0x0103),
    (0x0110, 0x0111),
    (0x0128, 0x0129),
    (0x0168, 0x0169),
    (0x01A0, 0x01A1),
    (0x01AF, 0x01B0),
    (0x1EA0, 0x1EF9),
    (0x2010, 0x2027),
    (0x20AB, 0x20AB),
)


def _keep_vietnamese_latin(font: TTFont) -> None:
    """Pre-subset the font once to what a stamp needs (precomposed Vietnamese, no hinting, only
    kerning): pyHanko subsets the font again for every signature, and a small font with few
    layout tables makes that several times faster."""
    from fontTools import subset

    options = subset.Options()
    options.layout_features = ["kern"]
    options.hinting = False
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    unicodes = [cp for lo, hi in _STAMP_UNICODE_RANGES for cp in range(lo, hi + 1)]
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)


@functools.lru_cache(maxsize=8)
def _advance_table(font_path: str) -> tuple[dict[int, int], int]:
    font = TTFont(font_path)
    cmap = font.getBestCmap()
    widths = {code: font["hmtx"][glyph][0] for code, glyph in cmap.items()}
    return widths, int(font["head"].unitsPerEm)


def text_width_pt(text: str, font_path: Path, font_size: float) -> float:
    """Approximate advance width of ``text`` (no kerning), enough to size the stamp box."""
    widths, upem = _advance_table(str(font_path))
    fallback = upem // 2
    return sum(widths.get(ord(ch), fallback) for ch in text) * font_size / upem


def wrap_lines(lines: list[str], font_path: Path, font_size: float, max_width: float) -> list[str]:
    """Greedy word wrap so a long agency name stays inside the stamp."""
    wrapped: list[str] = []
    for line in lines:
        current = ""
        for word in line.split(" "):
            candidate = f"{current} {word}".strip()
            if current and text_width_pt(candidate, font_path, font_size) > max_width:
                wrapped.append(current)
                current = word
            else:
                current = candidate
        wrapped.append(current)
    return wrapped


def stamp_layout(
    stamp: CopyStamp, page_box: tuple[float, float, float, float], rotation: int = 0
) -> tuple[TextStampStyle, tuple[int, int, int, int]]:
    """The pyHanko stamp style and the field rectangle at the top right of the page as
    displayed, i.e. taking the page's /Rotate (0, 90, 180, 270) into account."""
    font_path = stamp.font_path or default_font_path()
    if not font_path.exists():
        raise SigningError("FONT_NOT_FOUND", f"Stamp font not found: {font_path}")
    inner = _MAX_WIDTH_PT - 2 * _PADDING_PT
    lines = wrap_lines(stamp.lines(), font_path, stamp.font_size, inner)
    text_w = max(text_width_pt(line, font_path, stamp.font_size) for line in lines)
    width = min(_MAX_WIDTH_PT, text_w + 2 * _PADDING_PT + 4)  # +4: kerning/rounding slack
    leading = round(stamp.font_size * 1.2)
    height = len(lines) * leading + 2 * _PADDING_PT + 2
    rotation = rotation % 360
    box = _top_right_rect(page_box, width, height, rotation)
    text = "\n".join(line.replace("%", "%%") for line in lines)
    no_scaling = layout.SimpleBoxLayoutRule(
        x_align=layout.AxisAlignment.ALIGN_MIN,
        y_align=layout.AxisAlignment.ALIGN_MAX,
        margins=layout.Margins.uniform(int(_PADDING_PT)),
        inner_content_scaling=layout.InnerScaling.NO_SCALING,  # keep exactly font_size pt
    )
    style = UprightTextStampStyle(
        stamp_text=text,
        border_width=0,
        background=None,
        inner_content_layout=dataclasses.replace(no_scaling, margins=layout.Margins()),
        text_box_style=TextBoxStyle(
            font=GlyphAccumulatorFactory(str(font_path), font_size=stamp.font_size),
            font_size=stamp.font_size,
            leading=int(round(leading)),
            box_layout_rule=no_scaling,
        ),
        page_rotation=rotation,
    )
    return style, box


def _top_right_rect(
    page_box: tuple[float, float, float, float], width: float, height: float, rotation: int
) -> tuple[int, int, int, int]:
    """User-space rectangle that a viewer shows at the top right of a page rotated by
    ``rotation`` degrees clockwise (/Rotate); on 90/270 the rectangle is height x width."""
    x0, y0, x1, y1 = page_box
    m = _MARGIN_PT
    if rotation == 90:  # displayed top edge = user left edge, right edge = user top edge
        rect = (x0 + m, y1 - m - width, x0 + m + height, y1 - m)
    elif rotation == 180:
        rect = (x0 + m, y0 + m, x0 + m + width, y0 + m + height)
    elif rotation == 270:
        rect = (x1 - m - height, y0 + m, x1 - m, y0 + m + width)
    else:
        rect = (x1 - m - width, y1 - m - height, x1 - m, y1 - m)
    return (int(rect[0]), int(rect[1]), int(round(rect[2])), int(round(rect[3])))


@dataclass(frozen=True)
class UprightTextStampStyle(TextStampStyle):
    """A text stamp that counter-rotates its appearance so it reads upright on a page with
    /Rotate (pyHanko draws appearances in unrotated page space)."""

    page_rotation: int = 0

    def create_stamp(
        self, writer: Any, box: layout.BoxConstraints, text_params: dict[str, Any]
    ) -> TextStamp:
        if self.page_rotation in (90, 270):  # the field is stored sideways: swap back
            box = layout.BoxConstraints(width=box.height, height=box.width)
        return _UprightTextStamp(writer=writer, style=self, box=box, text_params=text_params)


class _UprightTextStamp(TextStamp):
    def as_form_xobject(self) -> Any:
        xobj = super().as_form_xobject()
        rotation = getattr(self.style, "page_rotation", 0)
        if rotation:
            # rotate the form counter-clockwise by the page's clockwise /Rotate; the viewer
            # then fits the rotated BBox into the (already swapped) annotation rectangle
            cos, sin = {90: (0, 1), 180: (-1, 0), 270: (0, -1)}[rotation]
            xobj["/Matrix"] = generic.ArrayObject(
                [generic.NumberObject(v) for v in (cos, sin, -sin, cos, 0, 0)]
            )
        return xobj
