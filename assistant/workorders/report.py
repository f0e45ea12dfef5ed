"""The monthly report (月报), a special issue over any date range (专刊) and the year summary:
a DOCX with the standard parts and charts, and an XLSX of the same figures.

Parts: 一、总体情况  二、分类统计  三、高频问题与典型案例  四、办理情况与三率  五、问题分析与建议.
Typical cases are quoted with personal data redacted; callers' names and phones never appear.
"""

import io
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from assistant.redact import redact
from assistant.vocabularies import label
from assistant.workorders import hotspots, stats

CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
RATE_NAMES = {"response_rate": "响应率", "on_time_rate": "按时答复率", "resolution_rate": "解决率",
              "satisfaction_rate": "满意率"}
LABELLED = {"request_type": "request_types", "status": "order_statuses"}


@dataclass
class Figures:
    title: str
    period: stats.Period
    rates: dict
    previous_rates: dict
    breakdowns: dict[str, list[dict]]
    daily: list[tuple[str, int]]
    issues: list[hotspots.Issue]
    streets: list[dict]


def title_for(period: stats.Period, kind: str) -> str:
    subject = "规划和自然资源领域接诉即办"
    if kind == "month":
        return f"{period.start:%Y年%m月}{subject}月报"
    if kind == "year":
        return f"{period.start:%Y年}{subject}年度总结"
    end = (period.end - timedelta(seconds=1)).date()
    return f"{subject}专刊（{period.start:%Y.%m.%d}—{end:%Y.%m.%d}）"


def gather(s: Session, period: stats.Period, title: str, encode: hotspots.Encode, threshold: float) -> Figures:
    breakdowns = {d: stats.breakdown(s, period, d) for d in
                  ("category_l1", "category_l2", "request_type", "district", "channel", "handler", "status")}
    for dimension, vocabulary in LABELLED.items():
        for row in breakdowns[dimension]:
            row["key"] = label(vocabulary, row["key"])
    return Figures(title, period, stats.rates(s, period), stats.rates(s, period.previous()), breakdowns,
                   stats.daily(s, period), hotspots.high_frequency(s, period, encode, threshold),
                   hotspots.hot_streets(s, period))


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _change(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:+.1f}%"


