"""The work-order page (/orders) in a real browser, as tests/test_pages.py does it: Debian's
chromium driven by Playwright against a live uvicorn on 127.0.0.1, orders seeded through the
import route as an editor, and assertions on what a person sees. Screenshots go to
docs/screenshots/ with HOTLINE_SCREENSHOTS=1."""

import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from assistant.db import BEIJING
from tests.test_pages import PHONE, UNLABELLED, browser, page, screenshot, server, shots, signin, sync_api  # noqa: F401
from tests.test_workorders import HEADER, export, row

COLUMNS = [*HEADER, "办理时限", "工单状态", "答复时间", "回访联系情况", "回访解决情况", "回访满意度"]
OVERDUE, DUE_SOON, OPEN = "WO-OVERDUE-1", "WO-SOON-1", "WO-OPEN-1"
CONTENTS = {
    OVERDUE: "村里有人在耕地上盖房子，已经盖到二层了，没人管吗？",
    DUE_SOON: "我想查一下我家房子的不动产登记信息，要带什么材料去哪里办？",
    OPEN: "我家宅基地上的老房子想翻建，需要办什么手续？",
    "WO-DONE-1": "小区旁边有人违法搭建彩钢房，请来查处。",
    "WO-DONE-2": "房本丢了怎么补办不动产权证书？",
    "WO-DONE-3": "山体滑坡隐患谁来管，村后山坡有裂缝。",
}
VISITS = {"WO-DONE-1": ("是", "是", "满意"), "WO-DONE-2": ("是", "是", "基本满意"), "WO-DONE-3": ("是", "否", "不满意")}


def _when(moment: datetime) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def _last_month() -> tuple[datetime, datetime]:
    """First and last day of the last whole month in Beijing: the stats tab's default range."""
    first_this = datetime.now(BEIJING).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    last = first_this - timedelta(days=1)
    return last.replace(day=1), last


@pytest.fixture(scope="module")
def orders(server):
    """Six orders received last month: one overdue, one due within a day, one open, three
    answered and visited (so every rate has something to divide). Waits for classification."""
    first, _ = _last_month()
    now = datetime.now(BEIJING)
    rows = []
    for i, (number, content) in enumerate(CONTENTS.items()):
        received = first + timedelta(days=1 + i, hours=9)
        if number in VISITS:
            tail = [_when(received + timedelta(days=5)), "已归档", _when(received + timedelta(days=2)), *VISITS[number]]
        else:
            due = {OVERDUE: now - timedelta(days=1), DUE_SOON: now + timedelta(hours=12)}.get(number, now + timedelta(days=10))
            tail = [_when(due), "", "", "", "", ""]
        rows.append([*row(number=number, received=_when(received), content=content), *tail])
    response = httpx.post(server.base + "/v1/orders/import", content=export(*rows, header=COLUMNS), timeout=60,
                          headers={"X-API-Key": server.keys["editor"], "Content-Type": "text/csv"})
    assert response.status_code == 201, response.text
    deadline = time.monotonic() + 180
    while True:
        listed = server.api("GET", "/v1/orders?limit=50", role="agent").json()["orders"]
        if len(listed) == len(CONTENTS) and all(o["category"] for o in listed):
            return {o["number"]: o for o in listed}
        assert time.monotonic() < deadline, "the imported orders were not classified in time"
        time.sleep(1)


def queue_row(pg, number):
    return pg.locator("#queue-table tbody tr").filter(has_text=number)


def test_queue_lists_orders_with_deadline_badges(page, server, orders, shots):
    signin(page, server, "orders", "agent")
    rows = page.locator("#queue-table tbody tr")
    sync_api.expect(rows).to_have_count(len(CONTENTS))
    sync_api.expect(page.locator("#queue-status")).to_have_text("共 6 件，超期 1 件")
    sync_api.expect(rows.first).to_contain_text(OVERDUE)  # overdue first
    sync_api.expect(queue_row(page, OVERDUE).locator(".deadline-overdue")).to_have_text("超期")
    sync_api.expect(queue_row(page, DUE_SOON).locator(".deadline-due_soon")).to_have_text("即将到期")
    assert queue_row(page, "WO-DONE-1").locator(".deadline").count() == 0
    sync_api.expect(queue_row(page, "WO-DONE-1")).to_contain_text("已归档")
    overdue = orders[OVERDUE]
    sync_api.expect(queue_row(page, OVERDUE)).to_contain_text(f"{overdue['category'][0]} / {overdue['category'][1]}")
    sync_api.expect(queue_row(page, OVERDUE)).to_contain_text("待确认")
    assert page.evaluate(UNLABELLED) == []

    page.locator("#q-status").select_option(label="待接单")
    sync_api.expect(rows).to_have_count(3)
    page.locator("#q-deadline").select_option(label="已超期")
    sync_api.expect(rows).to_have_count(1)
    sync_api.expect(page.locator("#queue-status")).to_have_text("共 1 件，均已超期")
    page.get_by_role("button", name="清空条件").click()
    page.get_by_label("关键词").fill("不动产登记")
    sync_api.expect(rows).to_have_count(1)
    sync_api.expect(rows.first).to_contain_text(DUE_SOON)
    page.get_by_role("button", name="清空条件").click()
    sync_api.expect(rows).to_have_count(len(CONTENTS))
    screenshot(page, shots / "orders-queue.png")


