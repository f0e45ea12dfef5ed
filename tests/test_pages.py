"""The web pages in a real browser: Debian's chromium driven by Playwright against a live uvicorn
server on 127.0.0.1 with a temporary SQLite database and the session's index.

Assertions are on what a person sees (text, open citations, status labels), not on internals.
Screenshots land in a temporary folder, or in docs/screenshots/ with HOTLINE_SCREENSHOTS=1.
"""

import csv
import io
import json
import os
import re
import shutil
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from assistant.keys import create_key
from assistant.settings import PROJECT_ROOT
from ingest.publish import activate_version, publish_version
from tests.conftest import make_settings
from tests.live_server import running

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
GOOD_CITATION = "land-administration-law/a62"
XSS_QUESTION = "<b>宅基地</b>能不能<script>alert('q')</script>转让给城里人"
XSS_ANSWER = "<script>alert('xss')</script><img src=x onerror=alert(2)>不能转让给城镇居民。"

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        pytest.fail("/usr/bin/chromium is missing; scripts/setup.sh installs it", pytrace=False)
    pytest.skip("/usr/bin/chromium is missing (apt-get install chromium fonts-noto-cjk)", allow_module_level=True)


class Server:
    def __init__(self, base: str, keys: dict[str, str], settings, app):
        self.base, self.keys, self.settings, self.app = base, keys, settings, app

    def api(self, method: str, path: str, role: str = "editor", **kwargs) -> httpx.Response:
        headers = {"X-API-Key": self.keys[role]} if role else {}
        return httpx.request(method, self.base + path, headers=headers, timeout=30, **kwargs)


@pytest.fixture(scope="module")
def server(built, model, tmp_path_factory):
    """A live server over a private copy of the session index (two versions, so the admin page
    can roll back without touching other tests) and a fresh SQLite database."""
    index_settings, result = built
    tmp = tmp_path_factory.mktemp("pages")
    root = tmp / "indexes"
    root.mkdir()
    live = index_settings.index_path / result.version
    shutil.copytree(live, root / result.version)
    older = "20200101-000000-rollback"
    shutil.copytree(live, root / older)
    manifest = json.loads((root / older / "manifest.json").read_text(encoding="utf-8"))
    manifest.update(version=older, created_at="2020-01-01T00:00:00+00:00")
    (root / older / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    settings = make_settings(tmp, index_root=root, database_url=f"sqlite:///{tmp}/pages.sqlite",
                             portal_rate_limit="10000/minute", faq_self_publish=True)
    publish_version(settings, older)  # as its build would have (the PostgreSQL backend)
    activate_version(settings, result.version)
    app = create_app(settings, model)
    with running(app) as base:
        with app.state.hotline.sessions() as s:
            keys = {role: create_key(s, role, f"{role}-tester")[1] for role in ("agent", "editor", "admin")}
            s.commit()
        yield Server(base, keys, settings, app)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    if os.environ.get("HOTLINE_SCREENSHOTS") == "1":
        target = PROJECT_ROOT / "docs" / "screenshots"
        target.mkdir(parents=True, exist_ok=True)
        return target
    return tmp_path_factory.mktemp("screenshots")


class Watch:
    """What the page did that a person would notice: dialogs (alert/confirm) and script errors."""

    def __init__(self, page):
        self.dialogs, self.errors, self.csp = [], [], []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("console", lambda m: self.csp.append(m.text) if "Content Security Policy" in m.text else None)

    def check(self) -> None:
        assert not self.errors, f"script errors on the page: {self.errors}"
        assert not self.csp, f"the page broke its own Content-Security-Policy: {self.csp}"
        assert not self.dialogs, f"unexpected dialogs: {self.dialogs}"


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.base)
    context.set_default_timeout(20_000)
    pg = context.new_page()
    pg.watch = Watch(pg)
    yield pg
    pg.watch.check()
    context.close()


def signin(page, server, area: str, role: str) -> None:
    page.goto(f"{server.base}/{area}")
    page.wait_for_url(f"**/{area}/signin")
    page.get_by_label("API 密钥").fill(server.keys[role])
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**/{area}")


def portal_ask(page, server, question: str) -> None:
    page.goto(server.base + "/")
    page.get_by_label("您的问题").fill(question)
    page.get_by_role("button", name="提问").click()
    page.locator("#answer .badge").wait_for()


