"""The web pages in a real headless browser (Debian's chromium via Playwright) against a real
`sohoa serve`: log in by role, the clerk's review queue, search and detail, batches."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import httpx
import pytest

from pipeline.access import access_history
from tests.web.conftest import CITIZEN_ID, DOCS, TO_APPROVE, TO_REJECT, USERS, Site, log_in

pytestmark = pytest.mark.integration


def _image_loaded(page: Any, selector: str = ".viewer img") -> bool:
    """The page image arrived and decoded (polled from Python: the pages' CSP forbids eval)."""
    image = page.locator(selector)
    for _attempt in range(100):
        if image.evaluate("img => img.complete"):
            return bool(image.evaluate("img => img.naturalWidth > 100"))
        page.wait_for_timeout(100)
    return False


def _no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"))


def test_login_is_required_and_wrong_passwords_refused(site: Site, browser: Any) -> None:
    context = browser.new_context(base_url=site.base_url, locale="vi-VN")
    page = context.new_page()
    page.goto("/ui/review")
    assert "/ui/login" in page.url and "Đăng nhập" in page.title()
    page.fill("input[name=name]", USERS["clerk"][0])
    page.fill("input[name=password]", "mat-khau-sai-roi")
    page.click("button[type=submit]")
    assert page.locator(".alert.error").inner_text() == "Sai tên đăng nhập hoặc mật khẩu."
    page.fill("input[name=password]", USERS["clerk"][1])
    page.click("button[type=submit]")
    assert page.url.endswith("/ui/review")  # back where the clerk wanted to go
    cookie = next(c for c in context.cookies() if c["name"] == "sohoa_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    page.click("text=Đăng xuất")
    assert "/ui/login" in page.url
    page.goto("/ui/review")
    assert "/ui/login" in page.url  # the session ended on the server too
    context.close()


def _login_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found[1]


def test_password_guessing_is_slowed_down(site: Site) -> None:
    statuses = []
    with httpx.Client(base_url=site.base_url) as client:
        page = client.get("/ui/login").text
        # 20 a minute, refilled as time passes: a few more go through while guessing
        for i in range(40):  # each answer carries the next form's token
            response = client.post("/ui/login", data={
                "name": "nobody", "password": f"guess-{i}", "csrf_token": _login_token(page)})
            statuses.append(response.status_code)
            if response.status_code == 429:
                break
            page = response.text
    assert statuses[:20] == [401] * 20 and statuses[-1] == 429
    assert "Quá nhiều lần thử" in response.text and response.headers["retry-after"]


def test_each_role_sees_its_pages(site: Site, browser: Any) -> None:
    expected = {"clerk": ["Cần kiểm tra", "Tra cứu văn bản", "Lô số hóa"],
                "auditor": ["Chỉ tiêu số hóa", "Tra cứu văn bản"],
                "admin": ["Chỉ tiêu số hóa", "Cần kiểm tra", "Tra cứu văn bản", "Lô số hóa"]}
    for role, nav in expected.items():
        page = log_in(browser, site, role)
        assert page.locator("nav.nav a").all_inner_texts() == nav
        forbidden = {"clerk": "/ui/kpi", "auditor": "/ui/review"}.get(role)
        if forbidden:
            response = page.goto(forbidden)
            assert response.status == 403 and "Không có quyền" in page.content()
        page.context.close()


def test_form_posts_need_the_session_csrf_token(site: Site) -> None:
    doc_id = site.item(TO_APPROVE)["record_id"]
    with httpx.Client(base_url=site.base_url) as client:
        assert client.post("/ui/login", data={"name": USERS["clerk"][0], "password":
                                              USERS["clerk"][1]}).status_code == 400
        login = client.get("/ui/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
        assert token is not None
        done = client.post("/ui/login", data={"name": USERS["clerk"][0], "password":
                                              USERS["clerk"][1], "csrf_token": token[1]})
        assert done.status_code == 303
        forged = client.post(f"/ui/review/{doc_id}", data={"action": "approve"})
        assert forged.status_code == 400 and "Biểu mẫu" in forged.text
        wrong = client.post(f"/ui/review/{doc_id}", data={"action": "approve",
                                                           "csrf_token": "x" * 43})
        assert wrong.status_code == 400
        other_site = client.post(f"/ui/review/{doc_id}", data={"action": "approve"},
                                 headers={"Origin": "http://evil.example"})
        assert other_site.status_code == 400
    row = site.index.get(doc_id)
    assert row is not None and row.status == "needs_review"
    assert site.index.review_history(doc_id) == []


def test_clerk_corrects_and_approves_a_review_item(site: Site, browser: Any) -> None:
    item = site.item(TO_APPROVE)
    doc_id = item["record_id"]
    row = site.index.get(doc_id)
    assert row is not None and row.signed_bucket and row.signed_key
    signed_before = site.store.get(row.signed_bucket, row.signed_key)
    page = log_in(browser, site, "clerk")
    queue = page.locator("table.queue tbody tr")
    assert queue.count() == 2
    assert all("Ngày ban hành: thiếu" in text for text in queue.all_inner_texts())
    queue.filter(has_text="27/QĐ-UBND").locator("a.button").click()
    assert page.url.endswith(f"/ui/review/{doc_id}")
    assert _image_loaded(page)
    flagged = page.locator(".field.flagged label").all_inner_texts()
    assert any(label.startswith("Ngày ban hành") for label in flagged)
    assert page.input_value("#f__number_symbol") == "27/QĐ-UBND"
    page.fill("#f__issue_date", "05/03/2024")
    page.screenshot(path=str(DOCS / "web-review.png"), full_page=True)
    page.click("button[value=approve]")
    assert "/ui/review?done=" in page.url
    assert "Đã duyệt" in page.locator(".alert.ok").inner_text()
    assert "27/QĐ-UBND" not in page.locator("table.queue").inner_text()

    history = site.index.review_history(doc_id)
    assert [(e.field, e.new_value, e.actor) for e in history] == [
        ("issue_date", "2024-03-05", USERS["clerk"][0]),
        ("status", "approved", USERS["clerk"][0])]
    approved = site.index.get(doc_id)
    assert approved is not None and approved.status == "approved"
    assert str(approved.issue_date) == "2024-03-05"
    signed_after = site.store.get(row.signed_bucket, row.signed_key)
    assert signed_after == signed_before
    assert hashlib.sha256(signed_after).hexdigest() == row.signed_sha256
    page.goto(f"/ui/documents/{doc_id}")  # the history is on the detail page too
    assert "05/03/2024" in page.locator("table.history").inner_text()
    page.context.close()


def test_clerk_rejects_a_review_item_with_a_reason(site: Site, browser: Any) -> None:
    doc_id = site.item(TO_REJECT)["record_id"]
    row = site.index.get(doc_id)
    assert row is not None and row.signed_bucket and row.signed_key
    signed_before = site.store.get(row.signed_bucket, row.signed_key)
    page = log_in(browser, site, "clerk")
    page.goto(f"/ui/review/{doc_id}")
    page.click("details.reject summary")
    page.fill("#reject_reason", "bản quét thiếu trang 2")
    page.click("button[value=reject]")
    assert "Không được duyệt" in page.locator(".alert.ok").inner_text()
    assert page.locator("table.queue").count() == 0 and "Không còn" in page.content()
    rejected = site.index.get(doc_id)
    assert rejected is not None and rejected.status == "rejected"
    assert [(e.field, e.new_value) for e in site.index.review_history(doc_id)] == [
        ("status", "rejected: bản quét thiếu trang 2")]
    assert site.store.get(row.signed_bucket, row.signed_key) == signed_before
    page.goto(f"/ui/documents/{doc_id}")
    assert "Không được duyệt: bản quét thiếu trang 2" in page.locator("table.history").inner_text()
    page.context.close()


def test_a_wrong_correction_is_refused_and_nothing_changes(site: Site, browser: Any) -> None:
    doc_id = site.item(TO_APPROVE)["record_id"]
    before = len(site.index.review_history(doc_id))
    page = log_in(browser, site, "admin")
    page.goto(f"/ui/review/{doc_id}")
    page.fill("#f__issue_date", "31/02/2024")
    page.click("button[value=save]")
    assert "Chưa lưu" in page.locator(".alert.error").inner_text()
    assert page.input_value("#f__issue_date") == "31/02/2024"  # what the clerk typed stays
    assert len(site.index.review_history(doc_id)) == before
    page.context.close()


def test_auditor_searches_and_sees_the_signature_verdict(site: Site, browser: Any) -> None:
    page = log_in(browser, site, "auditor")
    assert page.url.endswith("/ui/kpi")
    page.click("text=Tra cứu văn bản")
    page.fill("input[name=owner_id]", CITIZEN_ID)
    page.click("button:has-text('Tìm')")
    rows = page.locator("table.results tbody tr")
    assert rows.count() == 1 and "TRÍCH LỤC KHAI SINH" in rows.inner_text()
    rows.locator("a").click()
    assert page.locator("#verdict h2").inner_text() == "Chữ ký số: HỢP LỆ"
    checks = page.locator("#verdict li")
    assert checks.count() >= 3 and checks.count() == page.locator("#verdict li.ok").count()
    assert "Bản sao điện tử đã ký: khớp" in checks.all_inner_texts()[1]
    assert _image_loaded(page)
    fields = page.locator("table.fieldlist").inner_text()
    assert "Số, ký hiệu" in fields and "07/TLKS-BS" in fields
    page.screenshot(path=str(DOCS / "web-document.png"), full_page=True)
    doc_id = page.url.rsplit("/", 1)[-1]
    views = access_history(site.index, document_id=doc_id)
    assert [(e.client_id, e.action, e.owner_id) for e in views][:1] == [
        (f"web:{USERS['auditor'][0]}", "web.document", CITIZEN_ID)]  # Decree 13 access log
    page.goto("/ui/documents?number=27/QĐ")
    assert page.locator("table.results tbody tr").count() == 1
    page.goto("/ui/documents?q=gia đình văn hóa")
    assert "27/QĐ-UBND" in page.locator("table.results").inner_text()
    page.context.close()


def test_batches_show_the_report_of_the_digitize_run(site: Site, browser: Any) -> None:
    page = log_in(browser, site, "clerk")
    page.click("text=Lô số hóa")
    row = page.locator("table.batches tbody tr").first
    text = row.inner_text()
    assert site.report["batch_id"] in text and "Đã xong" in text
    cells = row.locator("td.num").all_inner_texts()
    counts = site.report["counts"]
    assert cells == [str(sum(counts.values())), str(site.report["pages"]),
                     str(counts["stored"]), str(counts["needs_review"]),
                     str(counts["duplicate"]), str(counts["quarantined"]),
                     str(counts["failed"])]
    row.locator("a").click()
    assert page.locator("table.data tbody tr").count() == len(site.report["items"])
    page.context.close()


def test_review_screen_fits_a_narrow_screen(site: Site, browser: Any) -> None:
    doc_id = site.item(TO_APPROVE)["record_id"]
    page = log_in(browser, site, "clerk", width=390, height=844)
    page.goto(f"/ui/review/{doc_id}")
    assert _image_loaded(page)
    assert _no_horizontal_scroll(page)
    page.screenshot(path=str(DOCS / "web-review-narrow.png"), full_page=False)
    page.context.close()


def test_every_page_fits_a_narrow_screen(site: Site, browser: Any) -> None:
    doc_id = site.item(TO_APPROVE)["record_id"]
    page = log_in(browser, site, "admin", width=390, height=844)
    for path in ("/ui/kpi?period=2024-Q3", "/ui/review", f"/ui/documents?owner_id={CITIZEN_ID}",
                 f"/ui/documents/{doc_id}", "/ui/batches",
                 f"/ui/batches/{site.report['batch_id']}"):
        assert page.goto(path).status == 200, path
        assert _no_horizontal_scroll(page), path
    page.context.close()
