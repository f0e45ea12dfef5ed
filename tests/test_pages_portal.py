"""The citizen portal and the agent console as their users work them, in a real browser: Debian's
chromium driven by Playwright against a live uvicorn server on 127.0.0.1 with a temporary SQLite
database and a private copy of the session's index (set up as in tests/test_pages.py).

The portal: a question over the limit is counted and refused, never cut; Enter sends and
Shift+Enter starts a line; /?q= asks again; one refusal block; citations with their document's
效力, 施行日期 and source. The console: suggestions while typing, one query-log entry per settled
question; 清空 leaves nothing of the last caller; a reload keeps the call; the nav by role.
"""

import json
import shutil
import time
import uuid
from urllib.parse import quote, urlparse

import pytest
from sqlalchemy import func, select

from api.app import create_app
from assistant.db import Feedback, QueryLog
from assistant.keys import create_key
from assistant.text_fields import MAX_QUESTION_CHARS
from ingest.publish import activate_version
from tests.conftest import make_settings
from tests.live_server import running
from tests.test_pages import DESKTOP, Watch, browser, sync_api  # noqa: F401 (browser: a fixture)

expect = sync_api.expect
ONLINE_URL = "https://www.example.gov.cn/12345/liuyan"
OFFICIAL_URL = "https://www.npc.gov.cn/npc/c2/c30834/201909/t20190905_300663.html"
OFFICIAL_DOC = "land-administration-law"  # its passages get OFFICIAL_URL, as if crawled and merged
SETTLE_SECONDS = 1.5
HOMESTEAD = "农村一户能有几处宅基地？"
LAND_62 = "《中华人民共和国土地管理法》第六十二条"

class Server:
    def __init__(self, base: str, settings, app):
        self.base, self.settings, self.app = base, settings, app

    def key(self, role: str = "agent") -> str:
        """A key of its own per test, so the service's typing sessions never join two tests."""
        with self.app.state.hotline.sessions() as s:
            secret = create_key(s, role, f"{role}-{uuid.uuid4().hex[:8]}")[1]
            s.commit()
        return secret

    def last_log_id(self) -> int:
        with self.app.state.hotline.sessions() as s:
            return s.scalar(select(func.max(QueryLog.id))) or 0

    def logged_since(self, log_id: int, channel: str = "agent") -> list[QueryLog]:
        with self.app.state.hotline.sessions() as s:
            return list(s.scalars(select(QueryLog).where(QueryLog.id > log_id, QueryLog.channel == channel)
                                  .order_by(QueryLog.id)))


@pytest.fixture(scope="module")
def server(built, model, tmp_path_factory):
    """A live server over a private copy of the session index in which one statute links its
    official page (as a crawled version merged into the bundled one would)."""
    index_settings, result = built
    tmp = tmp_path_factory.mktemp("portal-pages")
    root = tmp / "indexes"
    root.mkdir()
    shutil.copytree(index_settings.index_path / result.version, root / result.version)
    passages = root / result.version / "passages.jsonl"
    lines = passages.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        record = json.loads(line)
        if record["metadata"]["doc_id"] == OFFICIAL_DOC:
            record["metadata"]["url"] = OFFICIAL_URL
            lines[i] = json.dumps(record, ensure_ascii=False)
    passages.write_text("\n".join(lines) + "\n", encoding="utf-8")

    settings = make_settings(tmp, index_root=root, database_url=f"sqlite:///{tmp}/pages.sqlite",
                             portal_rate_limit="10000/minute", agent_settle_seconds=SETTLE_SECONDS,
                             portal_online_url=ONLINE_URL)
    activate_version(settings, result.version)
    app = create_app(settings, model)
    with running(app) as base:
        state = app.state.hotline
        with state.sessions() as s:
            state.orders.classifier(s)  # built on first use (seconds): not inside a page's timeout
        yield Server(base, settings, app)


def new_page(browser, server):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.base)
    context.set_default_timeout(20_000)
    pg = context.new_page()
    pg.watch = Watch(pg)
    return pg


@pytest.fixture
def page(browser, server):
    pg = new_page(browser, server)
    yield pg
    pg.watch.check()
    pg.context.close()


def requests_to(page, path: str) -> list[dict]:
    """The JSON bodies the page sends to `path`, as they are sent."""
    sent: list[dict] = []
    page.on("request", lambda r: sent.append(json.loads(r.post_data or "null"))
            if urlparse(r.url).path == path else None)
    return sent


def ask(page, question: str) -> None:
    page.get_by_label("您的问题").fill(question)
    page.get_by_role("button", name="提问").click()
    expect(page.locator("#result")).to_have_attribute("aria-busy", "false")
    page.locator("#answer .badge").wait_for()