def screenshot(page, path: Path, full_page: bool = False) -> None:
    """From the top of the page, without a passing toast in the way."""
    page.evaluate("() => { window.scrollTo(0, 0); document.getElementById('toast').className = 'toast'; }")
    page.wait_for_timeout(250)  # the toast's fade-out
    page.screenshot(path=str(path), full_page=full_page)


def answer_kind(page) -> str:
    return page.locator("#answer .badge").inner_text()


# ---------- headers, keys, CSRF ----------

def test_pages_send_security_headers_and_no_secret(server):
    for path in ("/", "/agent", "/editor", "/admin", "/editor/signin"):
        response = httpx.get(server.base + path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert not re.search(r"hk_[A-Za-z0-9_-]{16,}", response.text)  # nothing shaped like a key
        assert not any(k in response.text for k in server.keys.values())
        assert "set-cookie" not in response.headers
        assert "<script>" not in response.text  # no inline script: every script is a file
    js = httpx.get(server.base + "/static/js/lib/dom.js")
    assert js.status_code == 200 and js.headers["x-content-type-options"] == "nosniff"
    assert "javascript" in js.headers["content-type"]  # with nosniff, a module of another type is refused


def test_pages_load_only_module_scripts_and_set_no_globals():
    """One entry module per page, modules importing what they use: nothing shared through window."""
    templates = PROJECT_ROOT / "api" / "templates"
    for path in templates.glob("*.html"):
        for tag in re.findall(r"<script\b[^>]*>", path.read_text(encoding="utf-8")):
            assert 'type="module"' in tag and "src=" in tag, f"{path.name}: {tag}"
    scripts = list((PROJECT_ROOT / "api" / "static" / "js").rglob("*.js"))
    assert len(scripts) > 10
    for path in scripts:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\bwindow\s*(\.\s*[\w$]+|\[[^\]]*\])\s*=(?!=)", text), f"{path.name} assigns to window"
        assert "export " in text or "import " in text, f"{path.name} is not a module"


def test_only_short_status_lines_are_live_regions():
    """A live region is read out whenever it changes: never a whole answer, list or diff."""
    for path in (PROJECT_ROOT / "api" / "templates").glob("*.html"):
        for tag in re.findall(r"<\w+\b[^>]*\baria-live=[^>]*>", path.read_text(encoding="utf-8")):
            assert tag.startswith(("<p ", "<span ")) or 'id="toast"' in tag, f"{path.name}: {tag}"


def test_forged_cross_site_requests_carry_no_authority(server):
    """What a form on another site could send: cookies and a simple content type, never the header."""
    forged = {"Origin": "https://evil.example", "Cookie": "session=whatever",
              "Content-Type": "application/x-www-form-urlencoded"}
    for method, path in (("POST", "/v1/faqs"), ("POST", "/v1/faqs/1/publish"), ("POST", "/v1/faqs/1/retire"),
                         ("POST", "/v1/indexes/x/activate"), ("POST", "/v1/faqs/import"), ("GET", "/v1/faqs/export")):
        response = httpx.request(method, server.base + path, headers=forged, content=b"question=x&answer=y")
        assert response.status_code == 401, (method, path, response.text)
    # and a browser would not even send the header cross-origin: no CORS is granted
    preflight = httpx.options(server.base + "/v1/faqs", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "x-api-key"})
    assert "access-control-allow-origin" not in preflight.headers


def test_editor_needs_a_key_of_the_right_role(page, server, shots):
    page.goto(server.base + "/editor")
    page.wait_for_url("**/editor/signin")
    page.get_by_label("API 密钥").fill("hk_not-a-real-key")
    page.get_by_role("button", name="登录").click()
    sync_api.expect(page.locator("#signin-error")).to_contain_text("密钥无效")
    page.get_by_label("API 密钥").fill(server.keys["agent"])
    page.get_by_role("button", name="登录").click()
    sync_api.expect(page.locator("#signin-error")).to_contain_text("需要「编辑」及以上权限")
    assert page.url.endswith("/editor/signin")
    screenshot(page, shots / "signin.png")

    signin(page, server, "editor", "editor")
    sync_api.expect(page.locator("#who-name")).to_contain_text("editor-tester")
    assert server.keys["editor"] not in page.content()  # the key is never put into the page
    # The same request without the header, as any other site's script could make it: refused.
    status = page.evaluate("""() => fetch('/v1/faqs', {method: 'POST', headers: {'Content-Type': 'application/json'},
                                   body: JSON.stringify({question: 'x', answer: 'y'})}).then(r => r.status)""")
    assert status == 401
    assert page.evaluate("() => import('/static/js/lib/dom.js').then(m => m.safeUrl('javascript:alert(1)'))") is None
    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/editor/signin")
    assert page.evaluate("() => sessionStorage.length") == 0
    page.goto(server.base + "/editor")
    page.wait_for_url("**/editor/signin")


