"""Work orders on SQLite and PostgreSQL: lifecycle rules, deadlines over holidays, the 12345
import (idempotent, all or nothing), masking, and the 三率 against a hand-computed case."""

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from assistant.db import BEIJING, WorkOrder, WorkOrderEvent
from assistant.errors import Conflict, Invalid
from assistant.settings import PROJECT_ROOT
from assistant.spreadsheets import RowsRejected
from assistant.workorders import importer, lifecycle, stats
from assistant.workorders.deadlines import Calendar, TimeLimits, deadline_state
from assistant.workorders.orders import mask_phone, order_view

FOLDER = PROJECT_ROOT / "corpora" / "workorders"
MAPPING = importer.Mapping.load(FOLDER / "mapping-12345.yaml")
LIMITS = TimeLimits.load(FOLDER / "time_limits.yaml")
CALENDAR = Calendar.load(FOLDER / "calendar.yaml")
HEADER = ["工单编号", "受理时间", "来源渠道", "诉求人", "联系电话", "所属区", "诉求类型", "诉求内容", "承办单位", "热线标签"]


def bj(*args) -> datetime:
    return datetime(*args, tzinfo=BEIJING)


def export(*rows: list[str], header=HEADER) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    return buffer.getvalue().encode("utf-8-sig")


def row(number="2026110300001", received="2026-11-03 09:12:00", kind="咨询",
        content="我家宅基地上的老房子想翻建，需要办什么手续？电话13812345678", phone="13812345678"):
    return [number, received, "电话", "张三丰", phone, "昌平区", kind, content, "昌平分局", "重点"]


def load(s, data: bytes, actor="importer"):
    parsed = importer.parse_orders(data, "csv", MAPPING, LIMITS, CALENDAR)
    return importer.import_orders(s, parsed, actor)


# ---------- deadlines ----------

def test_working_days_skip_weekends_and_holidays_and_count_make_up_days():
    # Thursday 2026-09-24: Fri 25 is 中秋, then a weekend, so the 2nd working day is Tue 29.
    assert CALENDAR.add_working_days(bj(2026, 9, 24, 10), 2) == bj(2026, 9, 29, 23, 59, 59)
    # Over 国庆: received Wed 30 Sep, holidays 1–7 Oct, Sat 10 Oct is a make-up working day.
    assert CALENDAR.add_working_days(bj(2026, 9, 30, 16), 2) == bj(2026, 10, 9, 23, 59, 59)
    assert CALENDAR.add_working_days(bj(2026, 9, 30, 16), 3) == bj(2026, 10, 10, 23, 59, 59)
    assert CALENDAR.is_workday(date(2026, 9, 20)) and not CALENDAR.is_workday(date(2026, 10, 5))
    assert CALENDAR.add_working_days(bj(2026, 9, 30, 16), 4) == bj(2026, 10, 12, 23, 59, 59)  # 8, 9, 10, 12


def test_time_limits_by_type_and_by_category():
    assert LIMITS.days_for("consult") == 3
    assert LIMITS.days_for("complaint") == 15
    assert LIMITS.days_for("consult", ("地质灾害", "x", "y")) == 1


def test_deadline_state():
    now = bj(2026, 11, 3, 12)
    assert deadline_state(now - timedelta(minutes=1), now, True) == "overdue"
    assert deadline_state(now + timedelta(hours=5), now, True) == "due_soon"
    assert deadline_state(now + timedelta(days=3), now, True) == ""
    assert deadline_state(now - timedelta(days=3), now, False) == ""


# ---------- lifecycle ----------

def _order(s, number="2026110300001", **overrides):
    result = load(s, export(row(number=number, **overrides)))
    return result.orders[0]


