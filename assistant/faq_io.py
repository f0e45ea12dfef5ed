"""FAQ import and export as CSV and XLSX.

Export writes every FAQ with Chinese column headers (UTF-8 with BOM for CSV, so Excel opens it
correctly), times in Beijing time and citations as people write them (《简称》第X条). Import
reads the same layout (Chinese or English headers), ignores bookkeeping columns (编号, 状态,
版本, …) and creates every row as a new draft. Citations may be passage ids or human citations
(《中华人民共和国土地管理法》第六十二条, 土地管理法第62条, 《土地管理法》第六十二条),
resolved against the live index's titles and article numbers (CitationResolver). It is all or
nothing: every row is checked first, and any problem is reported per row (row number as the
spreadsheet shows it, column, message) with nothing created; the caller commits the drafts in
one transaction. A row repeating an existing FAQ (or an earlier row) is not imported but
reported, so importing the same file twice creates nothing the second time.

Cells that a spreadsheet would run as a formula (starting with = + - @ or a tab) are written
with a leading apostrophe, which import strips again.
"""

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
from pydantic import ValidationError
from sqlalchemy.orm import Session

from assistant import faqs as store
from assistant.compose import short_title
from assistant.db import BEIJING, Faq
from assistant.numerals import cn_to_int
from assistant.passage import Passage
from assistant.spreadsheets import Format, RowError, RowsRejected, read_rows, unsafe_cell, write_table
from assistant.vocabularies import label

# (field, header) in export order; the first seven are what import reads.
COLUMNS: list[tuple[str, str]] = [
    ("question", "问题"), ("alternatives", "其他问法"), ("answer", "答复"), ("citations", "引用依据"),
    ("topic", "主题"), ("audience", "受众"), ("valid_until", "有效期至"),
    ("id", "编号"), ("status", "状态"), ("version", "版本"), ("author", "作者"), ("reviewer", "审核人"),
    ("updated_at", "更新时间"), ("published_at", "发布时间"),
]
IMPORTED = ("question", "alternatives", "answer", "citations", "topic", "audience", "valid_until")
LABELS = dict(COLUMNS)
HEADER_ALIASES = {**{field: field for field, _ in COLUMNS}, **{label: field for field, label in COLUMNS},
                  "答案": "answer", "相似问法": "alternatives", "依据": "citations", "引用": "citations"}
AUDIENCE_NAMES = {"public": "public", "agent": "agent", "公众": "public", "市民": "public", "坐席": "agent"}
MAX_ROWS = 2000
IN_FORCE = "有效"
EXAMPLE_ROW = ["农村一户能有几处宅基地？", "一户能批两块宅基地吗\n宅基地能有几处", "农村村民一户只能拥有一处宅基地。",
               "《土地管理法》第六十二条", "宅基地", "公众", ""]
# 《title》第X条 or title第X条; the title may hold 《》 itself (北京市实施《…》规定). The last 第X条 is the article.
NUMBER = "[0-9零〇一二两三四五六七八九十百千]+"
ARTICLE = re.compile(rf"(?P<title>.+)第(?P<number>{NUMBER})条")
BARE_ARTICLE = re.compile(rf"第{NUMBER}条")


# ---------- citations as people write them ----------

def _name(title: str) -> str:
    """A law's name as compared: NFKC, no 《》 and no spaces."""
    return "".join(unicodedata.normalize("NFKC", title).replace("《", "").replace("》", "").split())


