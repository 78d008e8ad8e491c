"""Content of each synthetic document type: agency, number, subject, body, owner, signer."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from samples import data, places
from samples.agencies import (
    Agency,
    department,
    doc_number,
    recipients,
    registration_office,
    sentence_name,
    signer,
    ubnd_commune,
    ubnd_province,
    upper_first,
)
from samples.data import Person, Province, vn_date
from samples.specs import DocSpec, Para, Style, issue_date_range

DOC_TYPES: tuple[str, ...] = (
    "QUYẾT ĐỊNH",
    "THÔNG BÁO",
    "GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP",
    "GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH",
    "GIẤY PHÉP XÂY DỰNG",
    "TRÍCH LỤC KHAI SINH",
    "GIẤY XÁC NHẬN",
    "CÔNG VĂN",
    "KẾ HOẠCH",
    "BIÊN BẢN",
)
TYPE_ABBR: dict[str, str | None] = {
    "QUYẾT ĐỊNH": "QĐ",
    "THÔNG BÁO": "TB",
    "GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP": "GCN",
    "GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH": "GCN",
    "GIẤY PHÉP XÂY DỰNG": "GP",
    "TRÍCH LỤC KHAI SINH": "TLKS",
    "GIẤY XÁC NHẬN": "XN",
    "CÔNG VĂN": None,
    "KẾ HOẠCH": "KH",
    "BIÊN BẢN": "BB",
}
NEW_ERA_START = date(2025, 7, 1)

# (department name, symbol) for provincial departments; old-era names where they changed.
@dataclass(frozen=True)
class Ctx:
    rng: random.Random
    name: str
    issued: date
    province: Province
    new_era: bool
    owner: Person | None
    long: bool
    extended: bool = False  # phrasings and layouts added for issue 8 (see README)


def ward_source(c: Ctx) -> data.WardSource | None:
    """Real current communes of the province (extended, new era), else the hand list."""
    return places.ward_label if c.extended and c.new_era else None


def commune_agency(c: Ctx) -> Agency:
    source = ward_source(c)
    return ubnd_commune(c.rng, c.province, source(c.rng, c.province) if source else None)


def address(c: Ctx) -> str:
    return data.address(c.rng, c.province, new_era=c.new_era, ward=ward_source(c))


def any_agency(c: Ctx) -> Agency:
    roll = c.rng.random()
    if roll < 0.35:
        return ubnd_province(c.province)
    if roll < 0.65:
        return commune_agency(c)
    return department(c.rng, c.province, new_era=c.new_era)


def party(role: str, name: str, pid: str | None, *, owner: bool = False,
          birth: date | None = None) -> dict[str, object]:
    """A person or enterprise the document names, with its role and printed id."""
    return {"role": role, "name": name, "id": pid, "owner": owner,
            "birth_date": birth.isoformat() if birth else None}


def person_party(role: str, p: Person, *, owner: bool = True) -> dict[str, object]:
    return party(role, p.name, p.id_number, owner=owner, birth=p.birth)


COPY_MARKS = ("(Bản sao)", "BẢN SAO", "(BẢN SAO)")


def copy_mark(c: Ctx, share: float) -> tuple[str, ...]:
    return (c.rng.choice(COPY_MARKS),) if c.rng.random() < share else ()


def legal_bases(c: Ctx) -> list[Para]:
    y = c.issued.year
    bases = [
        (2015, "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;"),
        (2020, "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về "
               "công tác văn thư;"),
        (2020, "Căn cứ Nghị định số 45/2020/NĐ-CP ngày 08 tháng 4 năm 2020 của Chính phủ về thực "
               "hiện thủ tục hành chính trên môi trường điện tử;"),
        (2021, "Căn cứ Nghị định số 107/2021/NĐ-CP ngày 06 tháng 12 năm 2021 của Chính phủ sửa "
               "đổi, bổ sung một số điều của Nghị định số 61/2018/NĐ-CP ngày 23 tháng 4 năm 2018 "
               "về thực hiện cơ chế một cửa, một cửa liên thông trong giải quyết thủ tục hành "
               "chính;"),
        (2024, "Căn cứ Luật Đất đai ngày 18 tháng 01 năm 2024;"),
    ]
    if c.new_era:
        bases[0] = (2025, "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;")
    usable = [text for year, text in bases if year <= y]
    chosen = [usable[0], *c.rng.sample(usable[1:], min(len(usable) - 1, c.rng.randrange(1, 3)))]
    proposal = data.random_date(c.rng, c.issued - timedelta(days=40), c.issued - timedelta(days=1))
    chosen.append(f"Theo đề nghị của Chánh Văn phòng tại Tờ trình số {doc_number(c.rng)}/TTr-VP "
                  f"{vn_date(proposal)}.")
    return [Para(t, "italic") for t in chosen]


FILLER: tuple[str, ...] = (
    "Các cơ quan, đơn vị có trách nhiệm tổ chức thực hiện nghiêm túc, đúng thời gian quy định; "
    "định kỳ hằng tháng báo cáo kết quả thực hiện về Văn phòng để tổng hợp.",
    "Việc số hóa hồ sơ, kết quả giải quyết thủ tục hành chính phải bảo đảm đầy đủ, chính xác, "
    "đúng quy trình và được ký số theo quy định của pháp luật.",
    "Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, các cơ quan, đơn vị kịp thời phản ánh "
    "về Sở Tư pháp để được hướng dẫn, giải quyết.",
    "Kinh phí thực hiện được bố trí từ nguồn ngân sách nhà nước theo phân cấp hiện hành và các "
    "nguồn kinh phí hợp pháp khác.",
    "Tăng cường công tác tuyên truyền, phổ biến để người dân, doanh nghiệp biết và sử dụng kết quả "
    "số hóa khi thực hiện thủ tục hành chính.",
    "Bảo đảm an toàn, an ninh thông tin trong quá trình thu thập, lưu trữ, khai thác và tái sử "
    "dụng dữ liệu đã được số hóa.",
    "Giao Văn phòng Ủy ban nhân dân chủ trì, phối hợp với các cơ quan liên quan theo dõi, đôn "
    "đốc, kiểm tra việc thực hiện; tổng hợp, báo cáo cấp có thẩm quyền theo quy định.",
    "Thủ trưởng các cơ quan, đơn vị chịu trách nhiệm trước cấp trên về kết quả số hóa tại cơ "
    "quan, đơn vị mình.",
    "Cán bộ, công chức tại Bộ phận Một cửa có trách nhiệm kiểm tra, đối chiếu bản chính với bản "
    "điện tử trước khi ký số và cập nhật vào Kho quản lý dữ liệu điện tử của tổ chức, cá nhân.",
    "Sở Khoa học và Công nghệ hướng dẫn kỹ thuật, bảo đảm hạ tầng, đường truyền và thiết bị ký "
    "số cho các cơ quan, đơn vị.",
    "Người dân, doanh nghiệp không phải nộp lại thành phần hồ sơ đã được số hóa, còn hiệu lực "
    "và đã được ký số trong Kho quản lý dữ liệu điện tử.",
    "Rà soát, phân loại hồ sơ, kết quả giải quyết thủ tục hành chính còn hiệu lực đang lưu "
    "trữ tại cơ quan, đơn vị; lập danh mục và kế hoạch số hóa cụ thể cho từng năm.",
    "Bố trí công chức có chuyên môn phù hợp thực hiện việc quét, nhận dạng ký tự và kiểm tra "
    "chất lượng bản điện tử, bảo đảm độ phân giải tối thiểu 200 dpi, màu sắc trung thực.",
    "Kết quả số hóa phải được gắn mã định danh, mã hồ sơ và mã kết quả theo hướng dẫn của Văn "
    "phòng Chính phủ để phục vụ việc tra cứu, khai thác, tái sử dụng.",
    "Định kỳ trước ngày 20 hằng tháng, các cơ quan, đơn vị gửi báo cáo tiến độ, tỷ lệ số hóa và "
    "tỷ lệ tái sử dụng kết quả số hóa về cơ quan thường trực để tổng hợp.",
    "Xử lý nghiêm các trường hợp chậm trễ, làm sai lệch dữ liệu hoặc yêu cầu người dân nộp lại "
    "giấy tờ đã được số hóa, gây phiền hà cho tổ chức, cá nhân.",
    "Các nội dung khác không quy định tại văn bản này thực hiện theo quy định của pháp luật "
    "hiện hành và hướng dẫn của cơ quan có thẩm quyền.",
    "Lưu trữ bản gốc giấy tờ sau số hóa theo đúng quy định về thời hạn bảo quản; không tiêu "
    "hủy bản gốc khi chưa có ý kiến của cơ quan có thẩm quyền.",
    "Phối hợp với đơn vị cung cấp dịch vụ chứng thực chữ ký số bảo đảm chứng thư số còn hiệu "
    "lực, thiết bị ký số được bảo quản an toàn.",
)


def fillers(c: Ctx, n: int) -> list[Para]:
    return [Para(t) for t in c.rng.sample(FILLER, min(n, len(FILLER)))]


def owner_lines(c: Ctx, p: Person, *, labels: str = "qd") -> list[Para]:
    dash = "- " if c.rng.random() < 0.6 else ""
    name = p.name.upper() if c.rng.random() < 0.4 else p.name
    birth = data.short_date(p.birth, c.rng)
    if p.cccd:
        id_label = c.rng.choice(("Số định danh cá nhân", "Số CCCD", "Số Căn cước công dân"))
        id_line = f"{dash}{id_label}: {p.cccd}"
    else:
        id_line = f"{dash}Số CMND: {p.cmnd}"
    if labels == "hotich":
        return [Para(f"Họ, chữ đệm, tên: {name}", "field"),
                Para(f"Ngày, tháng, năm sinh: {birth}", "field"),
                Para(f"Giới tính: {'Nam' if p.male else 'Nữ'}    Dân tộc: Kinh    "
                     "Quốc tịch: Việt Nam", "field"),
                Para(id_line.removeprefix(dash), "field"),
                Para(f"Nơi cư trú: {p.address}", "field")]
    return [Para(f"{dash}Họ và tên: {name}", "field"),
            Para(f"{dash}Ngày sinh: {birth}", "field"),
            Para(id_line, "field"),
            Para(f"{dash}Địa chỉ thường trú: {p.address}", "field")]


def owner_fields(p: Person | None) -> dict[str, object]:
    if p is None:
        return {"owner_name": None, "owner_id": None, "owner_birth_date": None,
                "owner_address": None}
    return {"owner_name": p.name, "owner_id": p.id_number,
            "owner_birth_date": p.birth.isoformat(), "owner_address": p.address}


def get_owner(c: Ctx) -> Person:
    return c.owner or data.make_person(c.rng, c.province, new_era=c.new_era, ward=ward_source(c))


def validity_until(c: Ctx, days: tuple[int, int]) -> date:
    return c.issued + timedelta(days=c.rng.randrange(*days))


@dataclass
class Draft:
    """Mutable content collected by a type builder before it becomes a DocSpec."""

    agency: Agency
    number: str | None
    title: tuple[str, ...]
    subject: tuple[str, ...]
    body: list[Para]
    recipients: tuple[str, ...] = ()
    owner: Person | None = None
    tax_code: str | None = None
    valid_until: str | None = None
    owner_override: dict[str, object] | None = None
    letter: bool = False
    collective_sign: bool = True
    cosigner: tuple[str, str] | None = None
    sign: tuple[tuple[str, ...], str | None, str] | None = None
    subtitle: tuple[str, ...] = ()  # form line, "(for ...)" line or copy mark: not a subject
    # The original templates draw a form line where a subject goes ("CÔNG TY CỔ PHẦN" under a
    # company certificate): drawn as before (bundled pages stay byte-stable), but no trích yếu.
    form_line: bool = False
    parties: list[dict[str, object]] = field(default_factory=list)


def build_qd(c: Ctx) -> Draft:
    a = any_agency(c)
    rng = c.rng
    num = doc_number(rng)
    sym = f"QĐ-{a.symbol}"
    number = f"{num}/{c.issued.year}/{sym}" if rng.random() < 0.15 else f"{num}/{sym}"
    with_owner = c.owner is not None or rng.random() < 0.6
    p = get_owner(c) if with_owner else None
    if p is not None and c.extended and rng.random() < 0.5:
        return qd_about_person(c, a, number, p)
    if p is not None:
        hon = p.honorific.lower()
        subject = rng.choice((
            f"Về việc cho phép chuyển mục đích sử dụng đất cho hộ {hon} {p.name}",
            f"Về việc hỗ trợ kinh phí sửa chữa nhà ở cho {hon} {p.name}",
            f"Về việc công nhận hòa giải viên ở cơ sở đối với {hon} {p.name}",
            f"Về việc cấp Chứng chỉ hành nghề đo đạc và bản đồ cho {hon} {p.name}",
        ))
    else:
        subject = rng.choice((
            "Về việc thành lập Tổ công tác số hóa kết quả giải quyết thủ tục hành chính",
            "Về việc ban hành Quy chế tiếp nhận, số hóa và tái sử dụng kết quả giải quyết thủ "
            "tục hành chính",
            f"Về việc công bố danh mục thủ tục hành chính được chuẩn hóa thuộc phạm vi quản lý "
            f"của {sentence_name(a)}",
        ))
    sign = signer(rng, a, extended=c.extended)
    collective = bool(sign[1] and sign[1].startswith("TM."))
    authority = a.issuing_agency if collective else f"{a.head} {a.issuing_agency}"
    body = [Para(authority, "center_bold"), *legal_bases(c),
            Para("QUYẾT ĐỊNH:", "center_bold")]
    valid: str | None = None
    if p is not None:
        body.append(Para(f"Điều 1. {upper_first(subject.removeprefix('Về việc '))}, cụ thể "
                         "như sau:"))
        body += owner_lines(c, p)
        if rng.random() < 0.4:
            until = validity_until(c, (365, 5 * 365))
            valid = until.isoformat()
            body.append(Para(f"Điều 2. Quyết định này có hiệu lực kể từ ngày ký và có giá trị đến "
                             f"{vn_date(until)}."))
        else:
            body.append(Para("Điều 2. Quyết định này có hiệu lực kể từ ngày ký."))
    else:
        body.append(Para(f"Điều 1. {upper_first(subject.removeprefix('Về việc '))} (chi "
                         "tiết tại Phụ lục kèm theo)."))
        body += fillers(c, 2 if not c.long else 12)
        body.append(Para("Điều 2. Quyết định này có hiệu lực kể từ ngày ký."))
    body.append(Para(f"Điều 3. Chánh Văn phòng, Thủ trưởng các cơ quan, đơn vị có liên quan"
                     f"{' và ' + p.honorific.lower() + ' ' + p.name if p else ''} chịu trách "
                     "nhiệm thi hành Quyết định này./."))
    d = Draft(a, number, ("QUYẾT ĐỊNH",), (subject,), body,
              recipients(rng, a, "Như Điều 3;"), owner=p, valid_until=valid)
    d.sign = sign
    if p is not None and c.extended:
        d.parties = [person_party("decision_subject", p)]
    return d


ABOUT_PERSON: tuple[tuple[str, str], ...] = (
    ("Về việc xử phạt vi phạm hành chính trong lĩnh vực đất đai",
     "Xử phạt vi phạm hành chính bằng hình thức phạt tiền đối với"),
    ("Về việc nâng bậc lương thường xuyên", "Nâng bậc lương thường xuyên đối với"),
    ("Về việc trợ cấp xã hội hằng tháng", "Thực hiện chế độ trợ cấp xã hội hằng tháng đối với"),
    ("Về việc cho thôi việc", "Cho thôi việc theo nguyện vọng đối với"),
    ("Về việc khen thưởng", "Tặng Giấy khen cho"),
    ("Về việc giao đất ở không qua đấu giá", "Giao đất ở không qua đấu giá cho"),
)


def qd_about_person(c: Ctx, a: Agency, number: str, p: Person) -> Draft:
    """A decision whose subject names no one; the person it is about appears only in the
    body, in one sentence with birth date, id and residence."""
    rng = c.rng
    subject, verb = rng.choice(ABOUT_PERSON)
    id_label = rng.choice(("số định danh cá nhân", "Căn cước công dân số", "CCCD số", "CCCD:"))
    id_phrase = f"{id_label} {p.cccd}" if p.cccd else f"CMND số {p.cmnd}"
    # the sentence may go on after the residence: the address ends at its province
    land = (f", diện tích {rng.randrange(60, 400)} m², thửa đất số {rng.randrange(1, 900)}, tờ "
            f"bản đồ số {rng.randrange(1, 60)}") if verb.startswith("Giao đất") else ""
    sign = signer(rng, a, extended=True)
    collective = bool(sign[1] and sign[1].startswith("TM."))
    authority = a.issuing_agency if collective else f"{a.head} {a.issuing_agency}"
    body = [Para(authority, "center_bold"), *legal_bases(c), Para("QUYẾT ĐỊNH:", "center_bold"),
            Para(f"Điều 1. {verb} {p.honorific.lower()} {p.name}, sinh ngày "
                 f"{data.short_date(p.birth, rng)}, {id_phrase}, nơi cư trú: {p.address}{land}."),
            *fillers(c, 1),
            Para("Điều 2. Quyết định này có hiệu lực kể từ ngày ký."),
            Para(f"Điều 3. Chánh Văn phòng, Thủ trưởng các cơ quan, đơn vị có liên quan và "
                 f"{p.honorific.lower()} {p.name} chịu trách nhiệm thi hành Quyết định này./.")]
    d = Draft(a, number, ("QUYẾT ĐỊNH",), (subject,), body, recipients(rng, a, "Như Điều 3;"),
              owner=p)
    d.sign = sign
    d.parties = [person_party("decision_subject", p)]
    return d


def build_tb(c: Ctx) -> Draft:
    a = any_agency(c)
    rng = c.rng
    meeting = data.random_date(rng, c.issued - timedelta(days=20), c.issued)
    subject = rng.choice((
        "Về việc tạm dừng cung cấp dịch vụ công trực tuyến để nâng cấp hệ thống",
        f"Lịch tiếp công dân định kỳ tháng {c.issued.month} năm {c.issued.year}",
        f"Kết luận của Chủ tịch Ủy ban nhân dân tại cuộc họp giao ban {vn_date(meeting)}",
        "Về việc nộp phí, lệ phí giải quyết thủ tục hành chính qua tài khoản",
    ))
    acct = data.account_number(rng)
    body = [
        Para(f"Thực hiện chỉ đạo của {a.head.lower().capitalize()} tại văn bản số "
             f"{doc_number(rng)}/{a.symbol}-VP {vn_date(meeting)}, {sentence_name(a)} "
             "thông báo như sau:"),
        Para(f"1. Từ {vn_date(c.issued + timedelta(days=3))}, tổ chức, cá nhân nộp phí, lệ phí "
             f"vào tài khoản số {acct} tại {rng.choice(data.BANKS)}."),
        *fillers(c, 2 if not c.long else 12),
        Para(f"Mọi thông tin chi tiết xin liên hệ bộ phận tiếp nhận, điện thoại "
             f"{data.phone_number(rng)} để được hướng dẫn."),
    ]
    return Draft(a, f"{doc_number(rng)}/TB-{a.symbol}", ("THÔNG BÁO",), (subject,), body,
                 recipients(rng, a, "Như trên;"))


def build_gcn_dn(c: Ctx) -> Draft:
    rng = c.rng
    a = registration_office(c.province, new_era=c.new_era)
    kind = rng.choice(("CÔNG TY TRÁCH NHIỆM HỮU HẠN MỘT THÀNH VIÊN",
                       "CÔNG TY TRÁCH NHIỆM HỮU HẠN HAI THÀNH VIÊN TRỞ LÊN", "CÔNG TY CỔ PHẦN"))
    short = {"CÔNG TY CỔ PHẦN": "CÔNG TY CỔ PHẦN"}.get(kind, "CÔNG TY TNHH")
    words, brand = rng.choice(data.COMPANY_WORDS), rng.choice(data.COMPANY_NAMES)
    company = f"{short} {words} {brand}"
    mst = data.tax_code(rng, prefix=c.province.mst_prefix)
    first = data.random_date(rng, date(2008, 1, 1), c.issued)
    hq = address(c)
    rep = get_owner(c)
    capital = rng.choice((500, 1000, 2000, 5000, 10000))
    body = [
        Para(f"Mã số doanh nghiệp: {mst}", "heading"),
        Para(f"Đăng ký lần đầu: {vn_date(first)}", "field"),
    ]
    if first < c.issued - timedelta(days=30):
        body.append(Para(f"Đăng ký thay đổi lần thứ: {rng.randrange(1, 6)}, {vn_date(c.issued)}",
                         "field"))
    body += [
        Para("1. Tên công ty", "heading"),
        Para(f"Tên công ty viết bằng tiếng Việt: {company}", "field"),
        Para(f"Tên công ty viết bằng tiếng nước ngoài: {data.COMPANY_ASCII[brand]} "
             f"{'JOINT STOCK COMPANY' if short.endswith('PHẦN') else 'COMPANY LIMITED'}", "field"),
        Para("2. Địa chỉ trụ sở chính", "heading"),
        Para(hq, "field"),
        Para(f"Điện thoại: {data.phone_number(rng)}", "field"),
        Para(f"3. Vốn điều lệ: {capital:,}.000.000 đồng".replace(",", "."), "heading"),
        Para("4. Người đại diện theo pháp luật của công ty", "heading"),
        Para(f"Họ và tên: {rep.name.upper()}    Giới tính: {'Nam' if rep.male else 'Nữ'}",
             "field"),
        Para("Chức danh: Giám đốc", "field"),
        Para(f"Sinh ngày: {data.short_date(rep.birth, rng)}    Dân tộc: Kinh    "
             "Quốc tịch: Việt Nam", "field"),
        Para(f"Số định danh cá nhân: {rep.id_number}", "field"),
        Para(f"Địa chỉ liên lạc: {rep.address}", "field"),
    ]
    d = Draft(a, None, ("GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP",), (kind,), body, tax_code=mst,
              valid_until="permanent" if rng.random() < 0.3 else None, form_line=True)
    if c.extended:  # the company form is a subtitle under the title, not a subject
        d.subject, d.subtitle = (), (kind,)
        d.parties = [party("enterprise", company, mst, owner=True),
                     person_party("legal_representative", rep, owner=False)]
    d.owner_override = {"owner_name": company, "owner_id": None, "owner_birth_date": None,
                        "owner_address": hq}
    return d


def build_gcn_hkd(c: Ctx) -> Draft:
    rng = c.rng
    a = commune_agency(c) if c.new_era else Agency(
        (f"UBND HUYỆN {rng.choice(data.COMMUNE_NAMES).upper()}",),
        ("PHÒNG TÀI CHÍNH - KẾ HOẠCH",), None, "PHÒNG TÀI CHÍNH - KẾ HOẠCH", "TCKH",
        c.province.place, "TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG", None, "TRƯỞNG PHÒNG",
        "PHÒNG TÀI CHÍNH - KẾ HOẠCH")
    if a.parent_lines:
        a = replace(a, parent_agency=a.parent_lines[0])
    p = get_owner(c)
    mst = data.tax_code(rng, prefix=c.province.mst_prefix)
    first = data.random_date(rng, date(2010, 1, 1), c.issued)
    body = [
        Para(f"Mã số hộ kinh doanh: {mst}", "heading"),
        Para(f"Đăng ký lần đầu: {vn_date(first)}", "field"),
        Para(f"1. Tên hộ kinh doanh: HỘ KINH DOANH {p.name.split()[-1].upper()} "
             f"{rng.choice(data.COMPANY_NAMES)}", "field"),
        Para(f"2. Địa điểm kinh doanh: {address(c)}", "field"),
        Para(f"Điện thoại: {data.phone_number(rng)}", "field"),
        Para(f"3. Ngành, nghề kinh doanh: {rng.choice(data.BUSINESS_LINES)}", "field"),
        Para(f"4. Vốn kinh doanh: {rng.randrange(5, 90) * 10}.000.000 đồng", "field"),
        Para("5. Chủ hộ kinh doanh:", "field"),
        *owner_lines(c, p, labels="hotich"),
    ]
    d = Draft(a, f"{doc_number(rng)}/GCN-{a.symbol}",
              ("GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH",), (), body, owner=p, tax_code=mst,
              recipients=(), collective_sign=False)
    if c.extended:
        d.subtitle = copy_mark(c, 0.3)
        d.parties = [person_party("household_head", p)]
    return d


def build_gpxd(c: Ctx) -> Draft:
    rng = c.rng
    a = commune_agency(c) if rng.random() < 0.6 else department(
        rng, c.province, new_era=c.new_era, name=("SỞ XÂY DỰNG", "SXD"))
    p = get_owner(c)
    until = validity_until(c, (180, 730))
    floors = rng.randrange(1, 5)
    area = rng.randrange(60, 160) + rng.choice((0, 0.5))
    body = [
        Para(f"1. Cấp cho: {p.honorific} {p.name}", "field"),
        Para(f"Số định danh cá nhân: {p.id_number}" if p.cccd else f"Số CMND: {p.cmnd}",
             "field"),
        Para(f"Địa chỉ: {p.address}", "field"),
        Para("2. Được phép xây dựng công trình: Nhà ở riêng lẻ", "field"),
        Para(f"- Vị trí xây dựng: thửa đất số {rng.randrange(1, 900)}, tờ bản đồ số "
             f"{rng.randrange(1, 60)}, {address(c)}", "field"),
        Para(f"- Diện tích xây dựng tầng 1: {str(area).replace('.', ',')} m²", "field"),
        Para(f"- Tổng diện tích sàn: {str(area * floors).replace('.', ',')} m²", "field"),
        Para(f"- Chiều cao công trình: {3.6 * floors + 1.2:.1f} m; số tầng: {floors}"
             .replace(".", ","), "field"),
        Para(f"3. Giấy phép này có giá trị đến {vn_date(until)}; quá thời hạn trên mà công "
             "trình chưa khởi công thì chủ đầu tư phải đề nghị gia hạn giấy phép xây dựng."),
        Para("4. Chủ đầu tư phải thông báo ngày khởi công bằng văn bản cho cơ quan quản lý xây "
             "dựng địa phương trước thời điểm khởi công xây dựng 07 ngày làm việc."),
    ]
    d = Draft(a, f"{doc_number(rng)}/GPXD-{a.symbol}" if rng.random() < 0.5 else
              f"{doc_number(rng)}/GP-{a.symbol}", ("GIẤY PHÉP XÂY DỰNG",),
              ("Sử dụng cho nhà ở riêng lẻ",), body, recipients(rng, a, "Chủ đầu tư;"),
              owner=p, valid_until=until.isoformat(), collective_sign=False, form_line=True)
    if c.extended:  # "(for ...)" under the title: what the permit is for, not a subject
        use = rng.choice(("(Cấp cho nhà ở riêng lẻ)", "(Sử dụng cho nhà ở riêng lẻ)",
                          "(Dùng cho nhà ở riêng lẻ tại nông thôn)",
                          "(Cấp cho công trình sửa chữa, cải tạo)"))
        d.subject, d.subtitle = (), (use, *copy_mark(c, 0.2))
        d.parties = [person_party("permit_holder", p)]
    return d


def build_tlks(c: Ctx) -> Draft:
    rng = c.rng
    a = commune_agency(c)
    born = data.random_date(rng, max(date(2005, 1, 1), c.issued - timedelta(days=3000)),
                            c.issued - timedelta(days=3))
    child = c.owner or data.make_person(rng, c.province, new_era=c.new_era,
                                        born=(born.year, born.year))
    if c.owner is None:
        child = Person(child.name, child.male, born,
                       data.cccd_number(rng, province_code=c.province.cccd_code,
                                        male=child.male, birth=born), None, child.address)
    mother = data.person_name(rng, False)
    father = data.person_name(rng, True)
    body = [
        *owner_lines(c, child, labels="hotich")[:3],
        Para(f"Nơi sinh: Trạm Y tế {data.commune_label(rng)[0]} {rng.choice(data.COMMUNE_NAMES)}"
             f", {c.province.title}", "field"),
        Para(f"Số định danh cá nhân: {child.id_number}", "field"),
        Para(f"Họ, chữ đệm, tên người mẹ: {mother.upper()}", "field"),
        Para(f"Năm sinh: {child.birth.year - rng.randrange(20, 36)}    Dân tộc: Kinh    "
             "Quốc tịch: Việt Nam", "field"),
        Para(f"Nơi cư trú: {child.address}", "field"),
        Para(f"Họ, chữ đệm, tên người cha: {father.upper()}", "field"),
        Para(f"Nơi đăng ký khai sinh: {sentence_name(a)}", "field"),
        Para(f"Ngày, tháng, năm đăng ký: {data.short_date(c.issued, rng)}", "field"),
    ]
    d = Draft(a, f"{doc_number(rng)}/TLKS-BS", ("TRÍCH LỤC KHAI SINH",), ("(Bản sao)",)
              if rng.random() < 0.5 else (), body, owner=child, valid_until="permanent",
              collective_sign=False, form_line=True)
    # the residence printed is the mother's (and the father's): the child's own address is not
    # on the extract, so the owner has none (as bench/heldout reads it)
    d.owner_override = {**owner_fields(child), "owner_address": None}
    if c.extended:
        extended_birth_extract(c, d, child)
    return d


def parent(c: Ctx, child: Person, *, male: bool) -> Person:
    """A parent with a CCCD whose century and year digits match a birth 20-40 years earlier."""
    rng = c.rng
    year = child.birth.year - rng.randrange(20, 41)
    born = data.random_date(rng, date(year, 1, 1), date(year, 12, 28))
    home = data.Province(*rng.choice(data.NEW_PROVINCES + data.OLD_PROVINCES))
    return Person(data.person_name(rng, male), male, born,
                  data.cccd_number(rng, province_code=home.cccd_code, male=male, birth=born),
                  None, child.address)


def extended_birth_extract(c: Ctx, d: Draft, child: Person) -> None:
    """Birth extract naming the child and both parents, each parent with birth year and id;
    the copy mark is a subtitle, not a subject."""
    rng = c.rng
    mother, father = parent(c, child, male=False), parent(c, child, male=True)
    head = [p for p in d.body if not p.text.startswith(("Họ, chữ đệm, tên người", "Năm sinh:",
                                                        "Nơi cư trú:", "Nơi đăng ký",
                                                        "Ngày, tháng, năm đăng ký"))]
    rows: list[Para] = []
    for label, p in (("mẹ", mother), ("cha", father)):
        rows += [Para(f"Họ, chữ đệm, tên người {label}: {p.name.upper()}", "field"),
                 Para(f"Năm sinh: {p.birth.year}    Dân tộc: Kinh    Quốc tịch: Việt Nam",
                      "field"),
                 Para(f"Số định danh cá nhân: {p.cccd}", "field"),
                 Para(f"Nơi cư trú: {p.address}", "field")]
    tail = [Para(f"Nơi đăng ký khai sinh: {sentence_name(d.agency)}", "field"),
            Para(f"Ngày, tháng, năm đăng ký: {data.short_date(c.issued, rng)}", "field")]
    d.body = [*head, *rows, *tail]
    d.subject, d.subtitle = (), copy_mark(c, 0.6)
    d.parties = [person_party("child", child), person_party("mother", mother, owner=False),
                 person_party("father", father, owner=False)]


def build_gxn(c: Ctx) -> Draft:
    rng = c.rng
    a = commune_agency(c)
    p = get_owner(c)
    until = c.issued + timedelta(days=182)
    marital = rng.random() < 0.6
    body = [
        Para(f"{sentence_name(a)} xác nhận:"),
        *owner_lines(c, p, labels="hotich"),
    ]
    if marital:
        body += [
            Para("Tình trạng hôn nhân: Hiện tại chưa đăng ký kết hôn với ai.", "field"),
            Para("Giấy này được cấp để: làm thủ tục đăng ký kết hôn.", "field"),
            Para(f"Giấy xác nhận này có giá trị đến {vn_date(until)}.", "italic"),
        ]
    else:
        body += [Para(f"Hiện đang cư trú tại địa phương từ {vn_date(p.birth)} đến nay, chấp hành "
                      "tốt chủ trương, chính sách của Đảng, pháp luật của Nhà nước.", "field")]
    d = Draft(a, f"{doc_number(rng)}/XN-UBND", ("GIẤY XÁC NHẬN",),
              ("TÌNH TRẠNG HÔN NHÂN",) if marital else ("Về việc xác nhận nơi cư trú",), body,
              owner=p, valid_until=until.isoformat() if marital else None,
              collective_sign=False, form_line=marital)
    if c.extended:
        if marital:  # the second title line names the form, it is no subject
            d.subject, d.subtitle = (), ("TÌNH TRẠNG HÔN NHÂN", *copy_mark(c, 0.25))
        d.parties = [person_party("owner", p)]
        if not marital and rng.random() < 0.7:
            household_table(c, d, p)
    return d


RELATIONS = (("Vợ", False), ("Chồng", True), ("Con", True), ("Con", False), ("Mẹ", False),
             ("Cha", True), ("Cháu", True))


def household_table(c: Ctx, d: Draft, head: Person) -> None:
    """The members of the owner's household as table rows (a header, then one row per person
    with birth date and id): each member is a party `household_member`."""
    rng = c.rng
    rows = [Para("Thông tin các thành viên trong hộ gia đình:", "field"),
            Para(f"STT    {rng.choice(('Họ và tên', 'Họ, chữ đệm và tên'))}    Ngày sinh    "
                 "Quan hệ    Số định danh", "field"),
            Para(f"1    {head.name}    {data.short_date(head.birth, rng)}    Chủ hộ    "
                 f"{head.cccd}", "field")]
    for k in range(2, 2 + rng.randrange(1, 4)):
        relation, male = rng.choice(RELATIONS)
        m = parent(c, head, male=male)  # a CCCD matching a birth 20-40 years before the head's
        if relation.startswith("Con") or relation == "Cháu":
            year = min(head.birth.year + rng.randrange(20, 35), c.issued.year - 1)
            born = data.random_date(rng, date(year, 1, 1), date(year, 12, 28))
            home = data.Province(*rng.choice(data.NEW_PROVINCES + data.OLD_PROVINCES))
            m = Person(data.person_name(rng, male), male, born,
                       data.cccd_number(rng, province_code=home.cccd_code, male=male, birth=born),
                       None, head.address)
        rows.append(Para(f"{k}    {m.name}    {data.short_date(m.birth, rng)}    {relation}    "
                         f"{m.cccd}", "field"))
        d.parties.append(person_party("household_member", m, owner=False))
    d.body = [*d.body, *rows]


ADDRESSEES = ("Các sở, ban, ngành", "Ủy ban nhân dân các xã, phường", "Sở Tư pháp")


def build_cv(c: Ctx) -> Draft:
    rng = c.rng
    a = any_agency(c)
    field_ = rng.choice(("VX", "KT", "NC", "TH", "HCTP", "KSTT"))
    subject = rng.choice((
        "V/v triển khai số hóa kết quả giải quyết thủ tục hành chính",
        "V/v đôn đốc cập nhật dữ liệu vào Kho quản lý dữ liệu điện tử",
        "V/v báo cáo tỷ lệ số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
    ))
    ref = data.random_date(rng, c.issued - timedelta(days=60), c.issued - timedelta(days=2))
    body = [
        Para(f"Kính gửi: {rng.choice(ADDRESSEES)}.", "center"),
        Para(f"Thực hiện Công văn số {doc_number(rng)}/VPCP-KSTT {vn_date(ref)} của Văn phòng "
             f"Chính phủ, {sentence_name(a)} đề nghị các cơ quan, đơn vị thực hiện một "
             "số nội dung sau:"),
        *fillers(c, 3 if not c.long else 14),
        Para(f"Đầu mối liên hệ: Văn phòng, điện thoại {data.phone_number(rng)}."),
    ]
    d = Draft(a, f"{doc_number(rng)}/{a.symbol}-{field_}", (), (subject,), body,
              recipients(rng, a, "Như trên;"), letter=True)
    return d


def build_kh(c: Ctx) -> Draft:
    rng = c.rng
    a = any_agency(c)
    y = c.issued.year
    subject = rng.choice((f"Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính năm {y}",
                          f"Kiểm tra công tác cải cách hành chính năm {y}",
                          f"Tuyên truyền thực hiện Đề án 06 năm {y}"))
    body = [Para("I. MỤC ĐÍCH, YÊU CẦU", "heading"), Para("1. Mục đích", "heading"),
            *fillers(c, 2), Para("2. Yêu cầu", "heading"), *fillers(c, 2),
            Para("II. NỘI DUNG THỰC HIỆN", "heading"), *fillers(c, 3 if c.long else 1),
            Para("III. KINH PHÍ", "heading"),
            Para(f"Kinh phí chuyển vào tài khoản số {data.account_number(rng)} mở tại "
                 f"{rng.choice(data.BANKS)}."),
            Para("IV. TỔ CHỨC THỰC HIỆN", "heading"), *fillers(c, 3 if c.long else 1)]
    return Draft(a, f"{doc_number(rng)}/KH-{a.symbol}", ("KẾ HOẠCH",), (subject,), body,
                 recipients(rng, a, "Các cơ quan, đơn vị liên quan;"))


def build_bb(c: Ctx) -> Draft:
    rng = c.rng
    a = any_agency(c)
    start = rng.randrange(7, 15)
    members = [data.person_name(rng, rng.random() < 0.5) for _ in range(3)]
    body = [
        Para(f"Hôm nay, vào lúc {start:02d} giờ 00 phút, {vn_date(c.issued)}, tại trụ sở "
             f"{sentence_name(a)}, chúng tôi gồm:"),
        Para(f"1. Ông (bà) {members[0]} - Chức vụ: Phó Chánh Văn phòng, Trưởng đoàn;", "field"),
        Para(f"2. Ông (bà) {members[1]} - Chức vụ: Chuyên viên, Thành viên;", "field"),
        Para(f"3. Ông (bà) {members[2]} - Chức vụ: Chuyên viên, Thư ký;", "field"),
        Para("Đã tiến hành kiểm tra công tác văn thư, lưu trữ và số hóa tài liệu, kết quả như "
             "sau:"),
        *fillers(c, 2 if not c.long else 12),
        Para(f"Biên bản kết thúc vào lúc {start + 2:02d} giờ 30 phút cùng ngày, đã đọc lại cho "
             "các thành viên cùng nghe và nhất trí ký tên./."),
    ]
    d = Draft(a, f"{doc_number(rng)}/BB-{a.symbol}", ("BIÊN BẢN",),
              (f"Kiểm tra công tác văn thư, lưu trữ năm {c.issued.year}",), body)
    d.cosigner = ("THƯ KÝ", members[2])
    return d


BUILDERS: dict[str, Callable[[Ctx], Draft]] = {
    "QUYẾT ĐỊNH": build_qd,
    "THÔNG BÁO": build_tb,
    "GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP": build_gcn_dn,
    "GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH": build_gcn_hkd,
    "GIẤY PHÉP XÂY DỰNG": build_gpxd,
    "TRÍCH LỤC KHAI SINH": build_tlks,
    "GIẤY XÁC NHẬN": build_gxn,
    "CÔNG VĂN": build_cv,
    "KẾ HOẠCH": build_kh,
    "BIÊN BẢN": build_bb,
}


def make_spec(doc_type: str, *, seed: int, name: str, owner: Person | None = None,
              long: bool | None = None, issued: date | None = None,
              signer_page: bool = False, extended: bool = True) -> DocSpec:
    """One document of `doc_type`, fully determined by `seed` (and `owner` when given).

    `signer_page` puts the signer block (and `Nơi nhận`) alone on a last page: a text-sparse
    page, the hard case for orientation detection. `extended` draws the phrasings, signer
    titles, subtitles, parties and real communes added for issue 8; the bundled samples keep
    the original templates (`extended=False`)."""
    rng = random.Random(f"{seed}:{doc_type}:{name}")
    when = issued or issue_date_range(rng)
    new_era = when >= NEW_ERA_START
    is_long = long if long is not None else (doc_type == "KẾ HOẠCH" or rng.random() < 0.2)
    ctx = Ctx(rng, name, when, data.pick_province(rng, new_era=new_era), new_era, owner, is_long,
              extended)
    draft = BUILDERS[doc_type](ctx)
    spec = to_spec(ctx, doc_type, draft)
    if signer_page:
        spec = replace(spec, style=replace(spec.style, signer_page=True))
    return spec


def to_spec(c: Ctx, doc_type: str, d: Draft) -> DocSpec:
    a = d.agency
    lines, prefix, title = d.sign or signer(c.rng, a, collective=d.collective_sign,
                                            extended=c.extended)
    signer_name = data.person_name(c.rng, c.rng.random() < 0.6)
    subject = " ".join(d.subject) if d.subject and not d.form_line else None
    fields: dict[str, object] = {
        "doc_type": doc_type,
        "type_abbr": TYPE_ABBR[doc_type],
        "number_symbol": d.number,
        "issue_date": c.issued.isoformat(),
        "issue_place": a.place,
        "issuing_agency": a.issuing_agency,
        "parent_agency": a.parent_agency,
        "subject": subject,
        "signer_name": signer_name,
        "signer_title": title,
        "authority_prefix": prefix.split()[0] if prefix else None,  # "KT.", not "KT. CHỦ TỊCH"
        "recipients": [r.removesuffix(";").removesuffix(".") for r in d.recipients],
        **(d.owner_override or owner_fields(d.owner)),
        "tax_code": d.tax_code,
        "valid_until": d.valid_until,
    }
    if c.extended:
        fields["parties"] = d.parties
    if d.cosigner:
        lines, prefix, title = (("CHỦ TRÌ",), None, "CHỦ TRÌ")
        fields.update(signer_title=title, authority_prefix=None)
    return DocSpec(
        name=c.name,
        doc_type=doc_type,
        type_abbr=TYPE_ABBR[doc_type],
        parent_lines=a.parent_lines,
        agency_lines=a.agency_lines,
        number_line=f"Số: {d.number}" if d.number else None,
        place_date=f"{a.place}, {vn_date(c.issued)}",
        title_lines=d.title,
        subject_lines=d.subject,
        subtitle_lines=d.subtitle,
        letter_subject=d.letter,
        body=tuple(d.body),
        recipients=tuple(f"- {r}" for r in d.recipients),
        signer_lines=lines,
        signer_name=signer_name,
        cosigner=d.cosigner,
        seal_text=a.seal_text,
        style=Style.random(c.rng),
        fields=fields,
    )


def make_specs(count: int, seed: int, *, signer_page: bool = False) -> list[DocSpec]:
    """`count` documents cycling through every type; deterministic given `seed`.

    `signer_page`: every document ends with a page holding only its signer block."""
    specs = []
    for i in range(count):
        doc_type = DOC_TYPES[i % len(DOC_TYPES)]
        specs.append(make_spec(doc_type, seed=seed, name=f"doc-{seed}-{i:04d}",
                               signer_page=signer_page))
    return specs