def test_the_whole_lifecycle_records_every_step(db_session):
    s = db_session
    order = _order(s)
    assert (order.status, order.due_at) == ("pending", bj(2026, 11, 6, 23, 59, 59))  # 3 working days
    lifecycle.act(s, order, "accept", "李四")
    lifecycle.act(s, order, "extend", "李四", "需现场勘查", due_at=bj(2026, 11, 13, 23, 59, 59))
    lifecycle.act(s, order, "urge", "王主任", "请尽快答复")
    lifecycle.act(s, order, "reply", "李四", "经核实，翻建需向乡镇申请乡村建设规划许可证。")
    lifecycle.act(s, order, "to_visit", "李四")
    lifecycle.act(s, order, "visit", "回访员", contacted=True, resolved=True, satisfaction="satisfied")
    s.commit()
    assert order.status == "archived" and order.reply.startswith("经核实") and order.replied_at is not None
    actions = [e.action for e in s.scalars(select(WorkOrderEvent).where(WorkOrderEvent.order_id == order.id)
                                           .order_by(WorkOrderEvent.id))]
    assert actions == ["import", "accept", "extend", "urge", "reply", "to_visit", "visit"]


@pytest.mark.parametrize("status, action", [
    (status, action) for status in ("pending", "in_progress", "replied", "awaiting_visit", "archived", "returned")
    for action in lifecycle.TRANSITIONS if status not in lifecycle.TRANSITIONS[action][0]])
def test_every_illegal_transition_is_a_conflict_naming_the_status(db_session, status, action):
    order = _order(db_session)
    order.status = status
    with pytest.raises(Conflict) as err:
        lifecycle.act(db_session, order, action, "李四", "说明", handler="另一单位", due_at=order.due_at + timedelta(days=9),
                      contacted=False)
    assert err.value.code == "invalid_transition" and "当前状态" in err.value.message


def test_transfer_return_and_extend_need_their_reasons(db_session):
    s = db_session
    order = _order(s)
    with pytest.raises(Invalid, match="退单理由"):
        lifecycle.act(s, order, "return", "李四")
    with pytest.raises(Invalid, match="承办单位"):
        lifecycle.act(s, order, "transfer", "李四", "不属本单位职责")
    lifecycle.act(s, order, "transfer", "李四", "属区住建委职责", handler="海淀区住建委")
    assert (order.status, order.handler) == ("pending", "海淀区住建委")
    lifecycle.act(s, order, "accept", "赵六")
    with pytest.raises(Invalid, match="晚于"):
        lifecycle.act(s, order, "extend", "赵六", "需要时间", due_at=order.due_at - timedelta(days=1))
    other = _order(s, number="2026110300002")
    lifecycle.act(s, other, "return", "李四", "非本单位职责，申请派单异议")
    assert other.status == "returned"


def test_a_visit_that_did_not_reach_the_caller_cannot_carry_a_rating(db_session):
    s = db_session
    order = _order(s)
    for action in ("accept",):
        lifecycle.act(s, order, action, "李四")
    lifecycle.act(s, order, "reply", "李四", "已答复")
    lifecycle.act(s, order, "to_visit", "李四")
    with pytest.raises(Invalid, match="未联系上"):
        lifecycle.act(s, order, "visit", "回访员", contacted=False, satisfaction="satisfied")
    lifecycle.act(s, order, "visit", "回访员", contacted=False)
    assert order.status == "archived" and order.visit_contacted is False


# ---------- import ----------

def test_reimport_updates_and_never_duplicates(db_session):
    s = db_session
    first = load(s, export(row(), row(number="2026110300002", kind="投诉")))
    s.commit()
    assert (first.created, first.updated) == (2, 0)
    again = load(s, export(row(), row(number="2026110300002", kind="投诉", content="补充：违建还在继续施工")))
    s.commit()
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    assert s.scalar(select(func.count()).select_from(WorkOrder)) == 2
    order = s.scalar(select(WorkOrder).where(WorkOrder.number == "2026110300002"))
    assert order.content == "补充：违建还在继续施工" and order.extra == {"热线标签": "重点"}


def test_one_bad_row_rejects_the_file_with_every_problem(db_session):
    s = db_session
    data = export(row(), row(number="2026110300002", kind="闲聊"), row(number="2026110300003", received="昨天"),
                  row(number="2026110300001"), row(number="2026110300004", content=""))
    with pytest.raises(RowsRejected) as err:
        load(s, data)
    problems = {(e.row, e.column) for e in err.value.errors}
    assert problems == {(3, "诉求类型"), (4, "受理时间"), (5, "工单编号"), (6, "诉求内容")}
    assert s.scalar(select(func.count()).select_from(WorkOrder)) == 0