def signin(page, server, secret: str) -> None:
    page.goto(f"{server.base}/agent")
    page.wait_for_url("**/agent/signin")
    page.get_by_label("API 密钥").fill(secret)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/agent")


def wait_until(condition, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


# ---------- portal ----------

def test_a_question_over_the_limit_is_counted_and_refused_never_cut(page, server):
    asked = requests_to(page, "/v1/portal/ask")
    page.goto(server.base + "/")
    tail = "请问我家还能再申请一块宅基地吗？"
    question = ("我家在昌平区的村里，老宅是爷爷留下来的，" * 60)[:600 - len(tail)] + tail
    assert len(question) == 600
    box = page.get_by_label("您的问题")
    box.fill(question)
    counter = page.locator("#question-count")
    expect(counter).to_have_text(f"600/{MAX_QUESTION_CHARS}")
    expect(counter).to_have_class("char-count over")
    message = page.locator("#question-limit")
    expect(message).to_be_visible()
    expect(message).to_contain_text(f"超过 {MAX_QUESTION_CHARS} 字")
    expect(message).to_contain_text("600 字")
    expect(box).to_have_attribute("aria-invalid", "true")
    assert box.input_value() == question  # nothing cut: the question at its end is still there

    page.get_by_role("button", name="提问").click()
    box.press("Enter")
    page.wait_for_timeout(500)
    assert asked == []
    expect(page.locator("#result")).to_be_hidden()
    expect(page.locator("#ask-status")).to_contain_text(f"超过 {MAX_QUESTION_CHARS} 字")

    box.fill(question[-MAX_QUESTION_CHARS:])  # cut by the citizen, who keeps the end
    expect(counter).to_have_text(f"{MAX_QUESTION_CHARS}/{MAX_QUESTION_CHARS}")
    expect(message).to_be_hidden()
    box.press("Enter")
    page.locator("#answer .badge").wait_for()
    assert [a["question"] for a in asked] == [question[-MAX_QUESTION_CHARS:]]


def test_enter_asks_and_shift_enter_starts_a_new_line(page, server):
    asked = requests_to(page, "/v1/portal/ask")
    page.goto(server.base + "/")
    box = page.get_by_label("您的问题")
    box.click()
    page.keyboard.type("农村一户")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("能有几处宅基地？")
    expect(box).to_have_value("农村一户\n能有几处宅基地？")
    page.wait_for_timeout(300)
    assert asked == []
    page.keyboard.press("Enter")
    page.locator("#answer .badge").wait_for()
    assert [a["question"] for a in asked] == ["农村一户\n能有几处宅基地？"]
    expect(box).to_have_value("农村一户\n能有几处宅基地？")  # Enter asked, it added no line


def test_an_answer_has_an_address_that_asks_again_and_recent_questions_come_back(page, browser, server):
    page.goto(server.base + "/")
    ask(page, HOMESTEAD)
    assert page.evaluate("() => new URLSearchParams(location.search).get('q')") == HOMESTEAD
    page.get_by_role("button", name="复制本答复的链接").click()
    expect(page.locator("#toast")).to_contain_text("已复制本答复的链接")
    shared = page.evaluate("() => navigator.clipboard.readText()")
    assert shared == page.evaluate("() => location.href")
    first = page.locator("#answer .citation summary").all_inner_texts()

    other = new_page(browser, server)  # someone the link was sent to
    try:
        asked = requests_to(other, "/v1/portal/ask")
        other.goto(shared)
        other.locator("#answer .badge").wait_for()
        expect(other.get_by_label("您的问题")).to_have_value(HOMESTEAD)
        assert [a["question"] for a in asked] == [HOMESTEAD]
        assert other.locator("#answer .citation summary").all_inner_texts() == first
        other.watch.check()
    finally:
        other.context.close()

    ask(page, "违法建设归谁查处？")
    recent = page.locator("#recent-list button")
    expect(recent).to_have_text(["违法建设归谁查处？", HOMESTEAD])
    recent.nth(1).click()
    expect(page.get_by_label("您的问题")).to_have_value(HOMESTEAD)
    page.wait_for_function("q => new URLSearchParams(location.search).get('q') === q", arg=HOMESTEAD)
    expect(page.locator("#answer .citation").filter(has_text=LAND_62).first).to_be_visible()
    page.reload()  # the session's questions survive a reload, and the address asks again
    expect(recent).to_have_text([HOMESTEAD, "违法建设归谁查处？"])
    page.locator("#answer .badge").wait_for()

    markup = "<img src=x onerror=alert(1)>违法建设归谁查处"
    page.goto(server.base + "/?q=" + quote(markup))
    page.locator("#answer .badge").wait_for()
    expect(page.get_by_label("您的问题")).to_have_value(markup)
    expect(recent.first).to_have_text(markup)  # shown as text, never as markup
    assert page.locator("#recent img, #answer img").count() == 0


def test_a_refusal_says_so_once_with_one_way_onwards(page, server):
    page.goto(server.base + "/")
    ask(page, "明天北京的天气怎么样")
    answer = page.locator("#answer")
    expect(answer.locator(".badge")).to_have_text("未找到明确依据")
    assert answer.inner_text().count("未找到明确依据") == 1
    expect(page.locator("#help")).to_be_hidden()  # the card carries the same ways onwards
    expect(page.locator("main .escalation:visible")).to_have_count(1)
    expect(page.locator("main a[href='tel:12345']:visible")).to_have_count(1)
    online = page.locator("main a:visible", has_text="网上留言")
    expect(online).to_have_count(1)
    assert online.get_attribute("href") == ONLINE_URL
    assert online.get_attribute("rel") == "noopener noreferrer"
    shown = page.locator("main").inner_text()
    assert shown.count("您可以") == 1 and shown.count("市民服务热线") == 1, shown
    assert "建议转人工坐席" not in shown  # the agents' escalation sentence is not the citizen's
    expect(answer).to_contain_text("这里只解答规划和自然资源方面的问题")  # the topic's own referral

    ask(page, "个税怎么申报")  # another department's question: its referral, once
    shown = page.locator("main").inner_text()
    assert shown.count("12366") == 1 and shown.count("您可以") == 1, shown

    ask(page, HOMESTEAD)  # with an answer, the page's own help is back, 12345 dialable
    help_ = page.locator("#help")
    expect(help_).to_be_visible()
    assert help_.get_by_role("link", name="12345").get_attribute("href") == "tel:12345"
    assert help_.get_by_role("link", name="网上留言").get_attribute("href") == ONLINE_URL


def test_citations_show_status_effective_date_and_their_source(page, server):
    page.goto(server.base + "/")
    ask(page, HOMESTEAD)
    citation = page.locator("#answer .citation").filter(has_text=LAND_62).first
    expect(citation.locator("summary")).to_contain_text("现行有效")
    citation.locator("summary").click()
    expect(citation.locator(".citation-meta")).to_have_text("效力：有效 · 施行日期：2020年1月1日")
    official = citation.get_by_role("link", name="查看原文（官方发布）")
    assert official.get_attribute("href") == OFFICIAL_URL

    # A bundled statute without an official page links its mirror, labelled as a copy; the
    # agent console's related passages say the same.
    signin(page, server, server.key())
    page.get_by_role("textbox", name="来电人原话").fill("违法建设归谁查处")
    mirrored = page.locator("#passages li.passage").filter(has_not_text="土地管理法").first
    mirrored.locator("summary").click()
    expect(mirrored.locator("summary")).to_contain_text("现行有效")
    expect(mirrored.locator(".citation-meta")).to_contain_text("施行日期：")
    copy = mirrored.get_by_role("link", name="法规库副本")
    assert copy.get_attribute("href").startswith("https://github.com/LawRefBook/Laws/")
    expect(mirrored).to_contain_text("非官方发布文本")
    card = page.locator("#top-card .citation").first
    expect(card.locator("summary")).to_contain_text("现行有效")


# ---------- agent console ----------

def test_a_sentence_typed_in_sixteen_chunks_is_logged_once(page, server):
    signin(page, server, server.key())
    suggests = requests_to(page, "/v1/agent/suggest")
    since = server.last_log_id()
    sentence = "喂你好，我想问一下，我们村里有人在耕地上盖房子，这个归谁管？"
    n = len(sentence)
    caller = page.get_by_role("textbox", name="来电人原话")
    for i in range(16):  # 16 chunks, each followed by a pause that a suggestion answers
        caller.press_sequentially(sentence[i * n // 16:(i + 1) * n // 16])
        page.wait_for_timeout(400)
    card = page.locator("#top-card")
    expect(card).to_contain_text("《中华人民共和国土地管理法》")
    assert server.logged_since(since) == [], "nothing is logged while the agent is still typing"
    live = [s for s in suggests if s["settled"] is False]
    assert len(live) >= 8, f"suggestions stay live while typing: {len(live)} requests"

    entries = wait_until(lambda: server.logged_since(since), timeout=SETTLE_SECONDS + 10)
    assert [e.query for e in entries] == [page.locator("#query-used").inner_text()]
    assert "耕地上盖房子" in entries[0].query
    page.wait_for_timeout(int(SETTLE_SECONDS * 1000) + 500)
    assert len(server.logged_since(since)) == 1
    assert [s["transcript"] for s in suggests if s["settled"]] == [sentence]
    history = page.locator("#call-history li")
    expect(history).to_have_count(1)
    expect(history.first).to_contain_text("耕地上盖房子")
    expect(page.locator("#order-suggestion dt").first).to_have_text("诉求分类")

    page.get_by_role("button", name="有用").click()  # the rating is tied to that one entry
    expect(page.locator("#toast")).to_contain_text("已记录评价")
    with server.app.state.hotline.sessions() as s:
        assert s.scalar(select(Feedback.query_log_id).order_by(Feedback.id.desc()).limit(1)) == entries[0].id
    assert len(server.logged_since(since)) == 1


def test_clear_leaves_nothing_of_the_last_caller(page, server):
    signin(page, server, server.key())
    since = server.last_log_id()
    caller = page.get_by_role("textbox", name="来电人原话")
    caller.fill("征收农民集体土地要公告多少天")
    card = page.locator("#top-card")
    expect(card.locator(".citation").first).to_be_visible()
    page.keyboard.press("Control+Enter")  # sent: logged at once, not after the pause
    history = page.locator("#call-history li")
    expect(history).to_have_count(1)
    expect(history.first).to_contain_text("问：征收农民集体土地要公告多少天")
    assert len(server.logged_since(since)) == 1
    page.keyboard.press("Alt+KeyC")
    expect(page.locator("#toast")).to_contain_text("已复制答复")
    expect(history).to_have_count(2)
    expect(history.nth(1)).to_contain_text("已复制：")
    first_reply = page.evaluate("() => navigator.clipboard.readText()")
    order = page.locator("#order-suggestion dt")
    expect(order.first).to_have_text("诉求分类")

    page.get_by_role("button", name="清空").click()
    expect(caller).to_have_value("")
    expect(card).to_have_text("输入来电人的问题后，这里显示标准答复或依据条文整理的答复话术。")
    expect(page.locator("#card-actions")).to_be_hidden()
    expect(page.locator("#passages li")).to_have_count(0)
    expect(page.locator("#query-used")).to_have_text("—")
    expect(history).to_have_count(1)
    expect(history.first).to_have_text("本次通话还没有确定的问题。")
    expect(order).to_have_count(0)
    assert page.evaluate("() => sessionStorage.getItem('hotline.agent.call')") is None

    page.evaluate("() => navigator.clipboard.writeText('剪贴板原有内容')")
    page.keyboard.press("Alt+KeyC")  # the last caller's reply is gone: nothing to copy
    page.wait_for_timeout(500)
    assert page.evaluate("() => navigator.clipboard.readText()") == "剪贴板原有内容"

    caller.fill("房本丢了怎么补办")
    expect(card.locator(".citation").first).to_be_visible()
    page.keyboard.press("Alt+KeyC")
    expect(history).to_have_count(2)
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied != first_reply and "依据：" in copied
    assert "征收" not in page.locator("#call-history").inner_text()


def test_the_callers_words_survive_a_reload(page, server):
    signin(page, server, server.key())
    caller = page.get_by_role("textbox", name="来电人原话")
    caller.fill("农村一户能有几处宅基地")
    card = page.locator("#top-card")
    expect(card.locator(".citation").first).to_be_visible()
    page.get_by_role("button", name="确认问题").click()
    expect(page.locator("#call-history li")).to_have_count(1)
    expect(page.locator("#order-suggestion dt").first).to_have_text("诉求分类")
    since = server.last_log_id()

    page.reload()
    expect(caller).to_have_value("农村一户能有几处宅基地")
    expect(card.locator(".citation").filter(has_text=LAND_62).first).to_be_visible()
    expect(page.locator("#call-history li").first).to_contain_text("问：农村一户能有几处宅基地")
    expect(page.locator("#order-suggestion dt").first).to_have_text("诉求分类")
    page.wait_for_timeout(int(SETTLE_SECONDS * 1000) + 500)
    assert server.logged_since(since) == []  # the same question is not logged again


@pytest.mark.parametrize("role, areas", [
    ("agent", ["坐席工作台", "工单办理"]),
    ("editor", ["坐席工作台", "工单办理", "FAQ 编辑台"]),
    ("admin", ["坐席工作台", "工单办理", "FAQ 编辑台", "系统管理"]),
])
def test_the_nav_offers_only_the_areas_the_role_may_enter(page, server, role, areas):
    signin(page, server, server.key(role))
    expect(page.locator(".staff-nav a:visible")).to_have_text(areas)