def test_agent_opens_an_order_accepts_it_and_replies_with_the_draft(page, server, orders, shots):
    signin(page, server, "orders", "agent")
    row_ = queue_row(page, OPEN)
    row_.focus()
    page.keyboard.press("Enter")  # rows open from the keyboard
    sync_api.expect(page.locator("#order-title")).to_have_text(f"工单 {OPEN}")
    fields = page.locator("#order-fields")
    sync_api.expect(fields.locator("dd[data-field='联系电话']")).to_have_text("138****5678")  # masked for an agent
    sync_api.expect(fields.locator("dd[data-field='诉求人']")).to_have_text("张**")
    sync_api.expect(page.locator("#order-content")).to_have_text(CONTENTS[OPEN])
    buttons = page.locator("#action-buttons")
    sync_api.expect(buttons.get_by_role("button", name="接单")).to_be_visible()
    assert buttons.get_by_role("button", name="答复", exact=True).count() == 0  # illegal while pending
    assert buttons.get_by_role("button", name="回访", exact=True).count() == 0
    history = page.locator("#order-history li")
    before = history.count()
    assert before >= 1

    buttons.get_by_role("button", name="接单").click()
    page.get_by_role("button", name="提交").click()
    sync_api.expect(fields.locator("dd[data-field='状态']")).to_have_text("办理中")
    sync_api.expect(history).to_have_count(before + 1)
    sync_api.expect(history.first).to_contain_text("接单")
    sync_api.expect(history.first).to_contain_text("agent-tester")
    sync_api.expect(page.locator("#detail-status")).to_have_text("已接单，当前状态：办理中")
    assert buttons.get_by_role("button", name="接单").count() == 0
    sync_api.expect(buttons.get_by_role("button", name="答复", exact=True)).to_be_visible()

    # The API's own Chinese messages: a role it refuses (403) and a missing reason (422).
    buttons.get_by_role("button", name="催办").click()
    page.get_by_label("催办要求").fill("请尽快办理")
    page.get_by_role("button", name="提交").click()
    sync_api.expect(page.locator("#action-error")).to_contain_text("不能催办工单")
    buttons.get_by_role("button", name="转办").click()
    page.get_by_role("button", name="提交").click()
    sync_api.expect(page.locator("#action-error")).to_contain_text("转办需要填写转办原因")
    page.get_by_role("button", name="取消").first.click()

    page.get_by_role("button", name="更正分类").click()
    for i, name in enumerate(("不存在的分类", "也不存在", "更不存在"), 1):
        page.locator(f"#cat-{i}").fill(name)
    page.get_by_role("button", name="保存分类").click()
    sync_api.expect(page.locator("#category-error")).to_be_visible()
    sync_api.expect(page.locator("#category-error")).to_contain_text("分类不在分类体系中")
    page.get_by_role("button", name="取消").last.click()

    page.get_by_role("button", name="起草答复").click()
    draft = page.locator("#draft-text")
    sync_api.expect(draft).not_to_be_empty(timeout=60_000)
    sync_api.expect(page.locator("#detail-status")).to_contain_text("起草")
    drafted = server.api("GET", f"/v1/orders/{orders[OPEN]['id']}", role="agent").json()
    sync_api.expect(page.locator("#draft-citations .citation")).to_have_count(len(drafted["draft_citations"]))
    screenshot(page, shots / "orders-detail.png", full_page=True)

    page.get_by_role("button", name="填入答复").click()
    sync_api.expect(page.get_by_label("答复内容")).to_have_value(drafted["draft_reply"])
    page.get_by_role("button", name="提交").click()
    sync_api.expect(fields.locator("dd[data-field='状态']")).to_have_text("已答复")
    sync_api.expect(buttons.get_by_role("button", name="转回访")).to_be_visible()
    assert page.locator("#draft").is_hidden()  # no more drafting once answered


