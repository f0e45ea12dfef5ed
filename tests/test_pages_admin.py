"""The admin page in a real browser (Debian's chromium through Playwright) against a live server:
a crawl of the local fixture site started, watched and gated, its version enabled by hand, its
failed pages; keys created and revoked; an upload and its passages; the audit log; what each
index version changed and how the gate scored it."""

import re
import secrets

import httpx
import pytest

from api.app import create_app
from assistant import index as store
from assistant.keys import create_key
from eval.fixture_site import FixtureSite, detail_page, list_page, load_statute, scanned_pdf
from ingest.build import build_index
from tests.live_server import running
from tests.test_crawl import crawl_settings, write_sources
from tests.test_pages import UNLABELLED, browser, page, shots, signin, sync_api  # noqa: F401 (fixtures)

expect = sync_api.expect
STATUTES = ("farmland-occupation-tax-law.md", "urban-land-use-tax-regulations.md", "spc-property-service-disputes.md")
PHONE = "13912345678"
XSS_NAME = "<img src=x onerror=alert(1)>坐席"


class AdminServer:
    def __init__(self, base: str, keys: dict[str, str], settings, initial: str, titles: list[str]):
        self.base, self.keys, self.settings, self.initial, self.titles = base, keys, settings, initial, titles

    def api(self, method: str, path: str, role: str = "admin", **kwargs) -> httpx.Response:
        return httpx.request(method, self.base + path, headers={"X-API-Key": self.keys[role]}, timeout=30, **kwargs)


@pytest.fixture(scope="module")
def server(model, tmp_path_factory):
    """A live server over a two-law index; its fixture site has three slow pages (so a crawl
    takes a few seconds to watch), one gone (404) and a scanned PDF."""
    tmp = tmp_path_factory.mktemp("admin-pages")
    with FixtureSite() as site:
        statutes = [load_statute(name, max_articles=3) for name in STATUTES]
        site.put("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain")
        items = []
        for i, statute in enumerate(statutes):
            attachments = [("附件：扫描件.pdf", "./scan.pdf")] if i == 0 else []
            site.put(f"/zcwj/t{i}.html", detail_page(statute, f"京政发〔2024〕{i + 1}号", attachments=attachments),
                     delay=1.0)
            items.append((f"./t{i}.html", statute.title, "2024-01-01"))
        site.put("/zcwj/scan.pdf", scanned_pdf(), content_type="application/pdf")
        items.append(("./t404.html", "已撤下", "2024-01-05"))
        site.put("/zcwj/index.html", list_page(items, None))
        sources = write_sources(tmp, site.base, concurrency=1)
        # Slow pages need more than the crawl tests' one-second timeout.
        settings = crawl_settings(tmp, sources_file=sources, portal_rate_limit="10000/minute").model_copy(
            update={"crawl_timeout": 10.0})
        initial = build_index(settings, model=model).version
        app = create_app(settings, model)
        with running(app) as base:
            with app.state.hotline.sessions() as s:
                keys = {role: create_key(s, role, f"{role}-tester")[1] for role in ("agent", "editor", "admin")}
                s.commit()
            yield AdminServer(base, keys, settings, initial, [s.title for s in statutes])


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def test_every_admin_tab_is_labelled_and_shows_markup_as_text(page, server):
    """Every control of every tab has a name; data with markup (a key's name) stays text."""
    created = server.api("POST", "/v1/keys", json={"name": XSS_NAME, "role": "agent"}).json()
    signin(page, server, "admin", "admin")
    for tab in ("索引与统计", "抓取任务", "上传文件", "API 密钥", "操作日志"):
        open_tab(page, tab)
        page.wait_for_load_state("networkidle")
        assert page.evaluate(UNLABELLED) == [], tab
    open_tab(page, "API 密钥")
    expect(page.locator(f"#keys-table tbody tr[data-key='{created['id']}']")).to_contain_text(XSS_NAME)
    open_tab(page, "操作日志")
    expect(page.locator("#audit-table")).to_contain_text(XSS_NAME)
    assert page.locator("main img").count() == 0 and page.evaluate("() => window.__xss === undefined")


