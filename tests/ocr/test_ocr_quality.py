from __future__ import annotations

import pytest

from ocr.quality import has_vietnamese_marks, is_vietnamese_syllable, text_quality


@pytest.mark.parametrize(
    "word",
    ["Quyết", "định", "đổi", "người", "gìn", "giữ", "khuya", "quyền", "nghiêng", "HÒA", "mặt"],
)
def test_valid_syllables(word: str) -> None:
    assert is_vietnamese_syllable(word)


@pytest.mark.parametrize("word", ["nguời", "mat", "oxy", "đổỉ", "qưa", "thw"])
def test_invalid_syllables(word: str) -> None:
    assert not is_vietnamese_syllable(word)


def test_abbreviations_and_numbers_are_not_judged() -> None:
    q = text_quality("Số: 15/QĐ-UBND ngày 05/3/2024 của UBND tỉnh")
    assert q.tokens == 4  # Số, ngày, của, tỉnh
    assert q.score == 1.0


def test_garbage_scores_low() -> None:
    # Latin-1 rendering of a TCVN3-encoded "Quyết định về việc cấp giấy" (legacy fonts).
    assert text_quality("QuyÕt ®Þnh vÒ viÖc cÊp giÊy chøng nhËn").score < 0.5


def test_marks() -> None:
    assert has_vietnamese_marks("đất") and not has_vietnamese_marks("dat")
    assert text_quality("Quyet dinh ve viec cap giay").marked_share == 0.0