def test_missing_required_columns_and_empty_files_are_refused():
    with pytest.raises(RowsRejected, match="表头缺少列：工单编号"):
        importer.parse_orders(export(row()[1:], header=HEADER[1:]), "csv", MAPPING, LIMITS, CALENDAR)
    with pytest.raises(RowsRejected, match="空"):
        importer.parse_orders(b"", "csv", MAPPING, LIMITS, CALENDAR)


def test_a_push_with_field_names_parses_like_a_file():
    table = importer.records_table([{"number": "A1", "received_at": "2026-11-03 08:00", "request_type": "求助",
                                     "content": "山上有石头滚落", "来电标记": "紧急"}])
    (values, extra), = importer.parse_table(table, MAPPING, LIMITS, CALENDAR)
    assert (values["request_type"], extra) == ("help", {"来电标记": "紧急"})


# ---------- masking ----------

def test_contact_data_is_masked_for_roles_without_the_right(db_session):
    order = _order(db_session)
    hidden = order_view(order, bj(2026, 11, 3, 12), contact=False)
    assert hidden["caller_phone"] == mask_phone("13812345678") == "138****5678"
    assert hidden["caller_name"] == "张**" and "13812345678" not in hidden["content"]
    shown = order_view(order, bj(2026, 11, 3, 12), contact=True)
    assert (shown["caller_phone"], shown["caller_name"]) == ("13812345678", "张三丰")


# ---------- statistics ----------

def test_rates_on_a_hand_computed_case(db_session):
    s = db_session
    rows = [row(number=f"N{i}", received=f"2026-11-0{i} 09:00:00") for i in range(2, 9)]
    orders = load(s, export(*rows)).orders
    # N2 archived, reached, resolved, satisfied, answered on time
    # N3 archived, reached, unresolved, dissatisfied, answered late
    # N4 archived, not reached
    # N5 replied on time, not visited     N6 in progress     N7 pending     N8 returned (left out)
    for o in orders[:5]:
        lifecycle.act(s, o, "accept", "a")
    for o in orders:
        o.due_at = bj(2099, 1, 1)  # replies are stamped now: far-off deadlines are met
    orders[1].due_at = bj(2026, 11, 1)
    for o in orders[:4]:
        lifecycle.act(s, o, "reply", "a", "答复")
    for o in orders[:3]:
        lifecycle.act(s, o, "to_visit", "a")
    lifecycle.act(s, orders[0], "visit", "v", contacted=True, resolved=True, satisfaction="satisfied")
    lifecycle.act(s, orders[1], "visit", "v", contacted=True, resolved=False, satisfaction="dissatisfied")
    lifecycle.act(s, orders[2], "visit", "v", contacted=False)
    lifecycle.act(s, orders[6], "return", "a", "非本单位职责")
    s.commit()
    got = stats.rates(s, stats.Period.month(2026, 11))
    # 6 orders (N8 returned is out); taken up: N2–N6 = 5; answered 4, on time 3; judged 2, resolved 1; rated 2, pleased 1
    assert got == {"orders": 6, "response_rate": round(5 / 6, 4), "on_time_rate": 0.75,
                   "resolution_rate": 0.5, "satisfaction_rate": 0.5}
    assert stats.rates(s, stats.Period.month(2026, 10))["satisfaction_rate"] is None


def test_breakdown_has_month_on_month_and_year_on_year(db_session):
    s = db_session
    load(s, export(row(number="A", received="2026-11-03 09:00"), row(number="B", received="2026-11-04 09:00"),
                   row(number="C", received="2026-10-04 09:00"), row(number="D", received="2025-11-20 09:00"),
                   row(number="E", received="2026-11-05 09:00", kind="投诉")))
    s.commit()
    by_type = {r["key"]: r for r in stats.breakdown(s, stats.Period.month(2026, 11), "request_type")}
    assert by_type["consult"] == {"key": "consult", "count": 2, "previous": 1, "year_before": 1, "mom": 1.0, "yoy": 1.0}
    assert by_type["complaint"]["mom"] is None
    assert stats.Period.month(2026, 3).previous() == stats.Period.month(2026, 2)
    assert stats.Period.month(2026, 1).year_before() == stats.Period.month(2025, 1)


