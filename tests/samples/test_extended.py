"""Extended templates: subtitles that are no subject, deputy signers, parties, real communes."""

from __future__ import annotations

from datetime import date

from stdnum.vn import mst

from samples import places
from samples.generate import ground_truth, make_spec, make_specs

CCCD_PREFIX = 3


def _truths(n: int, seed: int) -> list[dict]:
    return [ground_truth(s, file="x", variant="clean") for s in make_specs(n, seed)]


def test_subtitles_are_drawn_under_the_title_but_are_no_subject() -> None:
    seen = set()
    for i in range(30):
        for doc_type in ("GIẤY PHÉP XÂY DỰNG", "GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP",
                         "TRÍCH LỤC KHAI SINH"):
            spec = make_spec(doc_type, seed=31, name=f"s{i}")
            lines = ground_truth(spec, file="x", variant="clean")["pages"][0]["lines"]
            assert spec.fields["subject"] is None
            # right under the title (either may wrap over several lines)
            if spec.subtitle_lines:
                assert f"{doc_type} {' '.join(spec.subtitle_lines)}" in " ".join(lines)
            seen |= {sub.strip("()").split()[0] for sub in spec.subtitle_lines}
    assert {"Bản", "BẢN", "CÔNG"} <= seen  # copy marks and company forms both occur
    assert any(s in seen for s in ("Cấp", "Sử", "Dùng"))  # "(for ...)" lines


def test_deputies_signing_alone_and_standing_deputies_occur() -> None:
    titles = {(t["fields"]["authority_prefix"], t["fields"]["signer_title"])
              for t in _truths(80, 32)}
    assert any(p is None and t.startswith("PHÓ ") for p, t in titles)
    assert any(t.endswith("THƯỜNG TRỰC") for _, t in titles)
    for t in _truths(20, 33):
        f = t["fields"]
        lines = [ln for p in t["pages"] for ln in p["lines"]]
        assert f["signer_title"] in lines or f"Q. {f['signer_title']}" in lines


def test_parties_carry_roles_and_valid_ids_that_are_printed() -> None:
    roles: set[str] = set()
    for t in _truths(60, 34):
        text = "\n".join(ln for p in t["pages"] for ln in p["lines"])
        owners = [p for p in t["fields"]["parties"] if p["owner"]]
        assert len(owners) <= 1
        for party in t["fields"]["parties"]:
            roles.add(party["role"])
            assert party["id"] in text
            if party["role"] == "enterprise":
                assert mst.is_valid(party["id"]) and party["id"] == t["fields"]["tax_code"]
            else:
                assert len(party["id"]) in (9, 12)
                if len(party["id"]) == 12 and party["birth_date"]:
                    year = date.fromisoformat(party["birth_date"]).year
                    assert party["id"][CCCD_PREFIX + 1: CCCD_PREFIX + 3] == f"{year % 100:02d}"
            if party["owner"] and party["role"] != "enterprise":
                assert party["id"] == t["fields"]["owner_id"]
    assert {"decision_subject", "child", "mother", "father", "legal_representative",
            "enterprise", "household_head", "household_member"} <= roles


def test_decision_names_its_person_only_in_the_body() -> None:
    found = 0
    for t in _truths(120, 35):
        f = t["fields"]
        if f["doc_type"] != "QUYẾT ĐỊNH" or not f["owner_name"] or f["owner_name"] in f["subject"]:
            continue
        body = "\n".join(t["pages"][0]["lines"])
        assert f["owner_id"] in body and "sinh ngày" in body
        found += 1
    assert found >= 2


def test_new_era_communes_are_real_units_of_their_province() -> None:
    checked = 0
    for t in _truths(60, 36):
        f = t["fields"]
        agency = f["issuing_agency"]
        if date.fromisoformat(f["issue_date"]) < date(2025, 7, 1):
            continue
        if agency.startswith(("ỦY BAN NHÂN DÂN XÃ ", "ỦY BAN NHÂN DÂN PHƯỜNG ",
                              "ỦY BAN NHÂN DÂN ĐẶC KHU ")):
            unit = agency.removeprefix("ỦY BAN NHÂN DÂN ")
            names = {f"{k} {n}".upper() for p in places.province_names()
                     for k, n in places.wards(p)}
            assert unit in names
            checked += 1
    assert checked >= 2