# ---------- accessibility ----------

UNLABELLED = """() => Array.from(document.querySelectorAll('input, select, textarea, button, a[href]'))
    .filter(e => e.type !== 'hidden' && !e.closest('[hidden]') && !e.classList.contains('offscreen'))
    .filter(e => {
        const named = e.getAttribute('aria-label') || e.getAttribute('aria-labelledby')
            || (e.labels && e.labels.length) || (['BUTTON', 'A'].includes(e.tagName) && e.textContent.trim());
        return !named;
    }).map(e => e.outerHTML.slice(0, 80))"""


@pytest.mark.parametrize("area, role", [("", None), ("agent", "agent"), ("editor", "editor"), ("admin", "admin")])
def test_every_control_is_labelled_and_reachable_by_keyboard(page, server, area, role):
    if role:
        signin(page, server, area, role)
    else:
        page.goto(server.base + "/")
    page.wait_for_load_state("networkidle")
    assert page.evaluate(UNLABELLED) == []
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    if page.evaluate("() => document.activeElement === document.body"):  # the agent console focuses its text box
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.textContent") == "跳到主要内容"
    else:
        assert page.evaluate("() => document.activeElement.id") == "caller"
    if not role:  # the question box is reached from the keyboard and Ctrl+Enter asks
        for _ in range(10):
            page.keyboard.press("Tab")
            if page.evaluate("() => document.activeElement.id") == "question":
                break
        assert page.evaluate("() => document.activeElement.id") == "question"
        page.keyboard.type("违法建设归谁查处")
        page.keyboard.press("Control+Enter")
        page.locator("#answer .badge").wait_for()


# ---------- citizen portal ----------

def test_citizen_asks_and_opens_a_citation(page, server, browser, shots):
    portal_ask(page, server, "农村一户能有几处宅基地？")
    assert answer_kind(page) == "依据条文整理的答复"
    citation = page.locator("#answer .citation").filter(has_text="《中华人民共和国土地管理法》第六十二条").first
    sync_api.expect(citation).to_be_visible()
    article = citation.locator(".article-text")
    assert not article.is_visible()
    n = citation.locator(".cite-n").inner_text().strip("[]")
    page.locator(f"#answer a.cite-ref[href='#cite-{n}']").first.click()  # the [n] in the answer text
    sync_api.expect(article).to_be_visible()
    sync_api.expect(article).to_contain_text("农村村民一户只能拥有一处宅基地")
    sync_api.expect(page.locator("#answer .answer-summary")).to_contain_text("《土地管理法》第六十二条")
    sync_api.expect(article.locator("mark.quoted").first).to_contain_text("一户只能拥有一处宅基地")
    source = citation.get_by_role("link", name="法规库副本")
    assert source.get_attribute("href").startswith(("http://", "https://"))
    assert source.get_attribute("rel") == "noopener noreferrer"

    page.get_by_role("button", name="有帮助").click()
    sync_api.expect(page.get_by_text("感谢您的反馈！")).to_be_visible()
    screenshot(page, shots / "portal.png", full_page=True)

    phone = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2, is_mobile=True)
    mobile = phone.new_page()
    portal_ask(mobile, server, "农村一户能有几处宅基地？")
    mobile.locator("#answer .citation summary").first.click()
    assert mobile.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")  # no sideways scroll
    screenshot(mobile, shots / "portal-mobile.png")
    phone.close()


def test_portal_without_basis_shows_escalation_and_nothing_invented(page, server, shots):
    portal_ask(page, server, "明天北京的天气怎么样")
    assert answer_kind(page) == "未找到明确依据"
    card = page.locator("#answer")
    sync_api.expect(card).to_contain_text("拨打 12345")
    sync_api.expect(card).to_contain_text("留言")
    assert card.locator(".citation").count() == 0 and card.locator(".answer-text").count() == 0
    assert "null" not in card.inner_text() and "undefined" not in card.inner_text()
    sync_api.expect(page.get_by_text("这条回答有帮助吗？")).to_be_visible()
    screenshot(page, shots / "portal-no-answer.png")


