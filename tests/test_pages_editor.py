"""The FAQ desk's review and knowledge tools in a real browser (Debian's chromium driven by
Playwright against a live uvicorn server with a temporary SQLite database and the session's
index): four-eyes publication, revisions of a published FAQ, import with human citations,
hit-testing, bulk actions. Two editors (编辑甲, 编辑乙) so that one can review the other.

Assertions are on what a person sees; the fixtures follow tests/test_pages.py.
"""

import csv
import io
import re
import shutil
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from assistant.keys import create_key
from ingest.publish import activate_version
from tests.conftest import make_settings
from tests.live_server import running
from tests.test_pages import DESKTOP, Watch, browser, sync_api  # noqa: F401 (browser: a fixture)

A62 = "land-administration-law/a62"
XSS = "<img src=x onerror=alert(1)><script>alert('q')</script>宅基地能不能出租"

class Server:
    def __init__(self, base: str, keys: dict[str, str]):
        self.base, self.keys = base, keys

    def api(self, method: str, path: str, who: str = "甲", **kwargs) -> httpx.Response:
        headers = {"X-API-Key": self.keys[who]} if who else {}
        return httpx.request(method, self.base + path, headers=headers, timeout=30, **kwargs)

    def faq(self, question: str, answer: str, *, publish: bool = True) -> dict:
        """A FAQ written and submitted by 编辑甲, published by 编辑乙."""
        faq = self.api("POST", "/v1/faqs", json={"question": question, "answer": answer, "citations": [A62]}).json()
        assert self.api("POST", f"/v1/faqs/{faq['id']}/submit").status_code == 200
        if publish:
            published = self.api("POST", f"/v1/faqs/{faq['id']}/publish", who="乙")
            assert published.status_code == 200, published.text
            return published.json()
        return faq


@pytest.fixture(scope="module")
def server(built, model, tmp_path_factory):
    index_settings, result = built
    tmp = tmp_path_factory.mktemp("pages-editor")
    root = tmp / "indexes"
    root.mkdir()
    shutil.copytree(index_settings.index_path / result.version, root / result.version)
    settings = make_settings(tmp, index_root=root, database_url=f"sqlite:///{tmp}/pages.sqlite",
                             portal_rate_limit="10000/minute")
    activate_version(settings, result.version)
    app = create_app(settings, model)
    with running(app) as base:
        with app.state.hotline.sessions() as s:
            keys = {"甲": create_key(s, "editor", "编辑甲")[1], "乙": create_key(s, "editor", "编辑乙")[1]}
            s.commit()
        yield Server(base, keys)


@pytest.fixture
def pages(browser):
    """new_page(): a fresh browser context (its own sessionStorage, so its own key) per call."""
    opened = []

    def new_page():
        context = browser.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai",
                                      accept_downloads=True)
        context.set_default_timeout(20_000)
        page = context.new_page()
        page.watch = Watch(page)
        opened.append(page)
        return page

    yield new_page
    for page in opened:
        page.watch.check()
        page.context.close()


def signin(page, server, who: str, faq_id: int | None = None) -> None:
    page.goto(f"{server.base}/editor")
    page.wait_for_url("**/editor/signin")
    page.get_by_label("API 密钥").fill(server.keys[who])
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/editor")
    if faq_id is not None:
        page.goto(f"{server.base}/editor?faq={faq_id}")
        sync_api.expect(page.locator("#form-title")).to_have_text(f"编辑 FAQ #{faq_id}")


def portal_answer(page, server, question: str) -> str:
    page.goto(server.base + "/")
    page.get_by_label("您的问题").fill(question)
    page.get_by_role("button", name="提问").click()
    page.locator("#answer .badge").wait_for()
    return page.locator("#answer .answer-text").inner_text()


