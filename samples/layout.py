"""Page layout of a DocSpec on A4 at 300 dpi: text lines with positions, rules, signature box.

Layout is done once at 300 dpi so that line breaks (and hence the ground-truth lines) do not depend
on the output resolution; `render` scales positions and font sizes for other resolutions.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from PIL import ImageFont

from samples.specs import FONT_FAMILIES, DocSpec, Para

BASE_DPI = 300
A4_MM = (210.0, 297.0)
FontStyle = Literal["r", "b", "i", "bi"]
_STYLE_INDEX: dict[str, int] = {"r": 0, "b": 1, "i": 2, "bi": 3}
ARTICLE = re.compile(r"Điều \d+\. ")
HEADER_UNITS = frozenset({"TỈNH", "THÀNH", "XÃ", "PHƯỜNG", "HUYỆN"})


def mm(v: float) -> float:
    return v * BASE_DPI / 25.4


def pt(v: float) -> float:
    return v * BASE_DPI / 72.0


@cache
def font(family: str, style: str, size_px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT_FAMILIES[family][_STYLE_INDEX[style]], size_px)


@dataclass(frozen=True)
class Run:
    text: str
    x: float
    y: float  # baseline
    style: FontStyle
    size: int  # px at BASE_DPI


@dataclass
class Line:
    text: str
    runs: list[Run]
    box: tuple[int, int, int, int]  # left, top, right, bottom at BASE_DPI


@dataclass(frozen=True)
class Rule:
    x0: float
    x1: float
    y: float
    width: float


@dataclass
class PageLayout:
    width: int
    height: int
    lines: list[Line] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    signature: tuple[int, int, int, int] | None = None  # box for the handwritten signature
    cosignature: tuple[int, int, int, int] | None = None  # second signer (minutes)
    seal: tuple[int, int, int] | None = None  # centre x, centre y, radius for a seal


class Typesetter:
    """Places lines on pages; `y` is the baseline of the last placed line."""

    def __init__(self, spec: DocSpec) -> None:
        st = spec.style
        self.spec = spec
        self.st = st
        self.rng = random.Random(st.signature_seed)
        self.w, self.h = round(mm(A4_MM[0])), round(mm(A4_MM[1]))
        self.ml, self.mr = mm(st.margin_left_mm), mm(st.margin_right_mm)
        self.mt, self.mb = mm(st.margin_top_mm), mm(st.margin_bottom_mm)
        self.tw = self.w - self.ml - self.mr
        self.body_px = round(pt(st.body_pt))
        self.pages: list[PageLayout] = [PageLayout(self.w, self.h)]
        self.y = self.mt

    # -- measuring -------------------------------------------------------------------------
    def f(self, style: str, size: int) -> ImageFont.FreeTypeFont:
        return font(self.st.family, style, size)

    def width(self, text: str, style: str, size: int) -> float:
        return self.f(style, size).getlength(text)

    def ascent(self, size: int) -> int:
        return self.f("r", size).getmetrics()[0]

    def advance(self, size: int) -> float:
        return size * self.st.line_spacing

    def wrap(self, text: str, style: str, size: int, width: float,
             first_indent: float = 0.0) -> list[str]:
        words, lines, cur = text.split(), [], ""
        limit = width - first_indent
        for word in words:
            trial = f"{cur} {word}" if cur else word
            if cur and self.width(trial, style, size) > limit:
                lines.append(cur)
                cur, limit = word, width
            else:
                cur = trial
        if cur:
            lines.append(cur)
        return lines

    def wrap_centered(self, text: str, style: str, size: int, width: float) -> list[str]:
        """Centred text: never leave a lone short word on the last line."""
        lines = self.wrap(text, style, size, width)
        if len(lines) >= 2 and len(lines[-1].split()) == 1:
            prev = lines[-2].split()
            if len(prev) > 2:
                moved = f"{prev[-1]} {lines[-1]}"
                if self.width(moved, style, size) <= width:
                    lines[-2:] = [" ".join(prev[:-1]), moved]
        return lines

    def wrap_header(self, text: str, style: str, size: int, width: float) -> list[str]:
        """Header names break where a typist would: before the unit ("TỈNH ..."), never
        leaving a single word or a dangling "VÀ"."""
        lines = self.wrap(text, style, size, width)
        if len(lines) != 2:
            return lines
        words = text.split()
        fits = [i for i in range(len(words) - 1, 0, -1)
                if self.width(" ".join(words[:i]), style, size) <= width
                and self.width(" ".join(words[i:]), style, size) <= width]
        units = [i for i in fits if words[i] in HEADER_UNITS]
        tidy = [i for i in fits if len(words) - i >= 2 and words[i - 1] not in ("VÀ", "-")]
        best = (units or tidy or [len(words) - 1])[0]
        return [" ".join(words[:best]), " ".join(words[best:])]

    # -- placing ---------------------------------------------------------------------------
    @property
    def page(self) -> PageLayout:
        return self.pages[-1]

    def run_line(self, runs: list[Run], text: str) -> Line:
        left = min(r.x for r in runs)
        right = max(r.x + self.width(r.text, r.style, r.size) for r in runs)
        size = runs[0].size
        asc, desc = self.f(runs[0].style, size).getmetrics()
        y = runs[0].y
        line = Line(text, runs, (int(left), int(y - asc), int(right + 1), int(y + desc)))
        self.page.lines.append(line)
        return line

    def put(self, text: str, x: float, y: float, style: FontStyle, size: int) -> Line:
        return self.run_line([Run(text, x, y, style, size)], text)

    def put_centered(self, text: str, cx: float, y: float, style: FontStyle, size: int,
                     *, right_limit: float | None = None) -> Line:
        w = self.width(text, style, size)
        x = cx - w / 2
        if right_limit is not None and x + w > right_limit:
            x = right_limit - w
        return self.put(text, x, y, style, size)

    def put_justified(self, text: str, x: float, y: float, width: float | None,
                      style: FontStyle, size: int, *, bold_words: int = 0) -> Line:
        """Word by word; stretched to `width` when given; the first `bold_words` in bold."""
        words = text.split()
        styles: list[FontStyle] = ["b" if i < bold_words else style for i in range(len(words))]
        widths = [self.width(w, st, size) for w, st in zip(words, styles, strict=True)]
        space = self.width(" ", style, size)
        gap = space
        if width is not None and len(words) > 1:
            gap = (width - sum(widths)) / (len(words) - 1)
            if gap > 3 * space:  # a nearly empty line: do not stretch
                gap = space
        if len(words) < 2 and not bold_words:
            return self.put(text, x, y, style, size)
        runs, cx = [], x
        for word, ww, st in zip(words, widths, styles, strict=True):
            runs.append(Run(word, cx, y, st, size))
            cx += ww + gap
        return self.run_line(runs, " ".join(words))

    def rule(self, cx: float, y: float, length: float) -> None:
        self.page.rules.append(Rule(cx - length / 2, cx + length / 2, y, max(2.0, pt(0.6))))

    def next_line(self, size: int) -> float:
        """Baseline for the next body line, starting a new page when needed."""
        y = self.y + self.advance(size)
        if y + size * 0.3 > self.h - self.mb:
            self.new_page()
            y = self.y + self.ascent(size)
        self.y = y
        return y

    def new_page(self) -> None:
        self.pages.append(PageLayout(self.w, self.h))
        number = str(len(self.pages))
        size = round(pt(self.st.body_pt))
        self.put_centered(number, self.w / 2, self.mt * 0.75, "r", size)
        self.y = self.mt + pt(4)


MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
TAGLINE = "Độc lập - Tự do - Hạnh phúc"


@dataclass(frozen=True)
class HeaderFit:
    hp: int  # header font size, px
    tag: int  # tagline font size, px
    date: int  # place-and-date font size, px


def left_column(ts: Typesetter, hp: int, left_w: float) -> list[tuple[str, FontStyle, int]]:
    spec = ts.spec
    out: list[tuple[str, FontStyle, int]] = []
    for text in spec.parent_lines:
        out += [(part, "r", hp) for part in ts.wrap_header(text, "r", hp, left_w)]
    for text in spec.agency_lines:
        out += [(part, "b", hp) for part in ts.wrap_header(text, "b", hp, left_w + mm(6))]
    if spec.number_line:
        out.append((spec.number_line, "r", hp))
    return out


def fit_header(ts: Typesetter, left_w: float, cx_l: float, cx_r: float) -> HeaderFit:
    """Shrink the header (as typists do with wide fonts) until the two columns do not touch."""
    right_limit, gap = ts.w - ts.mr, mm(3)

    def left_edge(w: float) -> float:
        return min(cx_r - w / 2, right_limit - w)

    hp_pt = ts.st.header_pt
    while True:
        hp, tag = round(pt(hp_pt)), round(pt(hp_pt + 1))
        widest = max(ts.width(t, s, z) for t, s, z in left_column(ts, hp, left_w))
        right = cx_l + widest / 2 + gap
        if hp_pt <= 10.0 or (left_edge(ts.width(MOTTO, "b", hp)) >= right
                             and left_edge(ts.width(TAGLINE, "b", tag)) >= right):
            break
        hp_pt -= 0.5
    date_pt = ts.st.body_pt
    while date_pt > 11.0 and left_edge(ts.width(ts.spec.place_date, "i",
                                                round(pt(date_pt)))) < right:
        date_pt -= 0.5
    return HeaderFit(hp, tag, round(pt(date_pt)))


def header(ts: Typesetter) -> None:
    spec, st = ts.spec, ts.st
    left_w = ts.tw * st.left_col_frac
    cx_l = ts.ml + left_w / 2
    cx_r = ts.ml + left_w + (ts.tw - left_w) / 2
    right_limit = ts.w - ts.mr
    fit = fit_header(ts, left_w, cx_l, cx_r)
    hp = fit.hp
    lead = hp * 1.2
    y = ts.mt + ts.ascent(hp)
    last = None
    agency_end = len(left_column(ts, hp, left_w)) - (1 if spec.number_line else 0)
    for i, (text, style, size) in enumerate(left_column(ts, hp, left_w)):
        if i == agency_end:  # the number sits a little below the agency rule
            y += lead * 0.35
        line = ts.put_centered(text, cx_l, y, style, size)
        if i < agency_end:
            last = line
        y += lead
    if last is not None:
        lw = last.box[2] - last.box[0]
        ts.rule(cx_l, last.box[3] + pt(3), lw * ts.rng.uniform(0.3, 0.5))
    if spec.letter_subject:
        small = round(pt(12))
        for text in spec.subject_lines:
            for part in ts.wrap_centered(text, "r", small, left_w):
                ts.put_centered(part, cx_l, y, "r", small)
                y += small * 1.15
    left_bottom = y
    y = ts.mt + ts.ascent(hp)
    ts.put_centered(MOTTO, cx_r, y, "b", hp, right_limit=right_limit)
    y += lead
    line = ts.put_centered(TAGLINE, cx_r, y, "b", fit.tag, right_limit=right_limit)
    ts.rule((line.box[0] + line.box[2]) / 2, line.box[3] + pt(3), line.box[2] - line.box[0])
    y += lead * 1.6
    ts.put_centered(spec.place_date, cx_r, y, "i", fit.date, right_limit=right_limit)
    ts.y = max(left_bottom - lead, y)


def title(ts: Typesetter) -> None:
    spec = ts.spec
    size = ts.body_px
    big = round(pt(ts.st.body_pt + (1 if len(spec.title_lines[0]) > 20 else 0))) \
        if spec.title_lines else size
    if spec.title_lines:
        ts.y += size * ts.rng.uniform(1.0, 1.8)
        for text in spec.title_lines:
            for part in ts.wrap_centered(text, "b", big, ts.tw):
                ts.put_centered(part, ts.ml + ts.tw / 2, ts.next_line(big), "b", big)
    for text in spec.subtitle_lines:
        style: FontStyle = "i" if text.startswith("(") and not text.isupper() else "b"
        for part in ts.wrap_centered(text, style, size, ts.tw * 0.85):
            ts.put_centered(part, ts.ml + ts.tw / 2, ts.next_line(size), style, size)
    if spec.subject_lines and not spec.letter_subject:
        last = None
        for text in spec.subject_lines:
            for part in ts.wrap_centered(text, "b", size, ts.tw * ts.rng.uniform(0.72, 0.85)):
                last = ts.put_centered(part, ts.ml + ts.tw / 2, ts.next_line(size), "b", size)
        if last is not None and spec.doc_type in {"QUYẾT ĐỊNH", "THÔNG BÁO", "KẾ HOẠCH",
                                                   "BIÊN BẢN"}:
            ts.rule(ts.ml + ts.tw / 2, last.box[3] + pt(4), ts.tw * ts.rng.uniform(0.2, 0.3))
            ts.y += pt(4)
    ts.y += size * 0.6


def paragraph(ts: Typesetter, para: Para) -> None:
    size = ts.body_px
    st = ts.st
    indent = mm(st.indent_mm)
    x0, width = ts.ml, ts.tw
    if para.kind in ("center_bold", "center"):
        style: FontStyle = "b" if para.kind == "center_bold" else "r"
        for part in ts.wrap_centered(para.text, style, size, width * 0.9):
            ts.put_centered(part, x0 + width / 2, ts.next_line(size), style, size)
    elif para.kind in ("field", "heading"):
        style = "b" if para.kind == "heading" else "r"
        parts = ts.wrap(para.text, style, size, width - indent)
        for part in parts:
            ts.put(part, x0 + indent, ts.next_line(size), style, size)
    else:
        style = "i" if para.kind == "italic" else "r"
        parts = ts.wrap(para.text, style, size, width, first_indent=indent)
        # "Điều 1." in bold, as most decisions print it.
        lead = 2 if st.bold_articles and ARTICLE.match(para.text) else 0
        for i, part in enumerate(parts):
            x = x0 + (indent if i == 0 else 0)
            y = ts.next_line(size)
            stretch = width - (indent if i == 0 else 0) if st.justify and i < len(parts) - 1 \
                else None
            bold = lead if i == 0 else 0
            if stretch is None and not bold:
                ts.put(part, x, y, style, size)
            else:
                ts.put_justified(part, x, y, stretch, style, size, bold_words=bold)
    ts.y += pt(st.para_gap_pt)


def footer(ts: Typesetter) -> None:
    spec = ts.spec
    size = ts.body_px
    small, tiny = round(pt(12)), round(pt(11))
    sig_h = mm(ts.rng.uniform(24, 32))
    left_w = ts.tw * 0.45
    cx_sig = ts.ml + ts.tw * ts.rng.uniform(0.68, 0.74)
    rec_lines = [part for r in spec.recipients for part in ts.wrap(r, "r", tiny, left_w)]
    left_h = small + len(rec_lines) * tiny * 1.1
    right_h = len(spec.signer_lines) * size * 1.2 + sig_h + size
    need = max(left_h, right_h) + size
    if ts.y + need > ts.h - ts.mb or ts.st.signer_page:
        ts.new_page()
    top = ts.y + size * ts.rng.uniform(0.6, 1.2)
    y = top + ts.ascent(size)
    if spec.cosigner:
        cx_l = ts.ml + ts.tw * 0.22
        ts.put_centered(spec.cosigner[0], cx_l, y, "b", size)
        ts.put_centered(spec.cosigner[1], cx_l, y + size * 1.2 + sig_h, "b", size)
        ts.page.cosignature = (int(cx_l - mm(20)), int(y + size * 0.5), int(mm(40)),
                               int(sig_h * 0.8))
    elif spec.recipients:
        yl = top + ts.ascent(small)
        ts.put("Nơi nhận:", ts.ml, yl, "bi", small)
        for part in rec_lines:
            yl += tiny * 1.1
            ts.put(part, ts.ml, yl, "r", tiny)
    last = None
    for text in spec.signer_lines:
        last = ts.put_centered(text, cx_sig, y, "b", size)
        y += size * 1.2
    sig_top = (last.box[3] if last else y) + pt(4)
    name_y = sig_top + sig_h + ts.ascent(size) * 0.8
    ts.put_centered(spec.signer_name, cx_sig, name_y, "b", size)
    box_w = mm(ts.rng.uniform(35, 50))
    ts.page.signature = (int(cx_sig - box_w / 2), int(sig_top), int(box_w), int(sig_h))
    radius = round(mm(ts.rng.uniform(17.5, 20.5)))
    ts.page.seal = (int(cx_sig - radius * ts.rng.uniform(0.45, 0.75)),
                    int(sig_top + sig_h * ts.rng.uniform(0.4, 0.55)), radius)
    ts.y = name_y


def layout(spec: DocSpec) -> list[PageLayout]:
    """Lay the document out on A4 pages at 300 dpi."""
    ts = Typesetter(spec)
    header(ts)
    title(ts)
    for para in spec.body:
        paragraph(ts, para)
    footer(ts)
    return ts.pages