# ---------- agent console ----------

def test_agent_types_and_sees_a_cited_suggestion_update(page, server, shots):
    signin(page, server, "agent", "agent")
    suggests = []
    page.on("request", lambda r: suggests.append(r) if r.url.endswith("/v1/agent/suggest") else None)
    caller = page.get_by_role("textbox", name="来电人原话")
    first = "喂你好，我想问一下，我们村里有人在耕地上盖房子，这个归谁管？"
    caller.press_sequentially(first, delay=25)
    card = page.locator("#top-card")
    sync_api.expect(card.locator(".citation").first).to_be_visible()
    sync_api.expect(card).to_contain_text("《中华人民共和国土地管理法》")
    sync_api.expect(page.locator("#took")).to_contain_text("ms")
    assert len(suggests) < len(first) / 2, "suggestions must be debounced, not one request per key"
    before = card.locator(".citation summary").all_inner_texts()

    caller.fill("")
    caller.press_sequentially("征收农民集体土地要公告多少天", delay=25)
    sync_api.expect(page.locator("#query-used")).to_have_text("征收农民集体土地要公告多少天")
    sync_api.expect(card.locator(".citation").first).to_be_visible()
    after = card.locator(".citation summary").all_inner_texts()
    assert after and after != before
    assert any("土地管理法" in c for c in after)
    screenshot(page, shots / "agent.png")

    summary = card.locator(".answer-summary")  # the sentence an agent reads out comes first
    sync_api.expect(summary).to_be_visible()
    said = summary.inner_text()
    assert len(said) <= 60 and re.search(r"（《.+》第.+条）$", said), said
    assert card.locator(".summary-row").evaluate("e => e.compareDocumentPosition(document.querySelector('#top-card .answer-text')) & 4")
    sync_api.expect(card.locator(".badge-confidence")).to_have_text(re.compile("有依据|需核实"))
    card.locator("a.cite-ref").first.click()  # citations expand inline
    sync_api.expect(card.locator(".citation .article-text").first).to_be_visible()
    quoted = card.locator(".citation .article-text mark.quoted").first  # the quoted sentence, highlighted
    sync_api.expect(quoted).to_be_visible()
    assert quoted.inner_text() in card.locator(".answer-text").inner_text()

    page.keyboard.press("Alt+KeyC")
    sync_api.expect(page.locator("#toast")).to_contain_text("已复制答复")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert "依据：" in copied and "《中华人民共和国土地管理法》" in copied

    page.keyboard.press("Alt+KeyN")
    selected = page.locator("#passages li.selected")
    sync_api.expect(selected).to_have_count(1)
    sync_api.expect(selected.locator(".article-text")).to_be_visible()

    page.get_by_role("button", name="回答有误").click()
    sync_api.expect(page.locator("#toast")).to_contain_text("已记录评价")


def test_agent_sees_a_superseded_rule_marked_and_hears_the_governing_one(page, server):
    """The 1993 regulation's 15 days to sue gives way to 行政诉讼法 (corpora/precedence.yaml)."""
    signin(page, server, "agent", "agent")
    page.get_by_role("textbox", name="来电人原话").fill("对规划处罚不服可以在几天内起诉")
    summary = page.locator("#top-card .answer-summary")
    sync_api.expect(summary).to_contain_text("六个月")
    sync_api.expect(summary).to_contain_text("《行政诉讼法》")
    old = page.locator("#passages li", has_text="村庄和集镇规划建设管理条例")
    sync_api.expect(old.locator(".citation-mark")).to_have_text("已由上位法取代")
    old.locator("summary").click()
    sync_api.expect(old).to_contain_text("就此事项以《中华人民共和国行政诉讼法》第四十六条")
    assert "15日内" not in page.locator("#top-card .answer-text").inner_text()


def test_answers_are_announced_by_a_status_line_not_the_whole_card(page, server):
    portal_ask(page, server, "农村一户能有几处宅基地？")
    sync_api.expect(page.locator("#ask-status")).to_have_text(re.compile(r"已找到 \d+ 条依据"))
    signin(page, server, "agent", "agent")
    page.get_by_role("textbox", name="来电人原话").fill("征收农民集体土地要公告多少天")
    sync_api.expect(page.locator("#status")).to_have_text(re.compile(r"已找到 \d+ 条依据"))
    assert page.locator("#top-card").get_attribute("aria-live") is None


