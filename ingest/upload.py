"""A document added by hand (PDF, HTML, Markdown or DOCX with a metadata form) goes through the
same path as a crawled one: extract → crawled corpus (versioned) → incremental index + gate."""

import hashlib
import re
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from sentence_transformers import SentenceTransformer

from assistant.settings import Settings
from ingest.documents import DocumentStore
from ingest.extract import ExtractError, extract_docx, extract_html, extract_pdf, normalise_text, soup_of
from ingest.runs import IndexUpdate, update_index
from ingest.sources import DetailRules

SOURCE = "upload"
KINDS = {".pdf": "pdf", ".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown",
         ".docx": "docx"}
HTML_RULES = DetailRules(content="body", title="h1")


class UploadMeta(BaseModel):
    title: str = Field(min_length=1, max_length=300)
    doc_type: Literal["法律", "行政法规", "部门规章", "地方性法规", "规范性文件", "政策解读", "办事指南", "其他"] = "规范性文件"
    issuer: str = Field("", max_length=200)
    doc_number: str = Field("", max_length=100)
    publish_date: date | None = None
    effective_date: date | None = None
    status: Literal["有效", "已修改", "已废止", "失效"] = "有效"
    region: str = Field("北京", max_length=50)
    url: str = Field("", max_length=1000)


def _text_of(filename: str, data: bytes, settings: Settings) -> str:
    kind = KINDS.get(Path(filename).suffix.lower())
    if kind is None:
        raise ExtractError(f"不支持的文件类型：{Path(filename).suffix or '无扩展名'}（支持 PDF、HTML、Markdown、DOCX）")
    if kind == "pdf":
        if not data.startswith(b"%PDF"):
            raise ExtractError("文件不是有效的 PDF")
        return extract_pdf(data, settings.crawl_min_pdf_chars).text
    if kind == "docx":
        return extract_docx(data).text
    if kind == "html":
        return extract_html(soup_of(data), "", HTML_RULES, []).text
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ExtractError("Markdown 文件不是 UTF-8 编码") from None
    if text.startswith("---\n") and "\n---\n" in text[4:]:
        text = text[4:].split("\n---\n", 1)[1]  # the form's metadata wins over the file's
    text = normalise_text(text)
    if not text:
        raise ExtractError("文件没有正文")
    return text


def add_upload(settings: Settings, filename: str, data: bytes, meta: UploadMeta, actor: str, *,
               model: SentenceTransformer | None = None) -> tuple[str, IndexUpdate]:
    """Write the document into the crawled corpus (a re-upload of the same title is a new
    version; the old one goes to history) and update the index. Returns (doc_id, result)."""
    body = _text_of(filename, data, settings)
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(filename).stem).strip("-")[:40] or "document"
    doc_id = f"{SOURCE}/{slug}-{hashlib.sha256(meta.title.encode()).hexdigest()[:8]}"
    store = DocumentStore(settings.crawl_corpus_path, settings.crawl_history_path)
    now = datetime.now(timezone.utc)
    previous = store.live_version(doc_id)
    if previous:
        store.archive(doc_id, previous, "superseded by upload", now)
    front = {**meta.model_dump(mode="json"), "source": SOURCE, "uploaded_by": actor,
             "fetched_at": now.isoformat(timespec="seconds"), "content_hash": digest,
             "version": (previous or 0) + 1}
    store.write(doc_id, front, f"# {meta.title}\n\n{body}")
    return doc_id, update_index(settings, model=model)