def test_admin_starts_a_crawl_watches_it_enables_the_gated_version_and_reads_the_failures(page, server, shots):
    server.settings.gate_max_recall_drop = -1.0  # demands an impossible gain: the version is built, not enabled
    signin(page, server, "admin", "admin")
    open_tab(page, "抓取任务")
    expect(page.locator("#crawl-source option")).to_have_count(2)
    page.get_by_label("来源", exact=True).select_option("fixture")
    page.get_by_role("button", name="开始抓取").click()
    expect(page.locator("#run-status")).to_contain_text("已启动")
    live = page.locator("#run-live-title")
    expect(live).to_contain_text(re.compile(r"抓取中：已处理 \d+ / [1-9]\d* 个页面"))
    expect(page.locator("#run-progress")).to_have_attribute("max", re.compile(r"^[1-9]"))
    expect(page.locator("#run-status")).to_contain_text("已结束：未通过质量检查", timeout=180_000)
    run = server.api("GET", "/v1/ingest/runs?limit=1").json()[0]
    version = run["index_version"]
    row = page.locator(f"#runs-table tbody tr[data-run='{run['id']}']")
    expect(row).to_contain_text("未通过质量检查")
    expect(row).to_contain_text("新增 3")
    expect(row).to_contain_text("回归检验未通过")
    expect(row).to_contain_text(version)
    page.screenshot(path=str(shots / "admin-runs.png"), full_page=True)

    row.get_by_role("button", name="未收录页面").click()
    failures = page.locator("#failures-table tbody tr")
    expect(failures).to_have_count(2)
    expect(failures.filter(has_text="t404.html")).to_contain_text("HTTP 404")
    expect(failures.filter(has_text="scan.pdf")).to_contain_text("扫描件")
    expect(failures.filter(has_text="scan.pdf")).to_contain_text("未收录")
    expect(page.locator("#failures-count")).to_have_text("共 2 个页面。")

    row.get_by_role("button", name="启用此版本").click()
    row.get_by_role("button", name="确认启用？").click()
    expect(page.locator("#toast")).to_contain_text(f"已切换到索引 {version}")
    expect(row).to_contain_text("已完成")
    expect(row).to_contain_text("admin-tester 于")
    expect(row.get_by_role("button", name="启用此版本")).to_have_count(0)
    assert store.current_version(server.settings.index_path) == version

    # The version list: what the crawl added against the version live before, and the gate's figures.
    open_tab(page, "索引与统计")
    built = page.locator(f"#index-table tbody tr[data-version='{version}']")
    expect(built).to_contain_text("使用中")
    expect(built.locator(".changes summary")).to_have_text("新增 3 · 更新 0 · 移除 0")
    built.locator(".changes summary").click()
    for title in server.titles:
        expect(built.locator(".changes")).to_contain_text(f"新增《{title}》")
    expect(built.locator(".changes")).to_contain_text(server.initial)
    gate = server.api("GET", "/v1/indexes").json()
    figures = next(v["gate"] for v in gate if v["version"] == version)
    expect(built.locator(".gate")).to_contain_text("未通过")
    expect(built.locator(".gate")).to_contain_text(
        f"Recall@5 {figures['live_recall']:.3f} → {figures['new_recall']:.3f}")
    expect(built.locator(".gate")).to_contain_text(f"比较 {figures['compared']} 题")
    first = page.locator(f"#index-table tbody tr[data-version='{server.initial}']")
    expect(first.locator(".changes")).to_have_text("首个版本：2 篇文件")
    expect(first.locator(".gate")).to_have_text("未经回归检验")
    page.screenshot(path=str(shots / "admin-versions.png"), full_page=True)


def test_admin_creates_a_key_sees_the_secret_once_and_revokes_it(page, server, shots):
    name = f"坐席 赵六 {secrets.token_hex(2)}"
    signin(page, server, "admin", "admin")
    open_tab(page, "API 密钥")
    page.get_by_label("持有人或用途").fill(name)
    page.get_by_label("角色").select_option("agent")
    page.get_by_role("button", name="创建", exact=True).click()
    expect(page.locator("#key-secret")).to_be_visible()
    secret = page.locator("#key-secret-value").inner_text()
    assert secret.startswith("hk_")
    whoami = httpx.get(server.base + "/v1/whoami", headers={"X-API-Key": secret})
    assert whoami.status_code == 200 and whoami.json()["role"] == "agent"
    page.get_by_role("button", name="复制密钥").click()
    expect(page.locator("#toast")).to_contain_text("已复制密钥")
    assert page.evaluate("() => navigator.clipboard.readText()") == secret
    page.get_by_role("button", name="已保存，隐藏").click()
    expect(page.locator("#key-secret")).to_be_hidden()
    assert secret not in page.content()

    row = page.locator("#keys-table tbody tr", has_text=name)
    expect(row).to_contain_text("坐席")
    page.get_by_role("button", name="刷新").click()  # the use above shows as its last use
    expect(row.locator("td").nth(5)).not_to_have_text("从未使用")
    own = page.locator("#keys-table tbody tr", has_text="admin-tester")
    expect(own).to_contain_text("当前登录所用")
    expect(own.get_by_role("button")).to_have_count(0)

    row.get_by_role("button", name="停用").click()
    row.get_by_role("button", name="确认停用？").click()
    expect(row).to_contain_text("已停用")
    expect(page.locator("#key-status")).to_contain_text("已停用密钥")
    page.screenshot(path=str(shots / "admin-keys.png"), full_page=True)
    assert httpx.get(server.base + "/v1/whoami", headers={"X-API-Key": secret}).status_code == 401


