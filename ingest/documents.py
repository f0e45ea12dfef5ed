"""Crawled documents on disk: the live corpus (markdown + YAML front matter, the format
ingest/corpus.py reads) and the history of superseded and removed versions.

live:    <crawl_corpus>/<source>/<slug>.md        (doc_id = <source>/<slug>)
history: <crawl_history>/<source>/<slug>/v0003.md

Every write is a temporary file renamed into place, so a crash leaves either the old or
the new file. Archiving is keyed by version, so repeating it after a crash is harmless.
"""

import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from ingest.front_matter import body_of, metadata_or_empty

FRONT_MATTER_ORDER = ("title", "doc_type", "issuer", "doc_number", "publish_date", "effective_date",
                      "status", "status_date", "region", "url", "source", "parent_url", "fetched_at", "content_hash",
                      "version", "pages")


def render(front: dict[str, Any], body: str) -> str:
    ordered = {k: front[k] for k in FRONT_MATTER_ORDER if front.get(k) not in (None, "", [])}
    ordered.update({k: v for k, v in front.items() if k not in ordered and v not in (None, "", [])})
    header = yaml.safe_dump(ordered, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{header}---\n\n{body.rstrip()}\n"


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class DocumentStore:
    def __init__(self, live_root: Path, history_root: Path):
        self.live_root, self.history_root = live_root, history_root

    def live_path(self, doc_id: str) -> Path:
        return self.live_root / f"{doc_id}.md"

    def history_path(self, doc_id: str, version: int) -> Path:
        return self.history_root / doc_id / f"v{version:04d}.md"

    def live_version(self, doc_id: str) -> int | None:
        path = self.live_path(doc_id)
        return int(metadata_or_empty(path.read_text(encoding="utf-8")).get("version") or 0) if path.is_file() else None

    def write(self, doc_id: str, front: dict[str, Any], body: str) -> Path:
        path = self.live_path(doc_id)
        _write_atomic(path, render(front, body))
        return path

    def archive(self, doc_id: str, version: int, reason: str, at: datetime) -> bool:
        """Copy live version `version` into history (no-op if the live file is another version)."""
        path = self.live_path(doc_id)
        if self.live_version(doc_id) != version:
            return False
        text = path.read_text(encoding="utf-8")
        front, body = metadata_or_empty(text), body_of(text)
        front.update({"archived_at": at.isoformat(timespec="seconds"), "archived_reason": reason})
        _write_atomic(self.history_path(doc_id, version), render(front, body))
        return True

    def remove(self, doc_id: str, version: int, reason: str, at: datetime) -> None:
        """Take a document out of the live corpus, keeping it in history."""
        self.archive(doc_id, version, reason, at)
        self.live_path(doc_id).unlink(missing_ok=True)

    def history(self, doc_id: str) -> list[Path]:
        return sorted((self.history_root / doc_id).glob("v*.md"))


def doc_id_for(source: str, url: str, digest: str) -> str:
    """Stable, readable id: the URL's last path segment (sanitised) and a short URL hash."""
    tail = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", tail.rsplit(".", 1)[0]).strip("-")[:40] or "page"
    return f"{source}/{stem}-{digest[:8]}"