# ---------- editor: gap -> FAQ -> published -> portal -> retired ----------

def test_editor_turns_a_gap_into_a_published_faq_then_retires_it(page, browser, server, shots):
    question = "农村老宅翻建需要办哪些手续"
    answer = "农村村民翻建住宅，应当向乡镇人民政府申请乡村建设规划许可证，并依法办理宅基地审批手续。"
    # A citizen asks and says the answer did not help: a knowledge gap.
    portal_ask(page, server, question)
    assert answer_kind(page) != "标准答复"
    page.get_by_role("button", name="没帮助").click()
    sync_api.expect(page.get_by_text("感谢您的反馈！")).to_be_visible()

    signin(page, server, "editor", "editor")
    page.get_by_role("tab", name="缺口队列").click()
    gap = page.locator("#gaps li.gap").filter(has_text=question)
    sync_api.expect(gap).to_be_visible()
    sync_api.expect(gap).to_contain_text("差评 1")
    screenshot(page, shots / "editor-gaps.png")
    gap.get_by_role("button", name="据此新建 FAQ").click()

    sync_api.expect(page.get_by_role("textbox", name="问题", exact=True)).to_have_value(question)
    chosen = page.locator("#e-citations li")
    sync_api.expect(chosen.first).to_be_visible()  # suggested citations: the top search hits
    assert 1 <= chosen.count() <= 3
    page.get_by_role("textbox", name="答复", exact=True).fill(answer)
    page.locator("#e-topic").fill("宅基地")
    preview = page.locator("#preview")
    sync_api.expect(preview.locator(".answer-text")).to_have_text(answer)
    sync_api.expect(preview.locator(".badge")).to_have_text("标准答复")

    # The live citation picker: search, insert one more passage.
    page.get_by_label("搜索条文并插入").fill("乡村建设规划许可证")
    pick = page.locator("#picker-results li").first
    sync_api.expect(pick).to_be_visible()
    count = chosen.count()
    inserted = pick.get_attribute("data-id")
    if inserted not in page.locator("#e-citations").inner_text():
        pick.get_by_role("button").click()
        sync_api.expect(chosen).to_have_count(count + 1)

    page.get_by_role("button", name="保存").click()
    meta = page.locator("#faq-meta")
    sync_api.expect(meta).to_contain_text("草稿")
    page.get_by_role("button", name="提交审核").click()
    sync_api.expect(meta).to_contain_text("待审核")
    page.get_by_role("button", name="审核通过并发布").click()
    sync_api.expect(meta).to_contain_text("已发布")
    sync_api.expect(meta).to_contain_text("审核发布 editor-tester")
    assert "null" not in meta.inner_text() and "undefined" not in meta.inner_text()
    history = page.locator("#history li")
    sync_api.expect(history).to_have_count(3)
    sync_api.expect(history.nth(2)).to_contain_text("审核发布 · editor-tester")
    sync_api.expect(page.locator("#diff")).to_contain_text("状态")

    # The portal now answers with it, word for word, with its citations.
    citizen = browser.new_context(viewport=DESKTOP, locale="zh-CN").new_page()
    portal_ask(citizen, server, question)
    assert answer_kind(citizen) == "标准答复"
    sync_api.expect(citizen.locator("#answer .answer-text")).to_have_text(answer)
    assert citizen.locator("#answer .citation").count() == chosen.count()

    # An edit shows up in the history as a diff, as a revision of the published FAQ.
    page.get_by_role("textbox", name="答复", exact=True).fill(answer.replace("依法办理", "按规定办理"))
    page.get_by_role("button", name="保存").click()
    sync_api.expect(meta).to_contain_text("修订草稿")
    sync_api.expect(history).to_have_count(4)
    sync_api.expect(page.locator("#diff ins").first).to_contain_text("按规定")
    sync_api.expect(page.locator("#diff del").first).to_contain_text("依法")
    screenshot(page, shots / "editor.png", full_page=True)

    page.get_by_role("button", name="下线").click()
    sync_api.expect(meta).to_contain_text("已下线")
    sync_api.expect(page.get_by_role("button", name="保存")).to_be_disabled()
    portal_ask(citizen, server, question)
    assert answer_kind(citizen) != "标准答复"
    sync_api.expect(citizen.locator("#answer")).not_to_contain_text(answer)
    citizen.context.close()

    page.get_by_role("tab", name="FAQ 列表").click()
    page.get_by_label("状态", exact=True).select_option("retired")
    sync_api.expect(page.locator("#faq-table tbody tr").filter(has_text=question)).to_contain_text("已下线")
    page.get_by_label("搜索", exact=True).fill("没有这样的问题xyz")
    sync_api.expect(page.locator("#list-count")).to_have_text("没有符合条件的 FAQ。")


