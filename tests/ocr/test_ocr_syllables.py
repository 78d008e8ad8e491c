from __future__ import annotations

import pytest

from ocr.syllables import inventory_size, is_valid_syllable, syllable_ratio, toneless_inventory


@pytest.mark.parametrize(
    "word",
    ["công", "bố", "thẩm", "quyền", "giải", "quyết", "nghị", "Nguyễn", "gìn", "khuya", "yêu",
     "kỳ", "uỷ", "ủy", "hoá", "khoẻ", "ĐỊNH", "xã", "phường", "quốc", "ương"],
)
def test_real_syllables_are_in_the_inventory(word: str) -> None:
    assert is_valid_syllable(word)


@pytest.mark.parametrize(
    "word",
    ["mat", "màt", "nguời", "quu", "ghu", "yeu", "kan", "cinh", "ngê", "tyêu", "ăa", "bố̀"],
)
def test_misreads_and_misspellings_are_not(word: str) -> None:
    assert not is_valid_syllable(word)


def test_inventory_is_generated_at_the_size_of_the_language() -> None:
    # Vietnamese writes a few thousand toneless syllables and well over ten thousand toned ones.
    assert 3000 < len(toneless_inventory()) < 5000
    assert 12000 < inventory_size() < 20000


def test_ratio_counts_letter_runs_only() -> None:
    # "QĐ" and "UBND" are not syllables
    assert syllable_ratio("Số 12/2024/QĐ-UBND công bố") == pytest.approx(3 / 5)
    assert syllable_ratio("") == 1.0
