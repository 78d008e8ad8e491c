"""Phone-photo and photocopier variants produce the damage they claim; sparse signer pages."""

from __future__ import annotations

import random
from functools import cache

import cv2
import numpy as np
from PIL import Image

from samples.capture import CONTENT_DPI_KEY
from samples.generate import degrade, ground_truth, make_spec, make_specs, render_pages


@cache
def _page() -> Image.Image:
    """A full first page at 150 dpi (fast, still sharp)."""
    return render_pages(make_specs(1, seed=4)[0], dpi=150)[0]


def _background(image: Image.Image) -> np.ndarray:
    """Paper brightness under the text: a grey closing wipes out strokes thinner than the
    kernel, leaving the light falling on the paper."""
    arr = np.asarray(image.convert("L"))
    small = cv2.resize(arr, (arr.shape[1] // 4, arr.shape[0] // 4), interpolation=cv2.INTER_AREA)
    closed = cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    return np.asarray(cv2.medianBlur(closed, 5), dtype=np.float32)


def _spread(bg: np.ndarray) -> float:
    inner = bg[bg.shape[0] // 20: -bg.shape[0] // 20, bg.shape[1] // 20: -bg.shape[1] // 20]
    return float(np.percentile(inner, 98) - np.percentile(inner, 2))


def test_shadow_makes_the_paper_uneven_but_keeps_text_darker_than_its_paper() -> None:
    clean_spread = _spread(_background(_page()))
    assert clean_spread < 3
    for seed in range(3):
        out = degrade(_page(), "shadow", random.Random(seed))
        assert out.size == _page().size and out.mode == "L"
        bg = _background(out)
        assert _spread(bg) > 50, seed  # lit paper and shadowed paper differ by > 50 levels
        # Text stays readable: ink pixels are well below the paper around them.
        arr = np.asarray(out, dtype=np.float32)
        ink = np.asarray(_page()) < 100
        local = cv2.resize(bg, (arr.shape[1], arr.shape[0]))
        assert float(np.median(local[ink] - arr[ink])) > 60


def test_copier_thickens_strokes_and_adds_streaks_and_dark_edges() -> None:
    clean = np.asarray(_page(), dtype=np.float32)
    out = np.asarray(degrade(_page(), "copier", random.Random(2)), dtype=np.float32)
    assert out.shape == clean.shape
    h, w = out.shape
    # Toner gain: many more dark pixels than the clean page has strokes.
    assert (out < 100).mean() > 1.3 * (clean < 100).mean()
    # Background is grey toner, not white paper.
    assert 170 < float(np.median(out[h // 3: 2 * h // 3, w // 3: 2 * w // 3])) < 235
    # Drum streaks: thin columns darker than their neighbours over the whole height.
    band = out[h // 10: -h // 10]
    profile = band.mean(axis=0)
    local = cv2.medianBlur(profile.astype(np.uint8).reshape(1, -1), 15).ravel()
    assert (profile - local < -20).sum() >= 1
    # Dark edges: the outermost rim is much darker than the middle of the page.
    rim = np.concatenate([out[:3].ravel(), out[-3:].ravel(), out[:, :3].ravel(),
                          out[:, -3:].ravel()])
    assert float(rim.mean()) < float(np.median(out)) - 40


def test_phone70_is_a_low_resolution_perspective_photo() -> None:
    full = render_pages(make_specs(1, seed=4)[0])[0]  # 300 dpi
    out = degrade(full, "phone70", random.Random(3))
    content = out.info[CONTENT_DPI_KEY]
    assert 62 <= content <= 78
    assert out.info["dpi"] == (72, 72)
    # The A4 page at ~70 dpi, inside a border of table.
    assert full.width * content / 300 < out.width < full.width * content / 300 * 1.2
    arr = np.asarray(out, dtype=np.float32)
    assert float(arr[:4, :4].mean()) < 130  # a corner shows the table, not paper
    # Perspective: the paper's left edge is not a vertical line.
    paper = arr > 150
    rows = [r for r in range(out.height // 5, out.height * 4 // 5, 10) if paper[r].any()]
    left = [int(np.argmax(paper[r])) for r in rows]
    assert max(left) - min(left) >= 3


def test_rot270_turns_the_content_counter_clockwise() -> None:
    page = _page()
    out = degrade(page, "rot270", random.Random(0))
    assert np.array_equal(np.asarray(out), np.rot90(np.asarray(page), 1))
    rot90 = degrade(page, "rot90", random.Random(0))
    assert np.array_equal(np.asarray(rot90), np.rot90(np.asarray(page), -1))


def test_signer_page_is_a_sparse_last_page_and_turns_sideways() -> None:
    spec = make_spec("QUYẾT ĐỊNH", seed=9, name="sparse", long=False, signer_page=True)
    truth = ground_truth(spec, file="x", variant="rot90")
    last = truth["pages"][-1]["lines"]
    assert len(truth["pages"]) == 2
    assert spec.signer_name in last and "Nơi nhận:" in last
    assert not any(line.startswith("Điều") for line in last)
    assert len(last) <= 12
    page = render_pages(spec, dpi=150)[-1]
    assert (np.asarray(page) < 128).mean() < 0.02  # text-sparse
    turned = degrade(page, "rot90", random.Random(0))
    assert turned.size == (page.height, page.width)
    normal = make_spec("QUYẾT ĐỊNH", seed=9, name="sparse", long=False)
    assert len(ground_truth(normal, file="x", variant="clean")["pages"]) == 1


def test_bundled_does_not_import_generate() -> None:
    """`generate` calls `bundled`; the way back would be an import loop (LAYOUT.md)."""
    import ast
    from pathlib import Path

    import samples.bundled

    tree = ast.parse(Path(samples.bundled.__file__).read_text("utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {a.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for a in node.names}
    assert "samples.generate" not in imported
    assert "samples.groundtruth" in imported


def test_curl_bends_the_text_lines_of_a_low_resolution_photo() -> None:
    from ocr import dewarp

    full = render_pages(make_specs(1, seed=4)[0])[0]  # 300 dpi
    out = degrade(full, "curl", random.Random(3))
    content = out.info[CONTENT_DPI_KEY]
    assert 85 <= content <= 120
    assert out.info["dpi"] == (72, 72)
    arr = np.asarray(out, dtype=np.float32)
    assert float(arr[:4, :4].mean()) < 140  # a corner shows the table, not paper
    # Measured on the letters (enlarged to ~30 px as the OCR does): the lines bow, where the
    # flat page's are straight.
    scale = 300 / content
    big = cv2.resize(np.asarray(out), None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    lines, letter_px = dewarp.text_lines(big)
    flat_lines, flat_px = dewarp.text_lines(np.asarray(full.convert("L")))
    assert dewarp.page_bend(flat_lines, flat_px) < 0.2
    assert dewarp.page_bend(lines, letter_px) > 0.3