def _chart(kind: str, labels: list[str], values: list[float], title: str) -> io.BytesIO:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    font = font_manager.FontProperties(fname=CJK_FONT)
    fig, ax = plt.subplots(figsize=(6.4, 3.2), dpi=150)
    if kind == "line":
        ax.plot(range(len(values)), values, color="#1f5fa8", linewidth=1.6)
        step = max(1, len(labels) // 8)
        ax.set_xticks(range(0, len(labels), step), [labels[i][5:] for i in range(0, len(labels), step)])
    else:
        ax.barh(range(len(values))[::-1], values, color="#1f5fa8")
        ax.set_yticks(range(len(values))[::-1], labels, fontproperties=font, fontsize=8)
    ax.set_title(title, fontproperties=font)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    buffer.seek(0)
    return buffer


def _table(doc, header: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Light Grid Accent 1"
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = text
    for row in rows:
        for cell, text in zip(table.add_row().cells, row):
            cell.text = text


def _breakdown_rows(rows: list[dict], total: int, top: int = 15) -> list[list[str]]:
    return [[r["key"], str(r["count"]), _pct(r["count"] / total if total else None), _change(r["mom"]),
             _change(r["yoy"])] for r in rows[:top]]


def advice(f: Figures) -> list[str]:
    """Analysis sentences drawn from the figures (staff edit them before the report goes out)."""
    out = []
    top = f.breakdowns["category_l1"][:3]
    if top:
        out.append("诉求集中在" + "、".join(f"{r['key']}（{r['count']}件）" for r in top) + "，建议相关承办单位重点研判。")
    rising = [r for r in f.breakdowns["category_l1"] if r["mom"] is not None and r["mom"] >= 0.3 and r["count"] >= 20]
    if rising:
        out.append("环比增长明显的类别：" + "、".join(f"{r['key']}（{_change(r['mom'])}）" for r in rising) + "。")
    for key, name in RATE_NAMES.items():
        value, before = f.rates.get(key), f.previous_rates.get(key)
        if value is not None and before is not None and value < before - 0.03:
            out.append(f"{name}为 {_pct(value)}，较上期下降 {(before - value) * 100:.1f} 个百分点，需分析原因。")
    for street in f.streets[:5]:
        out.append(f"{street['street']}本期诉求 {street['count']} 件，上期 {street['previous']} 件，属异常增长，建议专项关注。")
    for issue in hotspots.hot_issues(f.issues)[:3]:
        out.append(f"突发热点：{redact(issue.text)[:40]}……（本期 {issue.count} 件，上期 {issue.previous} 件）。")
    return out or ["本期诉求总体平稳，未发现异常增长的类别或区域。"]


def render_docx(f: Figures) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name, style.font.size = "Noto Sans CJK SC", Pt(10.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Noto Sans CJK SC")
    heading = doc.add_heading(f.title, level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    end = (f.period.end - timedelta(seconds=1)).date()
    doc.add_paragraph(f"统计区间：{f.period.start.date():%Y年%m月%d日}至{end:%Y年%m月%d日}").alignment = WD_ALIGN_PARAGRAPH.CENTER
    total = f.rates["orders"]

    doc.add_heading("一、总体情况", level=1)
    before = f.previous_rates["orders"]
    change = "—" if not before else f"{(total - before) / before * 100:+.1f}%"
    doc.add_paragraph(f"本期共受理规划和自然资源领域诉求 {total} 件（不含退单），上期 {before} 件，环比 {change}。"
                      + "按诉求类型：" + "、".join(f"{r['key']} {r['count']} 件" for r in f.breakdowns["request_type"]) + "。")
    if f.daily:
        doc.add_picture(_chart("line", [d for d, _ in f.daily], [n for _, n in f.daily], "每日受理量"), width=Cm(15))

    doc.add_heading("二、分类统计", level=1)
    head = ["类别", "件数", "占比", "环比", "同比"]
    for dimension, name in (("category_l1", "一级分类"), ("category_l2", "二级分类"), ("district", "区"),
                            ("channel", "渠道"), ("handler", "承办单位")):
        doc.add_heading(name, level=2)
        rows = f.breakdowns[dimension]
        _table(doc, [name if h == "类别" else h for h in head], _breakdown_rows(rows, total))
        if dimension == "category_l1" and rows:
            top = rows[:10]
            doc.add_picture(_chart("bar", [r["key"] for r in top], [r["count"] for r in top], "一级分类件数"), width=Cm(15))

    doc.add_heading("三、高频问题与典型案例", level=1)
    if not f.issues:
        doc.add_paragraph("本期未形成集中反映的问题。")
    for issue in f.issues:
        trend = "新出现" if issue.previous == 0 else f"上期 {issue.previous} 件"
        doc.add_paragraph(f"{issue.category}：相似诉求 {issue.count} 件（{trend}）"
                          + ("，属突发热点" if issue.hot else "") + "。", style="List Number")
        doc.add_paragraph("典型案例：" + redact(issue.text)[:200])

    doc.add_heading("四、办理情况与三率", level=1)
    _table(doc, ["指标", "本期", "上期"], [[name, _pct(f.rates[k]), _pct(f.previous_rates[k])]
                                        for k, name in RATE_NAMES.items()])
    doc.add_paragraph("口径：响应率 = 已接单及之后环节的工单 ÷ 受理工单；按时答复率 = 在办理时限内答复 ÷ 已答复；"
                      "解决率 = 回访解决 ÷ 回访联系上并给出解决情况；满意率 = 满意与基本满意 ÷ 回访联系上并评价（均不含退单）。")
    status = f.breakdowns["status"]
    if status:
        doc.add_paragraph("工单状态：" + "、".join(f"{r['key']} {r['count']} 件" for r in status) + "。")

    doc.add_heading("五、问题分析与建议", level=1)
    for sentence in advice(f):
        doc.add_paragraph(sentence, style="List Bullet")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def render_xlsx(f: Figures) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "三率"
    sheet.append(["指标", "本期", "上期"])
    sheet.append(["受理量", f.rates["orders"], f.previous_rates["orders"]])
    for key, name in RATE_NAMES.items():
        sheet.append([name, f.rates[key], f.previous_rates[key]])
    names = {"category_l1": "一级分类", "category_l2": "二级分类", "request_type": "诉求类型", "district": "区",
             "channel": "渠道", "handler": "承办单位", "status": "状态"}
    for dimension, rows in f.breakdowns.items():
        sheet = book.create_sheet(names[dimension])
        sheet.append([names[dimension], "件数", "上期", "去年同期", "环比", "同比"])
        for r in rows:
            sheet.append([r["key"], r["count"], r["previous"], r["year_before"], r["mom"], r["yoy"]])
    sheet = book.create_sheet("每日")
    sheet.append(["日期", "件数"])
    for day, n in f.daily:
        sheet.append([day, n])
    sheet = book.create_sheet("高频问题")
    sheet.append(["类别", "件数", "上期", "突发热点", "典型案例"])
    for issue in f.issues:
        sheet.append([issue.category, issue.count, issue.previous, "是" if issue.hot else "否", redact(issue.text)[:300]])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
