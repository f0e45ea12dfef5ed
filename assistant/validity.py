""""Is this rule still in force?": answered from the documents' status in the live index.

Repealed documents stay in the index so this question has an answer; retrieval never cites
them as the rule (Filters keeps 有效 only). A question that names a document and asks about
its validity gets the status of every version of that document, the one in force first.
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.passage import Passage
from assistant.precedence import compact_title
from assistant.vocabularies import REPEALED

ASKS_VALIDITY = re.compile(r"有效|失效|废止|作废|现行|过期|停止执行|还(?:能|可以)?(?:用|适用|执行)|还在用")
MIN_NAME_CHARS = 5  # "管理条例" alone names no one document


@dataclass(frozen=True)
class DocumentState:
    """One document (one version of a rule) as the index holds it."""
    doc_id: str
    title: str
    status: str
    effective_date: str
    status_date: str
    url: str
    first_passage: str


def _cn_date(iso: str) -> str:
    y, m, d = iso[:10].split("-")
    return f"{y}年{int(m)}月{int(d)}日"


class Register:
    """The documents of one index version, found by the names callers use: the title or any
    ending of it (土地管理法, 荒山荒滩租赁条例), the longest that the question contains."""

    def __init__(self, passages: Iterable[Passage]):
        self.by_title: dict[str, list[DocumentState]] = defaultdict(list)
        seen: set[str] = set()
        for p in passages:
            if p.doc_id not in seen:
                seen.add(p.doc_id)
                self.by_title[compact_title(p.title)].append(DocumentState(
                    p.doc_id, p.title, p.status, p.effective_date, p.status_date, p.url, p.id))

    def named_in(self, question: str) -> list[DocumentState]:
        """Every version of the one document the question names; none if it names none or
        its words fit several documents equally."""
        compact = re.sub(r"\s+", "", question)
        best, titles = 0, []
        for title in self.by_title:
            length = next((k for k in range(len(title), MIN_NAME_CHARS - 1, -1) if title[-k:] in compact), 0)
            if length and length >= best:
                titles = [title] if length > best else [*titles, title]
                best = length
        if len(titles) != 1:
            return []
        newest_first = sorted(self.by_title[titles[0]], key=lambda d: d.effective_date, reverse=True)
        return sorted(newest_first, key=lambda d: d.status != "有效")


def _sentence(doc: DocumentState, versioned: bool) -> str:
    title = f"《{doc.title}》"
    if versioned and doc.effective_date:
        title += f"（{doc.effective_date[:4]}年起施行的版本）"
    if doc.status == "有效":
        since = f"，自{_cn_date(doc.effective_date)}起施行" if doc.effective_date else ""
        return f"{title}现行有效{since}。"
    if doc.status == "尚未施行":
        since = f"，将自{_cn_date(doc.effective_date)}起施行" if doc.effective_date else ""
        return f"{title}尚未施行{since}。"
    if doc.status in REPEALED:
        word = doc.status.removeprefix("已")
        when = f"已于{_cn_date(doc.status_date)}{word}" if doc.status_date else f"已{word}"
        return f"{title}{when}，不再作为现行依据。"
    return f"{title}已被修改，请以现行版本为准。"


def validity_answer(question: str, register: Register) -> tuple[str, list[DocumentState]] | None:
    """The status of the document the question names, when it asks whether it is in force."""
    if not ASKS_VALIDITY.search(question):
        return None
    versions = register.named_in(question)
    if not versions:
        return None
    return "".join(_sentence(d, len(versions) > 1) for d in versions), versions