def test_a_step_someone_else_already_took_is_refused_with_the_reason(page, server, orders):
    signin(page, server, "orders", "agent")
    queue_row(page, DUE_SOON).click()
    buttons = page.locator("#action-buttons")
    buttons.get_by_role("button", name="接单").click()
    taken = server.api("POST", f"/v1/orders/{orders[DUE_SOON]['id']}/actions/accept", json={"note": "编辑已接单"})
    assert taken.status_code == 200, taken.text
    page.get_by_role("button", name="提交").click()
    sync_api.expect(page.locator("#detail-status")).to_have_text(f"工单 {DUE_SOON} 当前状态为「办理中」，不能接单")
    sync_api.expect(page.locator("#order-fields dd[data-field='状态']")).to_have_text("办理中")  # shown as it is now
    sync_api.expect(buttons.get_by_role("button", name="答复", exact=True)).to_be_visible()


def pct(rate):
    return "—" if rate is None else f"{rate * 100:.1f}%"


def test_stats_show_rates_charts_hotspots_and_drill_down_to_the_queue(page, server, orders, shots, tmp_path):
    first, last = _last_month()
    start, end = first.strftime("%Y-%m-%d"), last.strftime("%Y-%m-%d")
    stats = server.api("GET", f"/v1/orders/stats?start={start}&end={end}", role="agent").json()
    signin(page, server, "orders", "agent")
    page.get_by_role("tab", name="统计与报告").click()
    assert page.locator("#s-start").input_value() == start  # the last whole month by default
    sync_api.expect(page.locator("#stats-status")).to_have_text(f"{start} 至 {end} 共受理 6 件")
    rates = page.locator("#rates")
    for name, key in (("响应率", "response_rate"), ("按时答复率", "on_time_rate"), ("解决率", "resolution_rate"),
                      ("满意率", "satisfaction_rate")):
        sync_api.expect(rates.locator(f"dd[data-rate='{name}']")).to_have_text(pct(stats["rates"][key]))
    assert stats["rates"]["resolution_rate"] == pytest.approx(2 / 3, abs=1e-3)

    category = orders[OVERDUE]["category"][0]
    chart = page.locator("#chart-category")
    sync_api.expect(chart.locator("svg text").filter(has_text=category).first).to_be_visible()
    table_row = page.locator("#category-table tbody tr").filter(has_text=category)
    sync_api.expect(table_row).to_contain_text("—")  # no orders the month before: no 环比
    sync_api.expect(page.locator("#chart-type svg")).to_contain_text("咨询")
    sync_api.expect(page.locator("#chart-daily rect.bar").first).to_be_attached()
    sync_api.expect(page.locator("#issues li").first).not_to_have_text("正在分析…", timeout=60_000)
    screenshot(page, shots / "orders-stats.png", full_page=True)

    for fmt in ("docx", "xlsx"):
        with page.expect_download(timeout=120_000) as download:
            page.get_by_role("button", name=f"（{fmt.upper()}）").click()
        assert Path(download.value.path()).read_bytes()[:2] == b"PK", fmt  # docx and xlsx are zip files
        assert download.value.suggested_filename.endswith(f".{fmt}")
    sync_api.expect(page.locator("#stats-status")).to_have_text("数据表已下载")

    count = next(r["count"] for r in stats["breakdowns"]["category_l1"] if r["key"] == category)
    chart.locator(f"rect.bar[data-category='{category}']").click()
    sync_api.expect(page.get_by_role("tab", name="工单队列")).to_have_attribute("aria-selected", "true")
    assert page.locator("#q-category").input_value() == category
    assert page.locator("#q-start").input_value() == start
    rows = page.locator("#queue-table tbody tr")
    sync_api.expect(rows).to_have_count(count)
    for text in rows.all_inner_texts():
        assert category in text

    page.get_by_role("button", name="清空条件").click()
    sync_api.expect(rows).to_have_count(len(CONTENTS))
    page.get_by_role("tab", name="统计与报告").click()  # the table drills down from the keyboard too
    table_row.focus()
    page.keyboard.press("Enter")
    sync_api.expect(page.get_by_role("tab", name="工单队列")).to_have_attribute("aria-selected", "true")
    assert page.locator("#q-category").input_value() == category
    sync_api.expect(rows).to_have_count(count)


def test_the_page_fits_a_phone(browser, server, orders, shots):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2, is_mobile=True,
                                  timezone_id="Asia/Shanghai")
    phone = context.new_page()
    signin(phone, server, "orders", "agent")
    sync_api.expect(phone.locator("#queue-table tbody tr").first).to_be_visible()
    assert phone.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    queue_row(phone, OVERDUE).click()
    sync_api.expect(phone.locator("#order-title")).to_have_text(f"工单 {OVERDUE}")
    assert phone.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(phone, shots / "orders-mobile.png")
    context.close()