def test_editor_filter_labels_come_from_the_vocabularies_endpoint(page, server):
    words = server.api("GET", "/v1/meta/vocabularies", role=None).json()
    signin(page, server, "editor", "editor")
    for select, vocabulary in (("#f-status", "faq_statuses"), ("#f-audience", "audiences")):
        options = page.locator(f"{select} option")
        sync_api.expect(options).to_have_count(1 + len(words[vocabulary]))
        assert options.all_inner_texts() == ["全部"] + [w["label"] for w in words[vocabulary]]
        assert [o.get_attribute("value") for o in options.all()] == [""] + [w["value"] for w in words[vocabulary]]
    # The page keeps no copy of its own: a label renamed by the service is what the editor sees.
    renamed = json.loads(json.dumps(words))
    renamed["faq_statuses"][0]["label"] = "草稿（新名）"
    page.route("**/v1/meta/vocabularies", lambda route: route.fulfill(json=renamed))
    page.reload()
    sync_api.expect(page.locator("#f-status option").nth(1)).to_have_text("草稿（新名）")


def test_faq_markup_is_shown_as_text_everywhere(page, server):
    created = server.api("POST", "/v1/faqs", json={
        "question": XSS_QUESTION, "answer": XSS_ANSWER, "citations": [GOOD_CITATION],
        "topic": "<i>topic</i>", "alternatives": ["<svg onload=alert(3)>"]}).json()
    faq_id = created["id"]
    for action in ("submit", "publish"):
        assert server.api("POST", f"/v1/faqs/{faq_id}/{action}").status_code == 200
    try:
        portal_ask(page, server, XSS_QUESTION)
        answer = page.locator("#answer")
        assert answer_kind(page) == "标准答复"
        sync_api.expect(answer.locator(".answer-text")).to_have_text(XSS_ANSWER)
        assert answer.locator("img, script, svg").count() == 0

        signin(page, server, "agent", "agent")
        page.get_by_role("textbox", name="来电人原话").fill(XSS_QUESTION)
        card = page.locator("#top-card")
        sync_api.expect(card.locator(".answer-text")).to_have_text(XSS_ANSWER)
        assert card.locator("img, script").count() == 0

        signin(page, server, "editor", "editor")
        row = page.locator("#faq-table tbody tr", has_text="转让给城里人")
        sync_api.expect(row).to_contain_text(XSS_QUESTION)
        sync_api.expect(row).to_contain_text("<i>topic</i>")
        row.get_by_role("button").click()
        sync_api.expect(page.get_by_role("textbox", name="答复", exact=True)).to_have_value(XSS_ANSWER)
        preview = page.locator("#preview")
        sync_api.expect(preview.locator(".answer-text")).to_have_text(XSS_ANSWER)
        sync_api.expect(preview).to_contain_text(XSS_QUESTION)
        assert preview.locator("img, script, b").count() == 0
        assert page.locator("#faq-table b, #faq-table i, #faq-table script").count() == 0
        assert page.evaluate("() => window.__xss === undefined")
    finally:
        server.api("POST", f"/v1/faqs/{faq_id}/retire")


# ---------- editor: import / export ----------