def test_admin_uploads_a_document_and_reads_its_passages(page, server, shots):
    server.settings.gate_max_recall_drop = 1.0  # the gate off: the upload goes live at once
    title = f"北京市试点地块规划条件管理办法（{secrets.token_hex(2)}）"
    articles = [f"第一条 试点地块的规划条件由区规划自然资源部门在出让前出具。（{secrets.token_hex(4)}）",
                "第二条 规划条件应当载明用地性质、容积率和建筑高度。"]
    signin(page, server, "admin", "admin")
    open_tab(page, "上传文件")
    page.locator("#up-file").set_input_files(
        {"name": "pilot.md", "mimeType": "text/markdown", "buffer": f"# {title}\n\n{articles[0]}\n\n{articles[1]}\n".encode()})
    page.locator("#up-title").fill(title)
    page.get_by_label("发布机关").fill("北京市规划和自然资源委员会")
    page.get_by_label("发布日期").fill("2024-05-01")
    page.get_by_role("button", name="上传并更新索引").click()
    status = page.locator("#upload-status")
    expect(status).to_contain_text("索引已更新", timeout=180_000)
    result = page.locator("#upload-doc")
    expect(result.locator("h3")).to_have_text(f"《{title}》")
    expect(result).to_contain_text("北京市规划和自然资源委员会")
    passages = result.locator(".passage")
    expect(passages).to_have_count(2)
    expect(passages.first.locator("summary")).to_contain_text("第一条")
    passages.first.locator("summary").click()
    expect(passages.first.locator(".article-text")).to_contain_text("在出让前出具")
    page.screenshot(path=str(shots / "admin-upload.png"), full_page=True)


def test_admin_reads_the_audit_log_of_admin_and_editorial_actions(page, server, shots):
    phone_name = f"审计测试 {PHONE}"
    created = server.api("POST", "/v1/keys", json={"name": phone_name, "role": "editor"}).json()
    question = f"审计页面测试问题 {secrets.token_hex(2)}"
    faq = server.api("POST", "/v1/faqs", role="editor", json={
        "question": question, "answer": "答复。", "citations": ["land-administration-law/a62"]}).json()
    assert server.api("POST", f"/v1/faqs/{faq['id']}/submit", role="editor").status_code == 200
    assert server.api("POST", f"/v1/faqs/{faq['id']}/publish").status_code == 200  # another person reviews

    signin(page, server, "admin", "admin")
    open_tab(page, "操作日志")
    rows = page.locator("#audit-table tbody tr")
    key_row = rows.filter(has_text=f"key/{created['id']}")
    expect(key_row).to_contain_text("创建密钥")
    expect(key_row).to_contain_text("admin-tester")
    expect(key_row).to_contain_text("审计测试 [手机号]")
    assert PHONE not in page.locator("#audit-table").inner_text()
    faq_rows = rows.filter(has_text=f"faq/{faq['id']}")
    expect(faq_rows).to_have_count(3)
    expect(faq_rows.nth(0)).to_contain_text("FAQ 审核发布")
    expect(faq_rows.nth(2)).to_contain_text("FAQ 创建")
    expect(faq_rows.nth(2)).to_contain_text("editor-tester")
    expect(faq_rows.nth(2)).to_contain_text(question)
    page.screenshot(path=str(shots / "admin-audit.png"), full_page=True)

    page.get_by_label("类别").select_option("admin")
    page.get_by_role("button", name="查询").click()
    expect(rows.filter(has_text=f"faq/{faq['id']}")).to_have_count(0)
    expect(key_row).to_have_count(1)
    page.get_by_label("类别").select_option("")
    page.get_by_label("操作", exact=True).select_option("faq_publish")
    page.get_by_role("button", name="查询").click()
    expect(rows.first).to_contain_text("FAQ 审核发布")
    assert all("FAQ 审核发布" in text for text in rows.all_inner_texts())
    page.get_by_label("操作", exact=True).select_option("")
    page.get_by_label("起始日期").fill("2026-12-06")
    page.get_by_label("截止日期").fill("2026-12-01")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#audit-count")).to_have_text("结束日期不能早于开始日期")
