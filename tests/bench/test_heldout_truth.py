"""The held-out generator's truth states only what a document can print (issue 8)."""

from __future__ import annotations

from bench.heldout.docs import KINDS
from bench.heldout.generate import make_document


def test_a_birth_extract_is_never_issued_before_the_birth_it_records() -> None:
    # the child's birth day used to be drawn anywhere in its year, after the registration
    # when that year was the issue year (seed 6262, document 20: born 13 July, issued 24 March)
    births = [i for i in range(48) if KINDS[i % len(KINDS)] == "birth"]
    assert births
    for seed in (6262, *range(40)):
        for index in births:
            fields = make_document(seed, index, signer_alone=False).fields
            assert fields["owner_birth_date"] <= fields["issue_date"], (seed, index)
            assert fields["owner_id"][4:6] == fields["owner_birth_date"][2:4]  # CCCD: birth year
