"""The held-out document types: their texts, tables, owners, parties and truth fields.

Eight types, each with its own wording (none taken from `samples/`): a decision about a person
or a general one with an annex table, an official letter, a company registration certificate
with a member table, a building or renovation permit, a birth extract with both parents, a
residence confirmation with the household table, a notice with a schedule table, a report
with a statistics table.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from bench.heldout import agencies as ag
from bench.heldout.agencies import Agency, SignerBlock
from bench.heldout.model import Block, Para, Subtitle, Table, Title
from bench.heldout.people import (
    Citizen,
    Place,
    citizen,
    dmy,
    full_name,
    street_address,
    tax_code,
    vn_date_words,
    when,
)

FIELD_NAMES = (
    "doc_type", "type_abbr", "number_symbol", "issue_place", "issue_date", "issuing_agency",
    "parent_agency", "subject", "signer_name", "signer_title", "authority_prefix", "recipients",
    "owner_name", "owner_id", "owner_birth_date", "owner_address", "tax_code", "valid_until",
    "page_count",
)


@dataclass
class Ctx:
    rng: random.Random
    place: Place
    issued: date


@dataclass
class Content:
    """What a type builder returns; `make_document` adds header and footer."""

    doc_type: str
    type_abbr: str | None
    agency: Agency
    number: str | None
    blocks: list[Block]
    signer: SignerBlock
    recipients: tuple[str, ...] = ()
    subject: str | None = None
    letter_subject: tuple[str, ...] = ()
    copy_mark: str | None = None
    owner: dict[str, Any] = field(default_factory=dict)
    tax: str | None = None
    valid_until: str | None = None
    parties: list[dict[str, Any]] = field(default_factory=list)
    seal: bool = True


def num(rng: random.Random) -> str:
    n = rng.choice((rng.randrange(1, 10), rng.randrange(10, 300), rng.randrange(300, 4000)))
    return f"{n:02d}"


def person_party(role: str, c: Citizen, *, owner: bool, born_printed: bool = True
                 ) -> dict[str, Any]:
    """`birth_date` only where the document prints it."""
    return {"role": role, "name": c.name, "id": c.pid, "owner": owner,
            "birth_date": c.born.isoformat() if born_printed else None}


def owner_of(c: Citizen) -> dict[str, Any]:
    return {"owner_name": c.name, "owner_id": c.pid, "owner_birth_date": c.born.isoformat(),
            "owner_address": c.address}


def bases(x: Ctx, extra: tuple[str, ...]) -> list[Block]:
    y = x.issued.year
    rows = ["Căn cứ Luật Tổ chức chính quyền địa phương năm 2025;", *extra]
    if x.rng.random() < 0.6:
        earlier = when(x.rng, x.issued - timedelta(days=45), x.issued - timedelta(days=2))
        rows.append(f"Xét đề nghị của Trưởng phòng Văn hóa - Xã hội tại Tờ trình số "
                    f"{num(x.rng)}/TTr-VHXH {vn_date_words(earlier)}.")
    else:
        rows.append(f"Theo đề nghị của Văn phòng Ủy ban nhân dân năm {y}.")
    return [Para(t, style="i") for t in rows]


# ---------------------------------------------------------------------- decisions
ABOUT = (
    ("Về việc điều động công chức", "Điều động", "đến nhận công tác tại Văn phòng Ủy ban nhân "
     "dân kể từ ngày 01 của tháng tiếp theo"),
    ("Về việc tặng Giấy khen cho cá nhân có thành tích xuất sắc trong phong trào thi đua "
     "chuyển đổi số", "Tặng Giấy khen cho", "đã có thành tích xuất sắc, góp phần vào sự nghiệp "
     "xây dựng chính quyền số"),
    ("Về việc hỗ trợ chi phí học tập cho học sinh thuộc hộ nghèo", "Hỗ trợ chi phí học tập cho",
     "mức hỗ trợ 150.000 đồng/tháng, thời gian hưởng 9 tháng"),
    ("Về việc giao đất ở không thông qua đấu giá quyền sử dụng đất", "Giao đất ở cho",
     "diện tích 120,5 m², thửa đất số 315, tờ bản đồ số 12"),
)


def decision(x: Ctx) -> Content:
    rng = x.rng
    a = ag.any_agency(rng, x.place)
    sb = ag.sign(rng, a)
    who = a.name if sb.prefix == "TM." else f"{a.head} {a.name}"
    number = f"{num(rng)}/QĐ-{a.symbol}"
    if rng.random() < 0.6:
        subject, verb, tail = rng.choice(ABOUT)
        p = citizen(rng, x.place)
        issued_id = when(rng, max(p.born + timedelta(days=6000), date(2021, 1, 1)),
                         x.issued - timedelta(days=5))
        ident = rng.choice((f"số định danh cá nhân: {p.pid}",
                            f"Căn cước công dân số {p.pid} cấp {dmy(issued_id)}",
                            f"CCCD: {p.pid}"))
        body: list[Block] = [
            Para(who, style="b", align="center", indent=False),
            *bases(x, ("Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;",)),
            Para("QUYẾT ĐỊNH:", style="b", align="center", indent=False),
            Para(f"{verb} {p.title} {p.name}, sinh ngày {dmy(p.born)}, {ident}, nơi thường "
                 f"trú: {p.address}, {tail}.", bold_lead="Điều 1."),
            Para("Quyết định này có hiệu lực kể từ ngày ký.", bold_lead="Điều 2."),
            Para(f"Chánh Văn phòng, Thủ trưởng các đơn vị liên quan và {p.title} {p.name} căn "
                 "cứ Quyết định thi hành./.", bold_lead="Điều 3."),
        ]
        c = Content("QUYẾT ĐỊNH", "QĐ", a, number, body, sb,
                    ag.recipients(rng, "Như Điều 3;", "VP"), subject=subject)
        c.owner, c.parties = owner_of(p), [person_party("decision_subject", p, owner=True)]
        return c
    year = x.issued.year
    subject = rng.choice((
        f"Về việc thành lập Tổ giúp việc triển khai Đề án phát triển ứng dụng dữ liệu về dân "
        f"cư, định danh và xác thực điện tử năm {year}",
        f"Về việc phê duyệt danh mục thủ tục hành chính thực hiện tiếp nhận hồ sơ trực tuyến "
        f"toàn trình năm {year}",
    ))
    members = [(full_name(rng, rng.random() < 0.5), role) for role in
               ("Tổ trưởng", "Tổ phó", "Thành viên", "Thành viên")]
    body = [
        Para(who, style="b", align="center", indent=False),
        *bases(x, ()),
        Para("QUYẾT ĐỊNH:", style="b", align="center", indent=False),
        Para(f"{subject.removeprefix('Về việc ').capitalize()}, gồm các ông (bà) có tên sau:",
             bold_lead="Điều 1."),
        Table(("TT", "Họ và tên", "Nhiệm vụ"),
              tuple((str(i + 1), n, r) for i, (n, r) in enumerate(members)), (0.8, 4, 2.5)),
        Para("Tổ giúp việc tự giải thể sau khi hoàn thành nhiệm vụ.", bold_lead="Điều 2."),
        Para("Quyết định này có hiệu lực kể từ ngày ký. Các cơ quan, đơn vị và cá nhân có tên "
             "tại Điều 1 chịu trách nhiệm thi hành./.", bold_lead="Điều 3."),
    ]
    return Content("QUYẾT ĐỊNH", "QĐ", a, number, body, sb,
                   ag.recipients(rng, "Như Điều 3;", "VP"), subject=subject)


# ---------------------------------------------------------------------- official letter
def letter(x: Ctx) -> Content:
    rng = x.rng
    a = ag.any_agency(rng, x.place)
    subject = rng.choice((
        "V/v đề nghị cung cấp thông tin phục vụ kiểm tra công tác cải cách hành chính",
        "V/v rà soát, cập nhật dữ liệu hộ tịch điện tử trên hệ thống dùng chung",
        "V/v góp ý dự thảo Quy chế phối hợp giải quyết thủ tục hành chính liên thông",
    ))
    deadline = x.issued + timedelta(days=rng.randrange(5, 20))
    to = rng.sample(("Phòng Văn hóa - Xã hội", "Văn phòng HĐND và UBND", "Công an xã",
                     "Trung tâm Phục vụ hành chính công", "Các sở, ban, ngành tỉnh"), 2)
    body: list[Block] = [Para("Kính gửi:", style="b", align="left", indent=False),
                         *(Para(f"- {t};", align="left") for t in to)]
    body += [
        Para(f"Thực hiện chỉ đạo của cấp trên về việc đẩy mạnh cải cách hành chính, "
             f"{a.in_sentence} đề nghị các cơ quan, đơn vị nêu trên rà soát số liệu, báo cáo "
             "kết quả thực hiện trong kỳ theo đề cương gửi kèm Công văn này."),
        Para(f"Văn bản báo cáo gửi về trước {vn_date_words(deadline)}, đồng thời gửi bản "
             "điện tử qua hệ thống quản lý văn bản và điều hành để tổng hợp."),
        Para("Trong quá trình thực hiện, nếu có vướng mắc, đề nghị liên hệ công chức phụ trách, "
             f"số điện thoại 0{rng.randrange(200, 299)} {rng.randrange(1000000, 9999999)}."),
    ]
    c = Content("CÔNG VĂN", None, a, f"{num(rng)}/{a.symbol}-{rng.choice(('VP', 'KT', 'VX'))}",
                body, ag.sign(rng, a, collective=False), ag.recipients(rng, "Như trên;", "VP"),
                subject=subject, letter_subject=(subject,))
    return c


# ---------------------------------------------------------------------- company certificate
FORMS = ("CÔNG TY TRÁCH NHIỆM HỮU HẠN HAI THÀNH VIÊN TRỞ LÊN", "CÔNG TY CỔ PHẦN",
         "CÔNG TY TRÁCH NHIỆM HỮU HẠN MỘT THÀNH VIÊN")
TRADES = ("CƠ KHÍ", "NÔNG NGHIỆP XANH", "GIẢI PHÁP PHẦN MỀM", "THỰC PHẨM SẠCH", "KIẾN TRÚC",
          "LOGISTICS")
BRANDS = ("SÔNG HÀN", "LÚA VÀNG", "ÁNH DƯƠNG", "BÌNH AN", "HỢP NHẤT", "VẠN XUÂN", "TRÀNG AN")


def company(x: Ctx) -> Content:
    rng = x.rng
    a = ag.business_registry(x.place)
    form = rng.choice(FORMS)
    short = "CÔNG TY CỔ PHẦN" if form == "CÔNG TY CỔ PHẦN" else "CÔNG TY TNHH"
    name = f"{short} {rng.choice(TRADES)} {rng.choice(BRANDS)}"
    code = tax_code(rng)
    hq = street_address(rng, x.place)
    rep = citizen(rng, x.place, born=(1965, 1998))
    first = when(rng, date(2012, 1, 1), x.issued)
    body: list[Block] = [
        Para(f"Mã số doanh nghiệp: {code}", style="b", align="left", indent=False),
        Para(f"Đăng ký lần đầu: {vn_date_words(first)}", align="left", indent=False),
        Para("1. Tên công ty", style="b", align="left", indent=False),
        Para(f"Tên công ty viết bằng tiếng Việt: {name}", align="left", indent=False),
        Para(f"Tên công ty viết tắt: {name.split()[-1]} CO.", align="left", indent=False),
        Para("2. Địa chỉ trụ sở chính", style="b", align="left", indent=False),
        Para(hq, align="left", indent=False),
        Para(f"3. Vốn điều lệ: {rng.randrange(2, 80) * 500:,}.000.000 đồng".replace(",", "."),
             style="b",
             align="left", indent=False),
    ]
    parties = [{"role": "enterprise", "name": name, "id": code, "owner": True,
                "birth_date": None}]
    if form.endswith("TRỞ LÊN"):
        members = [rep, citizen(rng, x.place, born=(1960, 1999))]
        share = rng.randrange(30, 71)
        body.append(Para("4. Danh sách thành viên góp vốn", style="b", align="left",
                         indent=False))
        body.append(Table(("STT", "Tên thành viên", "Số định danh cá nhân", "Tỷ lệ (%)"),
                          tuple((str(i + 1), m.name.upper(), m.pid, str(s)) for i, (m, s) in
                                enumerate(zip(members, (share, 100 - share), strict=True))),
                          (0.7, 3.5, 2.8, 1.3)))
        parties.append(person_party("member", members[1], owner=False, born_printed=False))
    body += [
        Para("Người đại diện theo pháp luật của công ty", style="b", align="left", indent=False),
        Para(f"* Họ và tên: {rep.name.upper()}    Giới tính: {'Nam' if rep.male else 'Nữ'}",
             align="left", indent=False),
        Para("Chức danh: Giám đốc", align="left", indent=False),
        Para(f"Sinh ngày: {dmy(rep.born)}    Dân tộc: Kinh    Quốc tịch: Việt Nam",
             align="left", indent=False),
        Para(f"Số định danh cá nhân: {rep.pid}", align="left", indent=False),
    ]
    parties.insert(1, person_party("legal_representative", rep, owner=False))
    sb = ag.sign(rng, a, collective=False)
    c = Content("GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP", "GCN", a, None,
                [Title(("GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP",)), Subtitle(form), *body], sb)
    c.owner = {"owner_name": name, "owner_id": None, "owner_birth_date": None,
               "owner_address": hq}
    c.tax, c.parties = code, parties
    return c


# ---------------------------------------------------------------------- permits
def permit(x: Ctx) -> Content:
    rng = x.rng
    commune = rng.random() < 0.6
    a = (ag.people_committee(x.place, commune=True) if commune else
         ag.department(rng, x.place, ag.DEPARTMENTS[4]))
    kind = rng.choice(("GIẤY PHÉP XÂY DỰNG", "GIẤY PHÉP SỬA CHỮA, CẢI TẠO"))
    use = rng.choice(("(Áp dụng cho nhà ở riêng lẻ)",
                      "(Dành cho công trình nhà ở riêng lẻ tại khu vực nông thôn)"))
    p = citizen(rng, x.place)
    until = x.issued + timedelta(days=rng.randrange(300, 800))
    floors = rng.randrange(1, 6)
    base = rng.randrange(55, 140)
    body: list[Block] = [
        Title((kind,)), Subtitle(use, "i"),
        Para(f"1. Cấp cho: {p.title.capitalize()} {p.name}", align="left", indent=False),
        Para(f"- Số định danh cá nhân: {p.pid}", align="left", indent=False),
        Para(f"- Địa chỉ thường trú: {p.address}", align="left", indent=False),
        Para(f"2. Được phép {'xây dựng' if 'XÂY' in kind else 'sửa chữa, cải tạo'} công trình "
             "theo các nội dung sau:", align="left", indent=False),
        Table(("Hạng mục", "Thông số"),
              (("Diện tích xây dựng tầng 1", f"{base} m²"),
               ("Tổng diện tích sàn", f"{base * floors} m²"),
               ("Số tầng", str(floors)),
               ("Chiều cao công trình", f"{floors * 3.5 + 1:.1f} m".replace(".", ","))),
              (3, 2)),
        Para(f"3. Giấy phép này có giá trị đến {vn_date_words(until)}. Quá thời hạn trên mà "
             "công trình chưa khởi công thì chủ đầu tư phải đề nghị gia hạn."),
    ]
    c = Content(kind, "GP", a, f"{num(rng)}/GP-{a.symbol}", body,
                ag.sign(rng, a, collective=False), ag.recipients(rng, "Chủ đầu tư;", "QLĐT"))
    c.owner, c.valid_until = {**owner_of(p), "owner_birth_date": None}, until.isoformat()
    c.parties = [person_party("permit_holder", p, owner=True, born_printed=False)]
    return c


# ---------------------------------------------------------------------- birth extract
ONES = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")


def words_0_99(n: int) -> str:
    if n < 10:
        return ONES[n]
    tens, unit = divmod(n, 10)
    head = "mười" if tens == 1 else f"{ONES[tens]} mươi"
    if unit == 0:
        return head
    tail = {1: "mốt" if tens > 1 else "một", 5: "lăm", 4: "tư" if tens > 1 else "bốn"}
    return f"{head} {tail.get(unit, ONES[unit])}"


def date_in_words(d: date) -> str:
    """"ngày mười hai tháng ba năm hai nghìn không trăm hai mươi tư", as birth records write."""
    month = {1: "một", 4: "tư", 12: "mười hai"}.get(d.month, words_0_99(d.month))
    y = d.year - 2000
    year = f"hai nghìn không trăm {words_0_99(y)}" if y >= 10 else \
        f"hai nghìn không trăm linh {ONES[y]}"
    return f"ngày {words_0_99(d.day)} tháng {month} năm {year}"


def birth(x: Ctx) -> Content:
    rng = x.rng
    a = ag.people_committee(x.place, commune=True)
    born = when(rng, max(date(2005, 1, 1), x.issued - timedelta(days=4000)),
                x.issued - timedelta(days=2))
    # the child is born on the drawn day, before the registration (a day drawn anywhere in
    # that year could fall after the extract's issue date: a truth no document can print);
    # `replace` keeps the random stream, so every other value of a seed stays as it was
    child = replace(citizen(rng, x.place, born=(born.year, born.year)), born=born)
    mother = citizen(rng, x.place, born=(born.year - 38, born.year - 19), male=False)
    father = citizen(rng, x.place, born=(born.year - 42, born.year - 20), male=True)
    rows: list[Block] = [
        Para(f"Họ, chữ đệm, tên: {child.name.upper()}", align="left", indent=False),
        Para(f"Ngày, tháng, năm sinh: {dmy(child.born)}", align="left", indent=False),
        Para(f"Ghi bằng chữ: {date_in_words(child.born).capitalize()}", align="left",
             indent=False),
        Para(f"Giới tính: {'Nam' if child.male else 'Nữ'}    Dân tộc: Kinh    Quốc tịch: Việt "
             "Nam", align="left", indent=False),
        Para(f"Nơi sinh: Bệnh viện Đa khoa {x.place.province_full}", align="left",
             indent=False),
        Para(f"Số định danh cá nhân: {child.pid}", align="left", indent=False),
    ]
    for label, p in (("mẹ", mother), ("cha", father)):
        rows += [Para(f"Họ, chữ đệm, tên người {label}: {p.name.upper()}", align="left",
                      indent=False),
                 Para(f"Năm sinh: {p.born.year}    Số định danh cá nhân: {p.pid}", align="left",
                      indent=False),
                 Para(f"Nơi cư trú: {p.address}", align="left", indent=False)]
    rows += [Para(f"Nơi đăng ký khai sinh: {a.in_sentence}, {x.place.province_full}",
                  align="left", indent=False),
             Para(f"Ngày, tháng, năm đăng ký: {dmy(x.issued)}", align="left", indent=False)]
    boxed = rng.random() < 0.5
    blocks: list[Block] = [Title(("TRÍCH LỤC KHAI SINH",))]
    if not boxed:
        blocks.append(Subtitle(rng.choice(("(Bản sao)", "(BẢN SAO)")), "i"))
    office = "CÔNG CHỨC TƯ PHÁP - HỘ TỊCH"
    c = Content("TRÍCH LỤC KHAI SINH", "TLKS", a, f"{num(rng)}/TLKS", blocks + rows,
                ag.sign(rng, a, collective=False, office_title=office),
                copy_mark="BẢN SAO" if boxed else None)
    # the extract prints the parents' residence, not the child's
    c.owner, c.valid_until = {**owner_of(child), "owner_address": None}, "permanent"
    c.parties = [person_party("child", child, owner=True),
                 person_party("mother", mother, owner=False, born_printed=False),
                 person_party("father", father, owner=False, born_printed=False)]
    return c


# ---------------------------------------------------------------------- residence
def residence(x: Ctx) -> Content:
    rng = x.rng
    a = ag.commune_police(x.place)
    head = citizen(rng, x.place, born=(1950, 1985))
    kids = [citizen(rng, x.place, born=(1990, 2015)) for _ in range(rng.randrange(1, 3))]
    owner = rng.choice([head, *kids])
    members = [(head, "Chủ hộ"), *((k, "Con") for k in kids)]
    until = x.issued + timedelta(days=30)
    body: list[Block] = [
        Title(("GIẤY XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ",)),
        Para(f"{a.in_sentence} xác nhận thông tin về cư trú của công dân như sau:"),
        Para(f"1. Họ, chữ đệm và tên: {owner.name.upper()}", align="left", indent=False),
        Para(f"2. Ngày, tháng, năm sinh: {dmy(owner.born)}    Giới tính: "
             f"{'Nam' if owner.male else 'Nữ'}", align="left", indent=False),
        Para(f"3. Số định danh cá nhân: {owner.pid}", align="left", indent=False),
        Para(f"4. Nơi thường trú: {head.address}", align="left", indent=False),
        Para(f"5. Họ, chữ đệm và tên chủ hộ: {head.name.upper()}", align="left", indent=False),
        Para("6. Thông tin về các thành viên trong hộ gia đình:", align="left", indent=False),
        Table(("TT", "Họ, chữ đệm và tên", "Ngày sinh", "Quan hệ", "Số định danh"),
              tuple((str(i + 1), m.name, dmy(m.born), rel, m.pid)
                    for i, (m, rel) in enumerate(members)), (0.6, 3.6, 1.9, 1.4, 2.6)),
        Para(f"Giấy xác nhận này có giá trị đến {vn_date_words(until)}.", style="i"),
    ]
    c = Content("GIẤY XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ", "XN", a, f"{num(rng)}/XN-{a.symbol}",
                body, ag.sign(rng, a, collective=False))
    c.owner = {**owner_of(owner), "owner_address": head.address}
    c.valid_until = until.isoformat()
    c.parties = [{**person_party("owner", owner, owner=True)}] + [
        person_party("household_member", m, owner=False) for m, _ in members if m is not owner]
    return c


# ---------------------------------------------------------------------- notice
def notice(x: Ctx) -> Content:
    rng = x.rng
    a = ag.people_committee(x.place, commune=rng.random() < 0.7)
    q = (x.issued.month - 1) // 3 + 1
    subject = (f"Về việc tổ chức tiếp công dân định kỳ của Chủ tịch Ủy ban nhân dân trong quý "
               f"{('I', 'II', 'III', 'IV')[q - 1]} năm {x.issued.year}")
    start = x.issued + timedelta(days=rng.randrange(3, 10))
    rows = []
    for i in range(3):
        d = start + timedelta(days=14 * i)
        rows.append((str(i + 1), f"Sáng {dmy(d)}", "Trụ sở tiếp công dân",
                     rng.choice(("Chủ tịch UBND", "Phó Chủ tịch UBND"))))
    body: list[Block] = [
        Para(f"Thực hiện quy định của Luật Tiếp công dân, {a.in_sentence} thông báo lịch tiếp "
             "công dân định kỳ như sau:"),
        Table(("TT", "Thời gian", "Địa điểm", "Người chủ trì"), tuple(rows), (0.6, 2.4, 3, 2.6)),
        Para("Công dân đến làm việc mang theo giấy tờ tùy thân và tài liệu liên quan. Ủy ban "
             "nhân dân thông báo để tổ chức, cá nhân biết, thực hiện./."),
    ]
    return Content("THÔNG BÁO", "TB", a, f"{num(rng)}/TB-{a.symbol}", body, ag.sign(rng, a),
                   ag.recipients(rng, "Như trên;", "TCD"), subject=subject)


# ---------------------------------------------------------------------- report
def report(x: Ctx) -> Content:
    rng = x.rng
    a = ag.any_agency(rng, x.place)
    half = "6 tháng đầu năm" if x.issued.month <= 7 else "năm"
    subject = (f"Kết quả số hóa hồ sơ, kết quả giải quyết thủ tục hành chính {half} "
               f"{x.issued.year} và phương hướng nhiệm vụ thời gian tới")
    rows = []
    for i, area in enumerate(("Hộ tịch", "Đất đai", "Xây dựng", "Chứng thực")):
        got = rng.randrange(80, 1500)
        done = rng.randrange(got // 2, got + 1)
        rows.append((str(i + 1), area, str(got), str(done), f"{100 * done / got:.1f}"
                     .replace(".", ",")))
    body: list[Block] = [
        Para("I. KẾT QUẢ THỰC HIỆN", style="b", align="left", indent=False),
        Para(f"Trong kỳ báo cáo, {a.in_sentence} đã tiếp nhận, số hóa hồ sơ theo quy định; kết "
             "quả cụ thể theo từng lĩnh vực như sau:"),
        Table(("TT", "Lĩnh vực", "Tiếp nhận", "Đã số hóa", "Tỷ lệ (%)"), tuple(rows),
              (0.6, 2.6, 1.8, 1.8, 1.6)),
        Para("II. TỒN TẠI, HẠN CHẾ", style="b", align="left", indent=False),
        Para("Một số hồ sơ giấy được lưu trữ lâu năm bị ố vàng, mờ chữ nên chất lượng bản "
             "quét chưa đạt yêu cầu; thiết bị quét tại bộ phận một cửa còn thiếu."),
        Para("III. PHƯƠNG HƯỚNG, NHIỆM VỤ", style="b", align="left", indent=False),
        Para("Tiếp tục rà soát, số hóa kết quả giải quyết thủ tục hành chính còn hiệu lực; bảo "
             "đảm 100% hồ sơ tiếp nhận mới được số hóa ngay khi tiếp nhận."),
    ]
    return Content("BÁO CÁO", "BC", a, f"{num(rng)}/BC-{a.symbol}", body, ag.sign(rng, a),
                   ag.recipients(rng, "UBND tỉnh (b/c);", "VP"), subject=subject)


BUILDERS: dict[str, Callable[[Ctx], Content]] = {
    "decision": decision, "letter": letter, "company": company, "permit": permit,
    "birth": birth, "residence": residence, "notice": notice, "report": report,
}
KINDS: tuple[str, ...] = tuple(BUILDERS)