def _csv(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def test_four_eyes_the_author_cannot_publish_and_another_editor_can(pages, server):
    faq = server.faq("四眼测试：宅基地能不能继承", "宅基地使用权不能单独继承，房屋可以依法继承。", publish=False)
    author = pages()
    signin(author, server, "甲", faq["id"])
    meta = author.locator("#faq-meta")
    sync_api.expect(meta).to_contain_text("待审核")
    author.get_by_role("button", name="审核通过并发布").click()
    sync_api.expect(author.locator("#form-error")).to_contain_text("四眼审核")
    sync_api.expect(meta).to_contain_text("待审核")
    assert server.api("GET", f"/v1/faqs/{faq['id']}").json()["status"] == "in_review"

    reviewer = pages()
    signin(reviewer, server, "乙", faq["id"])
    reviewer.get_by_role("button", name="审核通过并发布").click()
    meta = reviewer.locator("#faq-meta")
    sync_api.expect(meta).to_contain_text("已发布")
    sync_api.expect(meta).to_contain_text("审核发布 编辑乙")
    sync_api.expect(reviewer.locator("#history li").last).to_contain_text("审核发布 · 编辑乙 ·")
    sync_api.expect(reviewer.locator("#history li").last).to_contain_text("（作者 编辑甲，审核 编辑乙）")


def test_editing_a_published_faq_keeps_the_portal_answer_until_the_revision_is_approved(pages, server):
    question = "修订测试：农村宅基地能不能卖给城里人"
    old, new = "不能。农村宅基地不得向城镇居民出售。", "不能。宅基地只能在本集体经济组织成员之间流转。"
    faq = server.faq(question, old)
    citizen = pages()
    assert portal_answer(citizen, server, question) == old

    author = pages()
    signin(author, server, "甲", faq["id"])
    author.get_by_role("textbox", name="答复", exact=True).fill(new)
    author.get_by_role("button", name="保存").click()
    meta = author.locator("#faq-meta")
    sync_api.expect(meta).to_contain_text("修订草稿")
    sync_api.expect(author.locator("#revision-note")).to_contain_text("门户和坐席端仍显示已发布的版本")
    assert portal_answer(citizen, server, question) == old  # the typo fix did not un-publish it

    author.get_by_role("button", name="提交审核").click()
    sync_api.expect(meta).to_contain_text("修订待审核")
    author.get_by_role("button", name="审核通过并发布").click()  # its writer may not approve it
    sync_api.expect(author.locator("#form-error")).to_contain_text("四眼审核")
    assert portal_answer(citizen, server, question) == old

    reviewer = pages()
    signin(reviewer, server, "乙", faq["id"])
    sync_api.expect(reviewer.get_by_role("textbox", name="答复", exact=True)).to_have_value(new)
    reviewer.get_by_role("button", name="审核通过并发布").click()
    sync_api.expect(reviewer.locator("#faq-meta")).not_to_contain_text("修订")
    sync_api.expect(reviewer.locator("#revision-note")).to_contain_text("修改已发布的 FAQ")
    assert portal_answer(citizen, server, question) == new
    after = server.api("GET", f"/v1/faqs/{faq['id']}").json()
    assert (after["id"], after["status"], after["answer"], after["revision"]) == (faq["id"], "published", new, None)
    assert after["version"] == faq["version"] + 3  # revise, submit, publish


def test_import_with_human_citations(pages, server, tmp_path):
    editor = pages()
    signin(editor, server, "甲")
    editor.get_by_role("tab", name="导入导出").click()
    with editor.expect_download() as download:
        editor.get_by_role("button", name="CSV 模板").click()
    template = list(csv.reader(io.StringIO(Path(download.value.path()).read_bytes().decode("utf-8-sig"))))
    assert template[0][:4] == ["问题", "其他问法", "答复", "引用依据"] and template[1][3] == "《土地管理法》第六十二条"

    bad = tmp_path / "bad.csv"
    bad.write_bytes(_csv([["问题", "答复", "引用依据"],
                          ["导入引用测试：一户几处宅基地", "一处。", "《中华人民共和国土地管理法》第六十二条"],
                          ["导入引用测试：宅基地怎么审批", "乡镇审核。", "土地法第62条"]]))
    editor.get_by_label("选择文件（.csv 或 .xlsx）").set_input_files(str(bad))
    editor.get_by_role("button", name="导入", exact=True).click()
    result = editor.locator("#import-result")
    sync_api.expect(result).to_contain_text("未导入任何内容")
    sync_api.expect(result.locator("tbody tr")).to_have_count(1)
    assert "第 3 行" in result.locator("tbody tr").inner_text() and "法规库中没有「土地法」" in result.inner_text()

    good = tmp_path / "good.csv"
    good.write_bytes(_csv([["问题", "答复", "引用依据"],
                           ["导入引用测试：一户几处宅基地", "一处。", "《中华人民共和国土地管理法》第六十二条"],
                           ["导入引用测试：宅基地怎么审批", "乡镇审核。", "土地管理法第62条、第63条"]]))
    editor.get_by_label("选择文件（.csv 或 .xlsx）").set_input_files(str(good))
    editor.get_by_role("button", name="导入", exact=True).click()
    sync_api.expect(result).to_contain_text("已导入 2 条草稿")
    drafts = {f["question"]: f["citations"] for f in server.api("GET", "/v1/faqs?q=导入引用测试").json()}
    assert drafts == {"导入引用测试：一户几处宅基地": [A62],
                      "导入引用测试：宅基地怎么审批": [A62, "land-administration-law/a63"]}

    editor.get_by_role("button", name="导入", exact=True).click()  # the same file again
    sync_api.expect(result).to_contain_text("已导入 0 条草稿；2 行与已有 FAQ 重复，未导入")
    sync_api.expect(result.locator("tbody tr")).to_have_count(2)
    assert len(server.api("GET", "/v1/faqs?q=导入引用测试").json()) == 2


def test_hit_testing_shows_the_faq_that_answers_with_its_score(pages, server):
    question = "命中测试：宅基地面积超标怎么处理"
    faq = server.faq(question, "超过省、自治区、直辖市规定标准的部分，按非法占用土地处理。")
    editor = pages()
    signin(editor, server, "甲")
    editor.get_by_role("tab", name="命中测试").click()
    editor.get_by_label("测试问题").fill(question)
    editor.get_by_role("button", name="测试", exact=True).click()
    status = editor.locator("#hit-status")
    sync_api.expect(status).to_contain_text(f"命中 FAQ #{faq['id']}（相似度 1.000，阈值")
    row = editor.locator(f"#hit-result tr[data-id='{faq['id']}']")
    sync_api.expect(row).to_contain_text("命中（将答复）")
    sync_api.expect(row).to_contain_text("1.000")
    assert editor.locator("#hit-result .hit-passages li").count() >= 1

    editor.get_by_label("测试问题").fill("城市道路违章停车怎么罚款")
    editor.get_by_role("button", name="测试", exact=True).click()
    sync_api.expect(status).to_contain_text("未命中 FAQ")
    sync_api.expect(row).to_have_count(1)
    sync_api.expect(row).to_contain_text("未达阈值")


def test_bulk_results_and_markup_in_the_new_views_show_as_text(pages, server):
    mine = server.faq("批量测试：我写的宅基地问题", "我写的答复。", publish=False)
    theirs = server.api("POST", "/v1/faqs", who="乙", json={
        "question": "批量测试：宅基地能否抵押", "answer": "不能单独抵押。", "citations": [A62]}).json()
    server.api("POST", f"/v1/faqs/{theirs['id']}/submit", who="乙")
    marked = server.faq(XSS, "<b>不能</b>出租给他人建房。")
    editor = pages()
    signin(editor, server, "甲")
    for faq_id in (mine["id"], theirs["id"]):
        editor.get_by_label(f"选择 #{faq_id}").check()
    sync_api.expect(editor.locator("#bulk-count")).to_have_text("已选择 2 条")
    editor.get_by_role("button", name="批量审核发布").click()
    sync_api.expect(editor.locator("#bulk-status")).to_have_text("批量审核发布：成功 1 条，未执行 1 条。")
    results = editor.locator("#bulk-results li")
    sync_api.expect(results.filter(has_text=f"#{theirs['id']} ")).to_contain_text("已审核发布")
    sync_api.expect(results.filter(has_text=f"#{mine['id']} ")).to_contain_text("四眼审核")

    editor.get_by_role("tab", name="命中测试").click()
    editor.get_by_label("测试问题").fill(XSS)
    editor.get_by_role("button", name="测试", exact=True).click()
    sync_api.expect(editor.locator("#hit-status")).to_contain_text(f"命中 FAQ #{marked['id']}")
    sync_api.expect(editor.locator(f"#hit-result tr[data-id='{marked['id']}']")).to_contain_text(XSS)
    assert editor.locator("#hit-result img, #hit-result script").count() == 0

    editor.get_by_role("tab", name="FAQ 列表").click()
    editor.get_by_role("button", name="新建 FAQ").click()
    editor.get_by_role("textbox", name="问题", exact=True).fill(XSS)
    editor.get_by_role("textbox", name="答复", exact=True).fill("重复的一条。")
    editor.get_by_role("button", name="保存").click()
    warning = editor.locator("#duplicates")
    sync_api.expect(warning).to_contain_text("可能与已有 FAQ 重复")
    sync_api.expect(warning.get_by_role("button")).to_have_text(f"#{marked['id']} {XSS}")
    assert editor.locator("#duplicates img, #duplicates script").count() == 0
    warning.get_by_role("button").click()
    sync_api.expect(editor.locator("#form-title")).to_have_text(f"编辑 FAQ #{marked['id']}")


def test_a_gap_is_marked_not_ours_with_a_reason_and_leaves_the_queue(pages, server):
    question = "缺口测试：孩子上小学怎么报名"
    citizen = pages()
    citizen.goto(server.base + "/")
    citizen.get_by_label("您的问题").fill(question)
    citizen.get_by_role("button", name="提问").click()
    sync_api.expect(citizen.locator("#answer")).to_contain_text("未找到明确依据")
    editor = pages()
    signin(editor, server, "甲")
    editor.get_by_role("tab", name="缺口队列").click()
    gap = editor.locator("#gaps li.gap").filter(has_text=question)
    sync_api.expect(gap).to_contain_text("渠道：门户")
    sync_api.expect(gap).to_contain_text(re.compile("原因：(不属于本部门职责|依据不足)"))
    gap.get_by_label("处理为").select_option("not_ours")
    gap.get_by_role("button", name="标记").click()  # no reason yet: refused, still queued
    sync_api.expect(editor.locator("#toast")).to_contain_text("请填写处理原因")
    gap.get_by_label("原因").fill("属教育部门职责，已告知来电人拨打 12345 转教委")
    gap.get_by_role("button", name="标记").click()
    sync_api.expect(editor.locator("#toast")).to_contain_text("已标记为「不属于本部门」")
    sync_api.expect(editor.locator("#gaps li.gap").filter(has_text=question)).to_have_count(0)


def test_the_staff_nav_offers_an_editor_no_admin_page(pages, server):
    page = pages()
    signin(page, server, "甲")
    nav = page.locator(".staff-nav")
    sync_api.expect(nav.locator('a[data-needs="editor"]').first).to_be_visible()
    sync_api.expect(nav.locator('a[data-needs="admin"]')).to_be_hidden()