def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def test_editor_imports_and_exports_faqs(page, server, tmp_path, shots):
    before = len(server.api("GET", "/v1/faqs?limit=500").json())
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_csv([["问题", "答复", "引用依据", "受众"],
                          ["导入测试问题一", "答复一", GOOD_CITATION, "公众"],
                          ["导入测试问题二", "", "", "坐席"],
                          ["导入测试问题三", "答复三", "no-such-law/a1", "市长"]]))
    signin(page, server, "editor", "editor")
    page.get_by_role("tab", name="导入导出").click()
    page.get_by_label("选择文件（.csv 或 .xlsx）").set_input_files(str(bad))
    page.get_by_role("button", name="导入", exact=True).click()
    result = page.locator("#import-result")
    sync_api.expect(result).to_contain_text("未导入任何内容")
    rows = result.locator("tbody tr")
    sync_api.expect(rows).to_have_count(3)
    texts = rows.all_inner_texts()
    assert "第 3 行" in texts[0] and "答复不能为空" in texts[0]
    assert any("第 4 行" in t and "no-such-law/a1" in t for t in texts)
    assert any("第 4 行" in t and "市长" in t for t in texts)
    assert len(server.api("GET", "/v1/faqs?limit=500").json()) == before  # nothing half-imported

    good = tmp_path / "good.csv"
    good.write_bytes(_csv([["问题", "其他问法", "答复", "引用依据", "主题", "受众", "有效期至"],
                           ["导入测试问题一", "问法甲\n问法乙", "答复一", GOOD_CITATION, "导入", "公众", "2099-12-31"],
                           ["=导入测试问题二", "", "答复二", f"{GOOD_CITATION}；land-administration-law/a63", "导入", "坐席", ""]]))
    page.get_by_label("选择文件（.csv 或 .xlsx）").set_input_files(str(good))
    page.get_by_role("button", name="导入", exact=True).click()
    sync_api.expect(result).to_contain_text("已导入 2 条草稿")
    drafts = server.api("GET", "/v1/faqs?topic=导入&status=draft").json()
    assert sorted(f["question"] for f in drafts) == ["=导入测试问题二", "导入测试问题一"]
    assert next(f for f in drafts if f["question"] == "导入测试问题一")["alternatives"] == ["问法甲", "问法乙"]

    with page.expect_download() as download:
        page.get_by_role("button", name="导出 CSV").click()
    exported = Path(download.value.path()).read_bytes()
    table = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    assert table[0][:3] == ["问题", "其他问法", "答复"]
    assert ["导入测试问题一", "问法甲\n问法乙", "答复一"] == table[[r[0] for r in table].index("导入测试问题一")][:3]
    assert "'=导入测试问题二" in [r[0] for r in table]  # a formula-looking cell is defused

    with page.expect_download() as download:
        page.get_by_role("button", name="导出 XLSX").click()
    from openpyxl import load_workbook
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    assert [c.value for c in sheet[1]][:4] == ["问题", "其他问法", "答复", "引用依据"]
    assert "导入测试问题一" in [c.value for c in sheet["A"]]

    page.get_by_role("tab", name="FAQ 列表").click()
    sync_api.expect(page.locator("#faq-table tbody tr").filter(has_text="导入测试问题一")).to_contain_text("草稿")
    screenshot(page, shots / "editor-list.png")


# ---------- admin ----------

def test_admin_sees_versions_statistics_and_charts_and_rolls_back(page, server, shots):
    server.api("POST", "/v1/portal/ask", role=None, json={"question": "违法建设归谁查处"})
    signin(page, server, "admin", "admin")
    rows = page.locator("#index-table tbody tr")
    sync_api.expect(rows).to_have_count(2)
    live = rows.filter(has_text="使用中")
    sync_api.expect(live).to_have_count(1)
    docs = server.api("GET", "/v1/documents", role="admin").json()["documents"]
    totals = page.locator("#corpus-totals")
    sync_api.expect(totals).to_contain_text(str(len(docs)))
    sync_api.expect(totals).to_contain_text(str(sum(d["passages"] for d in docs)))
    sync_api.expect(page.locator("#chart-daily svg[role=img]")).to_have_count(1)
    sync_api.expect(page.locator("#chart-rates svg[role=img]")).to_have_count(1)
    sync_api.expect(page.locator("#chart-doctype svg[role=img]")).to_have_count(1)
    assert page.locator("#chart-daily rect.bar").count() == 30
    sync_api.expect(page.locator("#rate-totals")).to_contain_text("FAQ 命中率")
    sync_api.expect(page.locator("#top-table")).to_contain_text("违法建设归谁查处")
    screenshot(page, shots / "admin.png", full_page=True)

    old = rows.filter(has_text="20200101-000000-rollback")
    button = old.get_by_role("button", name="回滚到此版本")
    button.click()
    sync_api.expect(old.get_by_role("button", name="确认回滚？")).to_be_visible()
    old.get_by_role("button", name="确认回滚？").click()
    sync_api.expect(page.locator("#toast")).to_contain_text("已切换到索引 20200101-000000-rollback")
    sync_api.expect(rows.filter(has_text="20200101-000000-rollback")).to_contain_text("使用中")
    newer = rows.filter(has_not_text="20200101-000000-rollback")
    newer.get_by_role("button", name="启用此版本").click()
    newer.get_by_role("button", name="确认启用？").click()
    sync_api.expect(rows.filter(has_text="20200101-000000-rollback")).to_contain_text("可回滚")
    assert httpx.get(server.base + "/readyz").json()["index_version"] != "20200101-000000-rollback"