class CitationResolver:
    """Citations in a spreadsheet -> passage ids of one index. Accepts a passage id, or a law named
    by its full title or its short one (without 中华人民共和国), with or without 《》, followed by
    第X条 in Arabic or Chinese numerals. Where one title names several documents, the one in force
    is meant; an article split in parts (款/项) is cited whole."""

    def __init__(self, passages: Sequence[Passage]):
        self.ids = {p.id for p in passages}
        self.titles: dict[str, str] = {}                       # doc id -> title
        self.status: dict[str, str] = {}                       # doc id -> 效力
        self.by_name: dict[str, set[str]] = defaultdict(set)   # name -> doc ids
        self.articles: dict[tuple[str, int], list[str]] = defaultdict(list)
        self.labels: dict[str, str] = {}                       # passage id -> 《简称》第X条
        for p in passages:
            self.titles[p.doc_id], self.status[p.doc_id] = p.title, p.status
            for name in (_name(p.title), _name(short_title(p.title))):
                self.by_name[name].add(p.doc_id)
            if p.article is not None:
                self.articles[(p.doc_id, p.article)].append(p.id)
                self.labels[p.id] = f"《{short_title(p.title)}》{p.label}"

    def resolve(self, text: str) -> tuple[list[str], str | None]:
        """(passage ids, None), or ([], why not) in Chinese."""
        text = text.strip()
        if text in self.ids:
            return [text], None
        match = ARTICLE.fullmatch(_name(text))
        if match is None:
            if "/" in text:  # the form of a passage id
                return [], f"引用的条文不存在：{text}"
            return [], f"无法识别「{text}」：请写条文编号，或如《土地管理法》第六十二条"
        number = match["number"]
        try:
            article = int(number) if number.isdigit() else cn_to_int(number)
        except ValueError:  # digits and Chinese numerals mixed: 第6十二条
            return [], f"「第{number}条」的条号无法识别：请写如 第六十二条 或 第62条"
        docs, problem = self._documents(match["title"])
        if problem:
            return [], problem
        ids = self.articles.get((docs, article))
        if not ids:
            return [], f"《{self.titles[docs]}》中没有第{number}条"
        return list(ids), None

    def _documents(self, name: str) -> tuple[str, str | None]:
        docs = self.by_name.get(name, set())
        if not docs:
            like = sorted({self.titles[d] for key, ids in self.by_name.items() if name in key for d in ids})
            hint = f"；是否指：{'、'.join(f'《{t}》' for t in like[:3])}" if like else ""
            return "", f"法规库中没有「{name}」{hint}"
        in_force = sorted(d for d in docs if self.status[d] == IN_FORCE) or sorted(docs)
        if len(in_force) > 1:
            names = "、".join(f"《{self.titles[d]}》（{self.status[d]}）" for d in in_force[:3])
            return "", f"「{name}」对应多部法规：{names}，请写全称或改用条文编号"
        return in_force[0], None

    def label(self, passage_id: str) -> str:
        """How a person cites the passage (《简称》第X条); its id when it is outside an article or
        no longer in the index, so the export still imports."""
        return self.labels.get(passage_id, passage_id)

    def resolve_all(self, texts: Sequence[str]) -> tuple[list[str], list[str]]:
        """(passage ids, problems) of a cell's citations. A bare 第X条 continues the law named
        before it: 《土地管理法》第六十二条、第六十三条."""
        ids: list[str] = []
        problems: list[str] = []
        title = ""
        for text in texts:
            if title and BARE_ARTICLE.fullmatch(_name(text)):
                text = title + text
            found, problem = self.resolve(text)
            if problem:
                problems.append(problem)
            ids.extend(found)
            match = ARTICLE.fullmatch(_name(text))
            title = match["title"] if match and not problem else ""
        return list(dict.fromkeys(ids)), problems


# ---------- export ----------

def _beijing(value: datetime | None) -> str:
    return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if value is not None else ""


def _cells(faq: Faq, citations: CitationResolver) -> list[str]:
    d = store.faq_to_dict(faq)
    out = []
    for field, _ in COLUMNS:
        value = d.get(field)
        if field == "citations":
            text = "\n".join(dict.fromkeys(citations.label(pid) for pid in faq.citations))
        elif field == "alternatives":
            text = "\n".join(value or [])
        elif field in ("updated_at", "published_at"):
            text = _beijing(getattr(faq, field))
        elif field == "audience":
            text = label("audiences", value) if value else ""
        elif field == "status":
            text = label("faq_statuses", value) if value else ""
        else:
            text = "" if value is None else str(value)
        out.append(text)
    return out


WIDTHS = {"问题": 36, "其他问法": 30, "答复": 60, "引用依据": 36}


def export_faqs(faqs: Iterable[Faq], fmt: Format, citations: CitationResolver) -> bytes:
    rows = [[label for _, label in COLUMNS], *(_cells(f, citations) for f in faqs)]
    return write_table(rows, fmt, "FAQ", WIDTHS)


def import_template(fmt: Format) -> bytes:
    """The columns import reads, with one example row."""
    return write_table([[LABELS[field] for field in IMPORTED], EXAMPLE_ROW], fmt, "FAQ", WIDTHS)


# ---------- import ----------

def _split(value: str, citations: bool) -> list[str]:
    if citations:
        for sep in ("，", ",", "；", ";", "、"):
            value = value.replace(sep, "\n")
        # Passage ids contain no spaces: "a62 a63" is two of them, "土地管理法 第62条" one citation.
        return [part for line in value.splitlines() for part in (line.split() if "第" not in line else [line]) if part]
    return [v.strip() for v in value.replace("｜", "\n").replace("|", "\n").splitlines() if v.strip()]


