"""Markdown with YAML front matter, the one format of the corpus, the crawled documents and
uploaded Markdown: split into (metadata, body) in one place."""

from typing import Any

import yaml

FENCE = "---"


class FrontMatterError(ValueError):
    def __init__(self, line: int, problem: str):
        super().__init__(f"line {line}: {problem}")
        self.line, self.problem = line, problem


def split_front_matter(text: str) -> tuple[dict[str, Any], str, int]:
    """(metadata, body, 1-based line where the body starts); FrontMatterError(line, problem)
    when the text does not open with a closed, valid YAML mapping between '---' lines."""
    lines = text.replace("\r\n", "\n").split("\n")
    if not lines or lines[0].strip() != FENCE:
        raise FrontMatterError(1, "missing YAML front matter (the file must start with '---')")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == FENCE)
    except StopIteration:
        raise FrontMatterError(1, "front matter is not closed by a '---' line") from None
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1  # +1 for the fence, +1 for 1-based lines
        raise FrontMatterError(line, f"invalid YAML front matter: {getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(meta, dict):
        raise FrontMatterError(2, "front matter must be a mapping of field: value")
    return meta, "\n".join(lines[end + 1:]), end + 2


def metadata_or_empty(text: str) -> dict[str, Any]:
    """The metadata, or {} for text without valid front matter (a damaged file is not fatal)."""
    try:
        return split_front_matter(text)[0]
    except FrontMatterError:
        return {}


def body_of(text: str) -> str:
    """The text after the front matter, or the whole text when it has none."""
    try:
        return split_front_matter(text)[1]
    except FrontMatterError:
        return text
