"""Draw a held-out Document on A4 pages at 300 dpi and record every line drawn.

Its own layout code (nothing from `samples/`): a cursor moves down the page; every text line
drawn is appended to the page's truth in reading order (left header column, right header
column, title, body, left footer, right footer). A table row is one truth line, its cells
joined by single spaces.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from functools import cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from bench.heldout.model import (
    Document,
    FontStyle,
    Footer,
    Para,
    Subject,
    Subtitle,
    Table,
    Title,
)

DPI = 300
A4 = (2480, 3508)
INK = 12
FONTS: dict[str, dict[str, str]] = {
    "Noto Serif": {s: f"/usr/share/fonts/truetype/noto/NotoSerif-{n}.ttf" for s, n in
                   (("r", "Regular"), ("b", "Bold"), ("i", "Italic"), ("bi", "BoldItalic"))},
    "DejaVu Serif": {s: f"/usr/share/fonts/truetype/dejavu/DejaVuSerif{n}.ttf" for s, n in
                     (("r", ""), ("b", "-Bold"), ("i", "-Italic"), ("bi", "-BoldItalic"))},
    "Liberation Serif": {s: f"/usr/share/fonts/truetype/liberation2/LiberationSerif-{n}.ttf"
                         for s, n in (("r", "Regular"), ("b", "Bold"), ("i", "Italic"),
                                      ("bi", "BoldItalic"))},
}
TAB = "\ue000"  # stands for a wide gap inside a line while wrapping
MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_2 = "Độc lập - Tự do - Hạnh phúc"


def px(points: float) -> int:
    return round(points * DPI / 72)


def mm(v: float) -> float:
    return v * DPI / 25.4


@cache
def font(family: str, style: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONTS[family][style], size)


@dataclass
class Sheet:
    image: Image.Image
    lines: list[str] = field(default_factory=list)
    seal: tuple[int, int, int, str] | None = None  # cx, cy, r, text
    signer: bool = False  # holds the signer block


class Setter:
    def __init__(self, doc: Document, rng: random.Random) -> None:
        self.doc, self.look, self.rng = doc, doc.look, rng
        left, top, right, bottom = (mm(v) for v in doc.look.margins_mm)
        self.x0, self.x1 = left, A4[0] - right
        self.top, self.bottom = top, A4[1] - bottom
        self.width = self.x1 - self.x0
        self.size = px(doc.look.body_pt)
        self.sheets: list[Sheet] = []
        self.y = 0.0
        self.new_sheet()

    # -- primitives ----------------------------------------------------------------------
    @property
    def sheet(self) -> Sheet:
        return self.sheets[-1]

    def f(self, style: str, size: int | None = None) -> ImageFont.FreeTypeFont:
        return font(self.look.family, style, size or self.size)

    def measure(self, text: str, style: str, size: int | None = None) -> float:
        return self.f(style, size).getlength(text)

    def new_sheet(self) -> None:
        self.sheets.append(Sheet(Image.new("L", A4, 255)))
        self.y = self.top
        if len(self.sheets) > 1:
            number = str(len(self.sheets))
            self.text(number, A4[0] / 2 - self.measure(number, "r") / 2, self.top - px(4), "r")
            self.y = self.top + px(10)

    def text(self, s: str, x: float, baseline: float, style: str, size: int | None = None,
             record: bool = True) -> None:
        ImageDraw.Draw(self.sheet.image).text((x, baseline), s, font=self.f(style, size),
                                              fill=INK, anchor="ls")
        if record:
            self.sheet.lines.append(s)

    def line_height(self, size: int | None = None) -> float:
        return (size or self.size) * self.look.line_gap

    def advance(self, size: int | None = None) -> float:
        """Baseline of the next line; a new page when it would cross the bottom margin."""
        step = self.line_height(size)
        if self.y + step > self.bottom:
            self.new_sheet()
        self.y += step
        return self.y

    def wrap(self, text: str, style: str, width: float, size: int | None = None,
             first: float = 0.0) -> list[str]:
        out: list[str] = []
        cur = ""
        room = width - first
        for word in text.split():
            trial = f"{cur} {word}".strip()
            if cur and self.measure(trial, style, size) > room:
                out.append(cur)
                cur, room = word, width
            else:
                cur = trial
        return [*out, cur] if cur else out

    def centred(self, s: str, cx: float, baseline: float, style: str,
                size: int | None = None) -> tuple[float, float]:
        w = self.measure(s, style, size)
        self.text(s, cx - w / 2, baseline, style, size)
        return cx - w / 2, cx + w / 2

    def rule(self, x0: float, x1: float, y: float, width: int = 3) -> None:
        ImageDraw.Draw(self.sheet.image).line([(x0, y), (x1, y)], fill=INK, width=width)


def header(st: Setter) -> None:
    doc, look = st.doc, st.look
    h = doc.header
    hs = px(look.header_pt)
    left_w = st.width * look.left_col
    cx_left, cx_right = st.x0 + left_w / 2, st.x0 + left_w + (st.width - left_w) / 2
    # shrink the header until both columns fit side by side
    def overlap(size: int) -> bool:
        widest = max(st.measure(t, "b", size) for t in (*h.parent, *h.agency))
        motto = st.measure(MOTTO, "b", size)
        return cx_left + widest / 2 + mm(3) > cx_right - motto / 2 or motto > st.width - left_w

    while hs > px(9.5) and overlap(hs):
        hs -= 1
    y = st.top + hs
    if h.copy_mark:
        w = st.measure(h.copy_mark, "b", hs)
        st.text(h.copy_mark, st.x0, y, "b", hs)
        ImageDraw.Draw(st.sheet.image).rectangle(
            (st.x0 - 12, y - hs - 6, st.x0 + w + 12, y + hs * 0.35), outline=INK, width=3)
        y += hs * 1.9
    head_top = y
    for t in h.parent:
        st.centred(t, cx_left, y, "r", hs)
        y += hs * 1.2
    last = (0.0, 0.0)
    for t in h.agency:
        last = st.centred(t, cx_left, y, "b", hs)
        y += hs * 1.2
    st.rule(cx_left - (last[1] - last[0]) * 0.2, cx_left + (last[1] - last[0]) * 0.2,
            y - hs * 0.8)
    y += hs * 0.5
    number_y = y
    if h.number:
        st.centred(h.number, cx_left, y, "r", hs)
        y += hs * 1.3
    for t in h.letter_subject:
        for part in st.wrap(t, "r", left_w, px(12)):
            st.centred(part, cx_left, y, "r", px(12))
            y += px(12) * 1.2
    left_end = y
    y = head_top
    st.centred(MOTTO, cx_right, y, "b", hs)
    y += hs * 1.2
    tag = hs + px(1)
    a, b = st.centred(MOTTO_2, cx_right, y, "b", tag)
    st.rule(a, b, y + tag * 0.3)
    y = number_y if look.number_beside_date else y + hs * 1.6
    date_style: FontStyle = "i" if look.date_italic else "r"
    ds = st.size
    while st.measure(h.place_date, date_style, ds) > st.width - left_w and ds > px(10):
        ds -= 1
    st.centred(h.place_date, cx_right, y, date_style, ds)
    st.y = max(left_end, y + ds) + st.size * 0.4


def title(st: Setter, block: Title) -> None:
    size = px(st.look.title_pt)
    st.y += size * 0.5
    for line in block.lines:
        for part in st.wrap(line, "b", st.width * 0.8, size):
            st.centred(part, st.x0 + st.width / 2, st.advance(size), "b", size)


def subtitle(st: Setter, block: Subtitle) -> None:
    for part in st.wrap(block.text, block.style, st.width * 0.85):
        st.centred(part, st.x0 + st.width / 2, st.advance(), block.style)


def subject(st: Setter, block: Subject) -> None:
    parts = st.wrap(block.text, "b", st.width * 0.72)
    for part in parts:
        st.centred(part, st.x0 + st.width / 2, st.advance(), "b")
    st.rule(st.x0 + st.width * 0.38, st.x0 + st.width * 0.62, st.y + st.size * 0.45)
    st.y += st.size * 0.5


def paragraph(st: Setter, block: Para) -> None:
    indent = mm(10) if block.indent else 0.0
    full = f"{block.bold_lead} {block.text}".strip()
    if block.align == "center":
        for part in st.wrap(full, block.style, st.width * 0.9):
            st.centred(part, st.x0 + st.width / 2, st.advance(), block.style)
        st.y += st.size * 0.25
        return
    lines = st.wrap(full.replace("    ", f" {TAB} "), block.style, st.width, first=indent)
    lead_words = len(block.bold_lead.split())
    for i, part in enumerate(lines):
        y = st.advance()
        x = st.x0 + (indent if i == 0 else 0)
        stretch = block.align == "justify" and i < len(lines) - 1
        words = ["" if w == TAB else w for w in part.split(" ")]
        styles = [("b" if i == 0 and k < lead_words else block.style) for k in range(len(words))]
        widths = [st.measure(w, s) for w, s in zip(words, styles, strict=True)]
        space = st.measure(" ", block.style)
        room = st.x1 - x
        gap = (room - sum(widths)) / (len(words) - 1) if stretch and len(words) > 1 else space
        gap = min(gap, space * 2.5)
        for w, s, ww in zip(words, styles, widths, strict=True):
            if w:  # an empty word is a tab stop: "Giới tính: Nam    Dân tộc: Kinh"
                st.text(w, x, y, s, record=False)
            x += ww + (gap if w else space * 3)
        st.sheet.lines.append(" ".join(w for w in words if w))
    st.y += st.size * 0.25


def table(st: Setter, block: Table) -> None:
    size = st.size - px(1)
    total = sum(block.weights)
    cols = [st.width * w / total for w in block.weights]
    pad = mm(1.5)
    while size > px(9) and any(
        st.measure(cell, "b" if r == 0 else "r", size) > cols[c] - 2 * pad
        for r, row in enumerate((block.head, *block.rows)) for c, cell in enumerate(row)
    ):
        size -= 1
    row_h = size * 1.6
    st.y += size * 0.4
    for r, row in enumerate((block.head, *block.rows)):
        if st.y + row_h > st.bottom:
            st.new_sheet()
        top = st.y
        draw = ImageDraw.Draw(st.sheet.image)
        x = st.x0
        style = "b" if r == 0 else "r"
        for c, cell in enumerate(row):
            draw.rectangle((x, top, x + cols[c], top + row_h), outline=INK, width=2)
            w = st.measure(cell, style, size)
            cx = x + (cols[c] - w) / 2 if r == 0 or len(cell) < 6 else x + pad
            st.text(cell, cx, top + row_h * 0.68, style, size, record=False)
            x += cols[c]
        st.sheet.lines.append(" ".join(c for c in row if c))
        st.y = top + row_h
    st.y += size * 0.6


def footer(st: Setter, foot: Footer) -> None:
    size, small, tiny = st.size, px(12), px(11)
    sig_h = mm(st.rng.uniform(22, 30))
    need = max(len(foot.recipients) * tiny * 1.15 + small,
               len(foot.signer_lines) * size * 1.25 + sig_h + size * 2)
    if st.look.signer_alone or st.y + need > st.bottom:
        st.new_sheet()
    st.sheet.signer = True
    top = st.y + size * 1.2
    cx = st.x0 + st.width * st.rng.uniform(0.66, 0.74)
    if foot.left_signer:
        lx = st.x0 + st.width * 0.22
        st.centred(foot.left_signer[0], lx, top, "b")
        signature(st, lx, top + size * 0.6, sig_h)
        st.centred(foot.left_signer[1], lx, top + size * 0.6 + sig_h + size, "b")
    elif foot.recipients:
        yl = top
        st.text("Nơi nhận:", st.x0, yl, "bi", small)
        for item in foot.recipients:
            for k, part in enumerate(st.wrap(item, "r", st.width * 0.42, tiny)):
                yl += tiny * 1.15
                st.text(part, st.x0 + (0 if k == 0 else mm(2)), yl, "r", tiny)
    y = top
    for line in foot.signer_lines:
        st.centred(line, cx, y, "b")
        y += size * 1.25
    sig_top = y - size * 0.6
    signature(st, cx, sig_top, sig_h)
    name_y = sig_top + sig_h + size
    st.centred(foot.signer_name, cx, name_y, "b")
    if foot.seal_text:
        r = round(mm(st.rng.uniform(17, 20)))
        st.sheet.seal = (round(cx - r * st.rng.uniform(0.5, 0.8)),
                         round(sig_top + sig_h * 0.5), r, foot.seal_text)
    st.y = name_y


def signature(st: Setter, cx: float, top: float, h: float) -> None:
    """A flourish: one closed loop and a trailing stroke, different for every signer."""
    rng = st.rng
    w = h * rng.uniform(1.6, 2.2)
    pts = []
    turns = rng.uniform(1.5, 3.0)
    for i in range(80):
        t = i / 79
        ang = t * turns * math.tau
        pts.append((cx - w / 2 + w * t + math.cos(ang) * h * 0.12,
                    top + h * 0.5 + math.sin(ang) * h * 0.3 * (1 - t * 0.6)))
    draw = ImageDraw.Draw(st.sheet.image)
    draw.line(pts, fill=INK + 25, width=4, joint="curve")
    draw.line([(cx - w * 0.4, top + h * 0.85), (cx + w * 0.45, top + h * 0.7)], fill=INK + 25,
              width=3)


def draw_seal(image: Image.Image, cx: int, cy: int, r: int, text: str) -> Image.Image:
    """A red agency seal (two rings, the agency name around, a star) multiplied over ink."""
    mask = Image.new("L", image.size, 0)
    d = ImageDraw.Draw(mask)
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=200, width=7)
    inner = round(r * 0.66)
    d.ellipse((cx - inner, cy - inner, cx + inner, cy + inner), outline=200, width=4)
    size = max(14, round(r * 0.16))
    f = ImageFont.truetype(FONTS["DejaVu Serif"]["b"], size)
    letters = list(text.upper())
    radius = (r + inner) / 2
    span = min(math.radians(320), len(letters) * size * 0.9 / radius)
    for i, ch in enumerate(letters):
        a = -math.pi / 2 - span / 2 + span * (i + 0.5) / len(letters)
        glyph = Image.new("L", (size * 3, size * 3), 0)
        ImageDraw.Draw(glyph).text((size * 1.5, size * 1.5), ch, font=f, fill=190, anchor="mm")
        glyph = glyph.rotate(-math.degrees(a) - 90, resample=Image.Resampling.BILINEAR)
        mask.paste(glyph, (round(cx + radius * math.cos(a) - size * 1.5),
                           round(cy + radius * math.sin(a) - size * 1.5)), glyph)
    star = [(cx + (inner * (0.5 if k % 2 == 0 else 0.2)) * math.cos(-math.pi / 2 + k * math.pi / 5),
             cy + (inner * (0.5 if k % 2 == 0 else 0.2)) * math.sin(-math.pi / 2 + k * math.pi / 5))
            for k in range(10)]
    d.polygon(star, fill=200)
    rgb = image.convert("RGB")
    red = Image.new("RGB", image.size, (196, 24, 40))
    stamped = Image.composite(red, rgb, mask)
    return Image.fromarray(np.minimum(np.asarray(stamped), np.asarray(rgb)), "RGB")


def typeset(doc: Document, rng: random.Random) -> list[Sheet]:
    """Pages of `doc` (greyscale, RGB where a seal is stamped) with the lines drawn on each."""
    st = Setter(doc, rng)
    header(st)
    for block in doc.blocks:
        if isinstance(block, Title):
            title(st, block)
        elif isinstance(block, Subtitle):
            subtitle(st, block)
        elif isinstance(block, Subject):
            subject(st, block)
        elif isinstance(block, Para):
            paragraph(st, block)
        elif isinstance(block, Table):
            table(st, block)
    footer(st, doc.footer)
    for sheet in st.sheets:
        if sheet.seal:
            cx, cy, r, text = sheet.seal
            sheet.image = draw_seal(sheet.image, cx, cy, r, text)
    return st.sheets