# ---------- stale FAQs: a changed article reaches the desk, the agents and the admin ----------

def test_a_changed_article_flags_its_faq_in_the_editor_with_a_diff(page, server, shots):
    """A new index version amends the article a published FAQ cites: the agent console warns, the
    editor's 待复核 queue shows the old and new text as a diff, the admin page counts it, and
    已复核 clears it."""
    cited = "surveying-and-mapping-law/a41"
    amendment = "违反本条规定的，依法予以处罚（修订新增）。"
    root = server.settings.index_path
    live = httpx.get(server.base + "/readyz").json()["index_version"]
    amended = "20991231-000000-amended"
    shutil.copytree(root / live, root / amended)
    lines = (root / amended / "passages.jsonl").read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        record = json.loads(line)
        if record["id"] == cited:
            old_text = record["text"]
            record["text"] = old_text + amendment
            lines[i] = json.dumps(record, ensure_ascii=False)
    (root / amended / "passages.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    question = "测量标志被人挪走了违法吗"
    faq_id = server.api("POST", "/v1/faqs", json={
        "question": question, "answer": "擅自移动永久性测量标志是违法行为。", "citations": [cited]}).json()["id"]
    try:
        for action in ("submit", "publish"):
            assert server.api("POST", f"/v1/faqs/{faq_id}/{action}").status_code == 200
        assert server.api("POST", f"/v1/indexes/{amended}/activate", role="admin").status_code == 200

        signin(page, server, "agent", "agent")
        page.get_by_role("textbox", name="来电人原话").fill(question)
        card = page.locator("#top-card")
        sync_api.expect(card.locator(".review-warning")).to_contain_text("依据已变更，待复核")
        sync_api.expect(card.locator(".badge-review")).to_have_text("依据待复核")
        sync_api.expect(card.locator(".citation summary").first).to_contain_text("条文已变更")
        sync_api.expect(page.locator("#status")).to_contain_text("依据待复核")
        screenshot(page, shots / "agent-review.png")

        signin(page, server, "admin", "admin")
        sync_api.expect(page.locator("#review-totals [data-reason=changed] dd")).to_have_text("1")
        sync_api.expect(page.locator("#review-totals")).to_contain_text("条文已变更")

        page.goto(server.base + "/editor")  # an admin key opens the desk too
        page.get_by_label("依据复核").select_option("true")
        sync_api.expect(page.locator("#faq-table tbody tr")).to_have_count(1)
        sync_api.expect(page.locator("#faq-table tbody tr")).to_contain_text("待复核：条文已变更")
        page.get_by_role("tab", name="待复核").click()
        item = page.locator("#review-list li.review-item").filter(has_text=question)
        sync_api.expect(item).to_contain_text("《中华人民共和国测绘法》第四十一条")
        sync_api.expect(item).to_contain_text("条文已变更")
        sync_api.expect(item.locator("ins")).to_have_text(amendment)  # the new words, and nothing else
        assert item.locator("del").count() == 0
        assert old_text[:20] in item.locator(".diff-text").inner_text()
        screenshot(page, shots / "editor-review.png", full_page=True)

        item.get_by_role("button", name="打开编辑").click()  # the same diff above the form
        sync_api.expect(page.locator("#review-box")).to_be_visible()
        sync_api.expect(page.locator("#review-box ins")).to_have_text(amendment)
        sync_api.expect(page.locator("#faq-meta")).to_contain_text("待复核：条文已变更")
        sync_api.expect(page.locator("#history li").last).to_contain_text("标记待复核 · 系统")
        page.get_by_role("tab", name="待复核").click()
        item.get_by_role("button", name="已复核").click()
        sync_api.expect(page.locator("#toast")).to_contain_text("已复核")
        sync_api.expect(page.locator("#review-summary")).to_have_text("没有待复核的 FAQ：引用的条文都与审核时一致。")
        faq = server.api("GET", f"/v1/faqs/{faq_id}").json()
        assert faq["review_reason"] is None and faq["status"] == "published"
    finally:
        server.api("POST", f"/v1/faqs/{faq_id}/retire")  # before the rollback, which would flag it again
        server.api("POST", f"/v1/indexes/{live}/activate", role="admin")
        shutil.rmtree(root / amended)