def _row_to_fields(cells: dict[str, str]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Parsed fields and (column, message) problems of one row."""
    problems: list[tuple[str, str]] = []
    fields: dict[str, Any] = {}
    for field in IMPORTED:
        raw = unsafe_cell(cells.get(field, ""))
        if field in ("alternatives", "citations"):
            fields[field] = _split(raw, field == "citations")
        elif field == "audience":
            audience = AUDIENCE_NAMES.get(raw or "public") or AUDIENCE_NAMES.get(raw.lower())
            if audience is None:
                problems.append((field, f"受众只能是「公众」或「坐席」，而不是「{raw}」"))
            fields[field] = audience or "public"
        elif field == "valid_until":
            try:
                fields[field] = date.fromisoformat(raw[:10]) if raw else None
            except ValueError:
                problems.append((field, f"日期格式应为 YYYY-MM-DD，而不是「{raw}」"))
                fields[field] = None
        else:
            fields[field] = raw
    return fields, problems


@dataclass(frozen=True)
class Skipped:
    """A row not imported because it repeats an existing FAQ (`faq_id`) or an earlier row."""

    row: int
    question: str
    faq_id: int | None
    existing: str          # the question it repeats
    similarity: float
    message: str


@dataclass(frozen=True)
class Imported:
    created: list[Faq]
    skipped: list[Skipped]


def parse_import(data: bytes, fmt: Format, citations: CitationResolver) -> list[tuple[int, store.FaqContent]]:
    """Every row (its number as the spreadsheet shows it, and its content), or RowsRejected
    listing every problem (nothing is half-read)."""
    if not data.strip():
        raise RowsRejected([RowError(0, "", "文件是空的")])
    rows = read_rows(data, fmt, MAX_ROWS)
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    if not rows:
        raise RowsRejected([RowError(0, "", "文件是空的")])
    header = [HEADER_ALIASES.get(h.strip().lstrip("\ufeff"), HEADER_ALIASES.get(h.strip().lower()))
              for h in rows[0]]
    missing = [LABELS[f] for f in ("question", "answer") if f not in header]
    if missing:
        raise RowsRejected([RowError(1, "", f"表头缺少列：{'、'.join(missing)}（第一行应为列名，如 问题、答复、引用依据）")])
    body = rows[1:]
    if len(body) > MAX_ROWS:
        raise RowsRejected([RowError(0, "", f"一次最多导入 {MAX_ROWS} 行")])

    errors: list[RowError] = []
    parsed: list[tuple[int, store.FaqContent]] = []
    for number, row in enumerate(body, start=2):
        if not any(c.strip() for c in row):
            continue
        cells = {field: value for field, value in zip(header, row) if field}
        fields, problems = _row_to_fields(cells)
        fields["citations"], unresolved = citations.resolve_all(fields["citations"])
        if unresolved:
            problems.append(("citations", "；".join(unresolved)))
        try:
            content = store.FaqContent(**fields)
        except ValidationError as exc:
            problems.extend(p for p in store.content_problems(exc) if p[0] not in dict(problems))
        else:
            if not problems:
                parsed.append((number, content))
        errors.extend(RowError(number, LABELS.get(field, field), message) for field, message in problems)
    if errors:
        raise RowsRejected(errors)
    if not parsed:
        raise RowsRejected([RowError(0, "", "文件中没有数据行")])
    return parsed


def import_faqs(s: Session, data: bytes, fmt: Format, author: str, citations: CitationResolver,
                encode: Callable[[Sequence[str]], np.ndarray], cosine: float) -> Imported:
    """Create every row as a draft (flushed, not committed), or raise RowsRejected. Rows that
    repeat an existing FAQ (store.find_duplicates with `cosine`) or an earlier row of the file
    (same normalised question) are skipped and reported."""
    rows = parse_import(data, fmt, citations)
    duplicates = store.find_duplicates(s, [content.question for _, content in rows], encode, cosine, limit=1)
    seen: dict[str, tuple[int, str]] = {}
    created, skipped = [], []
    for (number, content), found in zip(rows, duplicates):
        key = store.normalised(content.question)
        if found:
            d = found[0]
            skipped.append(Skipped(number, content.question, d.faq_id, d.question, d.similarity,
                                   f"与已有 FAQ #{d.faq_id}（{label('faq_statuses', d.status)}）重复，未导入"))
        elif key in seen:
            first, question = seen[key]
            skipped.append(Skipped(number, content.question, None, question, 1.0, f"与第 {first} 行重复，未导入"))
        else:
            seen[key] = (number, content.question)
            created.append(store.create_faq(s, content, author=author))
    return Imported(created, skipped)


def header_labels() -> Sequence[str]:
    return [label for _, label in COLUMNS]
