"""A passage: one citable unit of the index (an article, part of a long one, or a section)."""

from dataclasses import asdict, dataclass, fields
from typing import Any, Self


@dataclass(frozen=True, slots=True)
class Passage:
    id: str
    text: str
    doc_id: str
    title: str
    label: str                # 第六十二条, or the section heading / title when there are no articles
    article: int | None       # the article number, None for text outside articles
    chapter: str = ""         # 编 / 章 / 节 path
    start: int = 0            # character offsets in the document
    end: int = 0
    part: str = ""
    doc_type: str = ""
    region: str = ""
    status: str = ""
    url: str = ""
    issuer: str = ""
    effective_date: str = ""
    status_date: str = ""     # when a repealed document stopped being in force, if the source says

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Self:
        """From the on-disk form {id, text, metadata} (passages.jsonl; article -1 = none)."""
        meta = record["metadata"]
        known = {f.name for f in fields(cls)} - {"id", "text", "article"}
        article = meta.get("article", -1)
        return cls(id=record["id"], text=record["text"], article=None if article is None or article < 0 else article,
                   **{k: "" if v is None else v for k, v in meta.items() if k in known})

    def to_record(self) -> dict[str, Any]:
        meta = asdict(self)
        meta.pop("id"), meta.pop("text")
        meta["article"] = -1 if self.article is None else self.article
        return {"id": self.id, "text": self.text, "metadata": meta}

    def metadata(self) -> dict[str, Any]:
        """Everything but the id and text, for API payloads."""
        meta = asdict(self)
        meta.pop("id"), meta.pop("text")
        return meta

    @property
    def year(self) -> float | None:
        return float(self.effective_date[:4]) if self.effective_date[:4].isdigit() else None
