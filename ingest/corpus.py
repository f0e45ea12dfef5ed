"""Load corpus documents: markdown files with YAML front matter, into llama-index Documents."""

import hashlib
from datetime import date
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from pathlib import Path

from llama_index.core.schema import Document

from assistant.vocabularies import NOT_YET_IN_FORCE
from ingest.front_matter import FrontMatterError, split_front_matter

if TYPE_CHECKING:
    from ingest.identity import Merge

log = logging.getLogger(__name__)

# Bundled statutes come from LawRefBook/Laws at the commit the corpus README names.
LAWREFBOOK_URL = "https://github.com/LawRefBook/Laws/blob/2f4c5c2/{path}"
METADATA_FIELDS = (
    "title", "part", "doc_type", "issuer", "doc_number", "region",
    "publish_date", "effective_date", "status", "status_date", "source", "url",
)


class CorpusError(ValueError):
    """A corpus file that cannot be read; the message names the file and line."""

    def __init__(self, path: Path, line: int | None, problem: str):
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {problem}")
        self.path, self.line, self.problem = path, line, problem


@dataclass
class LoadResult:
    documents: list[Document]
    errors: list[CorpusError]
    merges: list["Merge"] = field(default_factory=list)  # crawled versions folded into bundled documents


def source_url(meta: dict) -> str:
    """Where a reader can see the original text."""
    if meta.get("url"):
        return str(meta["url"])
    source = str(meta.get("source") or "")
    if source.startswith("LawRefBook/Laws:"):
        return LAWREFBOOK_URL.format(path=source.split(":", 1)[1])
    return source


def _split_front_matter(path: Path, text: str) -> tuple[dict, str, int]:
    try:
        meta, body, body_line = split_front_matter(text)
    except FrontMatterError as exc:
        raise CorpusError(path, exc.line, exc.problem) from None
    if not str(meta.get("title") or "").strip():
        raise CorpusError(path, 2, "front matter has no 'title'")
    return meta, body, body_line


def load_document(path: Path, corpus_root: Path) -> Document:
    """Read one markdown file; raises CorpusError naming the file and line on bad input."""
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(path, None, f"not UTF-8 text ({exc.reason})") from None
    raw = raw.replace("\r\n", "\n")
    meta, body, body_line = _split_front_matter(path, raw)
    metadata = {k: str(meta[k]) for k in METADATA_FIELDS if meta.get(k) not in (None, "")}
    metadata.setdefault("status", "有效")
    if metadata["status"] == "有效" and metadata.get("effective_date", "") > date.today().isoformat():
        metadata["status"] = NOT_YET_IN_FORCE  # published, in force later: never cited as the rule today
    metadata.setdefault("region", "national")
    metadata["url"] = source_url(meta)
    metadata["path"] = path.relative_to(corpus_root).as_posix()
    metadata["body_line"] = body_line
    metadata["content_hash"] = hashlib.sha256(raw.encode("utf-8")).hexdigest()
    doc_id = path.relative_to(corpus_root).with_suffix("").as_posix()
    return Document(
        id_=doc_id,
        text=body,
        metadata=metadata,
        excluded_embed_metadata_keys=list(metadata),
        excluded_llm_metadata_keys=list(metadata),
    )


def load_corpus(corpus_root: Path) -> LoadResult:
    """Load every *.md under corpus_root; a bad file is reported and skipped, the rest load."""
    if not corpus_root.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {corpus_root}")
    documents: list[Document] = []
    errors: list[CorpusError] = []
    for path in sorted(corpus_root.rglob("*.md")):
        if path.name.upper() == "README.MD":
            continue
        try:
            documents.append(load_document(path, corpus_root))
        except CorpusError as exc:
            log.warning("skipping %s", exc)
            errors.append(exc)
    return LoadResult(documents, errors)