# ---------- high-frequency issues and the report ----------

SIMILAR_COMPLAINTS = ["小区楼顶有人私搭乱建阳光房，物业不管，电话{p}", "我们楼顶有业主违法搭建阳光房，请来拆除",
                      "楼顶私搭阳光房违建，住户反映多次没人管", "举报楼顶搭建阳光房，属于违法建设吧"]


BACKGROUND = ["房本丢了怎么补办", "宅基地能不能卖给城里人", "山体滑坡隐患谁来管", "查询不动产登记信息要带什么",
              "征地补偿款什么时候发放", "村里占用耕地建厂房", "小区规划变更没有公示", "测绘标志被施工破坏",
              "矿山开采噪音扰民", "林地被人砍伐树木", "政府信息公开申请超期未答复", "物业费收费标准不合理",
              "二手房过户需要多长时间", "农村建房审批流程", "拆迁安置房迟迟不交付", "地下室被改成群租房",
              "公园绿地被占用建停车场", "河道旁边私建养殖场", "学校周边规划建设加油站", "老旧小区加装电梯规划许可"]


def _month_of_orders(s):
    rows = []
    for i in range(24):  # 24 similar complaints in November, 2 in October: a hot spot
        text = SIMILAR_COMPLAINTS[i % 4].format(p="13912345678")
        rows.append(row(number=f"H{i}", received=f"2026-11-{1 + i % 28:02d} 10:00:00", kind="投诉", content=text))
    rows += [row(number=f"P{i}", received="2026-10-10 10:00:00", kind="投诉", content=SIMILAR_COMPLAINTS[i])
             for i in range(2)]
    rows += [row(number=f"Q{i}", received=f"2026-11-{1 + i % 28:02d} 09:00:00", content=text) for i, text in enumerate(
        BACKGROUND * 2)]
    rows += [row(number=f"R{i}", received=f"2026-10-{1 + i % 28:02d} 09:00:00", content=text) for i, text in enumerate(
        BACKGROUND * 2)]  # the same everyday mix the month before: not a hot spot
    for order in load(s, export(*rows)).orders:
        order.street = "回龙观街道" if order.number.startswith("H") else "天通苑北街道"
    s.commit()


@pytest.fixture(scope="module")
def encode():
    from assistant.encoder import OnnxQueryEncoder
    from assistant.settings import Settings

    settings = Settings()
    return OnnxQueryEncoder(settings.query_model_path, 2), settings.calibration.order_group_threshold


def test_similar_orders_group_into_a_hot_issue(db_session, encode):
    from assistant.workorders import hotspots

    _month_of_orders(db_session)
    issues = hotspots.high_frequency(db_session, stats.Period.month(2026, 11), *encode)
    top = issues[0]
    assert top.count >= 20 and top.previous == 2 and top.hot and "阳光房" in top.text
    assert [r["street"] for r in hotspots.hot_streets(db_session, stats.Period.month(2026, 11))] == ["回龙观街道"]


def test_the_monthly_report_has_its_parts_and_no_personal_data(db_session, encode):
    from docx import Document
    from openpyxl import load_workbook

    from assistant.workorders import report

    _month_of_orders(db_session)
    period = stats.Period.month(2026, 11)
    figures = report.gather(db_session, period, report.title_for(period, "month"), *encode)
    doc = Document(io.BytesIO(report.render_docx(figures)))
    text = "\n".join(p.text for p in doc.paragraphs) + "".join(
        c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert "2026年11月规划和自然资源领域接诉即办月报" in text
    for part in ("一、总体情况", "二、分类统计", "三、高频问题与典型案例", "四、办理情况与三率", "五、问题分析与建议"):
        assert part in text
    assert "13912345678" not in text and "13812345678" not in text and "张三丰" not in text
    assert "突发热点" in text and len(doc.inline_shapes) >= 1  # the charts
    book = load_workbook(io.BytesIO(report.render_xlsx(figures)))
    assert {"三率", "一级分类", "每日", "高频问题"} <= set(book.sheetnames)
