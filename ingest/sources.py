"""The sources file (corpora/sources.yaml): which sites to crawl and how to read them.

Format and examples: docs/sources.md. A bad file raises SourcesError naming the file, the
entry and the field, so a user adding a site by hand sees what to fix.
"""

import re
from pathlib import Path
from typing import Literal
from urllib.parse import unquote_plus, urlsplit, urlunsplit

import soupsieve
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assistant.vocabularies import DOC_TYPES

MetaField = Literal["title", "doc_type", "issuer", "doc_number", "publish_date", "effective_date",
                    "status", "status_date", "region"]


class SourcesError(ValueError):
    """A sources file that cannot be used; the message names the file and the entry."""


def split_selector(spec: str) -> tuple[str, str | None]:
    """'meta[name=PubDate]@content' -> ('meta[name=PubDate]', 'content'); no '@' reads the text."""
    selector, sep, attr = spec.rpartition("@")
    if sep and attr and re.fullmatch(r"[\w:-]+", attr) and "[" not in attr:
        return selector, attr
    return spec, None


def _check_selector(spec: str) -> str:
    try:
        soupsieve.compile(split_selector(spec)[0])
    except soupsieve.SelectorSyntaxError as exc:
        raise ValueError(f"invalid CSS selector {spec!r}: {str(exc).splitlines()[0]}") from None
    return spec


def _check_pattern(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None
    return pattern


def _check_defaults(defaults: dict[str, str]) -> dict[str, str]:
    if "doc_type" in defaults and defaults["doc_type"] not in DOC_TYPES:
        raise ValueError(f"doc_type must be one of {', '.join(DOC_TYPES)}")
    return defaults


# Query parameters that only say how a link was shared or clicked, never which document it is.
# A name ending in '*' is a prefix.
TRACKING_PARAMS = ("utm_*", "spm", "from", "share", "isappinstalled")


class _Strict(BaseModel):
    # A misspelt key must fail loudly, not be ignored.
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ListRules(_Strict):
    """How to find documents on a list page and how to reach the next list page."""
    links: str = Field(description="CSS selector of links to detail pages (or attachments).")
    link_pattern: str | None = Field(None, description="Regex an absolute detail URL must match.")
    link_text_pattern: str | None = Field(None, description="Regex the link text must match (topic filter).")
    next_page: str | None = Field(None, description="CSS selector of the next-page link.")
    page_urls: str | None = Field(None, description="Relative URL template of list pages 1..n, e.g. 'index_{n}.html'.")
    max_list_pages: int = Field(20, ge=1)
    follow: str | None = Field(None, description="Regex of absolute URLs on a list page to read as further list pages.")

    @field_validator("links", "next_page")
    @classmethod
    def _selector(cls, value: str | None) -> str | None:
        return value if value is None else _check_selector(value)

    @field_validator("link_pattern", "link_text_pattern", "follow")
    @classmethod
    def _pattern(cls, value: str | None) -> str | None:
        return value if value is None else _check_pattern(value)

    @field_validator("page_urls")
    @classmethod
    def _has_n(cls, value: str | None) -> str | None:
        if value is not None and "{n}" not in value:
            raise ValueError("page_urls must contain {n}, the page number")
        return value


class DetailRules(_Strict):
    """How to read a detail page: main text, title and metadata."""
    content: str = Field(description="CSS selector of the main text; the first match is used.")
    title: str = Field("h1", description="CSS selector of the title ('@attr' reads an attribute).")
    meta: dict[MetaField, str] = Field(default_factory=dict, description="Field -> CSS selector ('@attr' allowed).")
    labels: dict[str, MetaField] = Field(default_factory=dict, description=(
        "Label text on the page -> field; when two labels of one field are on a page, the one listed first wins."))
    meta_block: str | None = Field(None, description="CSS selector of the element holding the labels.")
    remove: list[str] = Field(default_factory=list, description="CSS selectors dropped from the content.")

    @field_validator("content", "title", "meta_block")
    @classmethod
    def _selector(cls, value: str | None) -> str | None:
        return value if value is None else _check_selector(value)

    @field_validator("meta")
    @classmethod
    def _meta(cls, value: dict[str, str]) -> dict[str, str]:
        for spec in value.values():
            _check_selector(spec)
        return value

    @field_validator("remove")
    @classmethod
    def _remove(cls, value: list[str]) -> list[str]:
        for spec in value:
            _check_selector(spec)
        return value


class Section(_Strict):
    """Metadata defaults for the pages of one part of a site, picked by URL."""
    pattern: str = Field(description="Regex searched in the absolute URL of a page.")
    defaults: dict[MetaField, str] = Field(min_length=1, description="Replace the source's defaults field by field.")

    @field_validator("pattern")
    @classmethod
    def _pattern(cls, value: str) -> str:
        return _check_pattern(value)

    @field_validator("defaults")
    @classmethod
    def _doc_type(cls, defaults: dict[str, str]) -> dict[str, str]:
        return _check_defaults(defaults)


class CanonicalRules(_Strict):
    """Which of several URLs of one document is its URL."""
    strip_params: list[str] = Field(default_factory=lambda: list(TRACKING_PARAMS),
                                    description="Query parameters dropped from every URL ('utm_*' is a prefix).")
    avoid: list[str] = Field(default_factory=list, description="Regexes of URLs that are copies (专题 pages).")
    prefer: list[str] = Field(default_factory=list, description="Regexes of URLs that are the original.")

    @field_validator("strip_params")
    @classmethod
    def _params(cls, names: list[str]) -> list[str]:
        # '*' alone would also strip the parameters that name the document (?id=…).
        if any(not name.rstrip("*") for name in names):
            raise ValueError("strip_params entries need a name ('*' alone would strip every parameter)")
        return [name.lower() for name in names]

    @field_validator("avoid", "prefer")
    @classmethod
    def _patterns(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            _check_pattern(pattern)
        return patterns

    def strips(self, name: str) -> bool:
        """Whether the query parameter `name` is dropped."""
        name = name.lower()
        return any(name.startswith(p[:-1]) if p.endswith("*") else name == p for p in self.strip_params)


class Source(_Strict):
    """One site section to crawl (a list of documents with its detail pages)."""
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="Short id; also the corpus folder name.")
    title: str = Field(min_length=1)
    start_urls: list[str] = Field(min_length=1)
    allowed_domains: list[str] = Field(min_length=1)
    listing: ListRules = Field(alias="list")  # "list" in YAML; renamed so the builtin stays usable
    detail: DetailRules
    defaults: dict[MetaField, str] = Field(default_factory=dict, description="Metadata a page does not state.")
    sections: list[Section] = Field(default_factory=list, description="Defaults by URL; the first match applies.")
    canonical: CanonicalRules = Field(default_factory=CanonicalRules, description="How a document's URL is chosen.")
    attachments: list[str] = Field(default_factory=lambda: ["pdf"], description="File extensions to follow.")
    max_pages: int = Field(1000, ge=1, description="Pages fetched per run, list pages included.")
    delay: float | None = Field(None, ge=0, description="Seconds between requests to one host (settings default).")
    concurrency: int | None = Field(None, ge=1, le=16, description="Requests in flight per host (settings default).")
    enabled: bool = True

    @field_validator("start_urls")
    @classmethod
    def _absolute(cls, urls: list[str]) -> list[str]:
        for url in urls:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"not an absolute http(s) URL: {url!r}")
        return urls

    @field_validator("allowed_domains")
    @classmethod
    def _domains(cls, domains: list[str]) -> list[str]:
        return [d.strip().lower().lstrip(".") for d in domains]

    @field_validator("attachments")
    @classmethod
    def _extensions(cls, exts: list[str]) -> list[str]:
        return [e.lower().lstrip(".") for e in exts]

    @field_validator("defaults")
    @classmethod
    def _doc_type(cls, defaults: dict[str, str]) -> dict[str, str]:
        return _check_defaults(defaults)

    @model_validator(mode="after")
    def _start_urls_allowed(self) -> "Source":
        for url in self.start_urls:
            if not self.allows(url):
                raise ValueError(f"start URL {url} is outside allowed_domains")
        return self

    def allows(self, url: str) -> bool:
        """Whether `url` is on one of the allowed domains (a subdomain counts)."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        return parts.scheme in ("http", "https") and any(
            host == d or host.endswith("." + d) for d in self.allowed_domains)

    def defaults_for(self, url: str) -> dict[str, str]:
        """The source's defaults with those of the first section whose pattern `url` matches."""
        section = next((s for s in self.sections if re.search(s.pattern, url)), None)
        return {**self.defaults, **(section.defaults if section else {})}

    def canonical_url(self, url: str) -> str:
        """`url` without its fragment and the stripped query parameters; the rest kept as written."""
        parts = urlsplit(url)
        # Raw 'name=value' pieces are kept as written: re-encoding would change URLs already stored.
        kept = [piece for piece in parts.query.split("&")
                if piece and not self.canonical.strips(unquote_plus(piece.split("=", 1)[0]))]
        return urlunsplit((parts.scheme, parts.netloc, parts.path, "&".join(kept), ""))

    def url_rank(self, url: str) -> int:
        """0 for a preferred URL, 1 neutral, 2 a copy to avoid (avoid beats prefer); lower is better."""
        if any(re.search(p, url) for p in self.canonical.avoid):
            return 2
        return 0 if any(re.search(p, url) for p in self.canonical.prefer) else 1


class SourcesFile(_Strict):
    sources: list[Source] = Field(min_length=1)


def _where(path: Path, data: object, loc: tuple) -> str:
    """'sources[2] (name: mnr-policy) > detail > content' for an error location."""
    parts: list[str] = []
    for i, key in enumerate(loc):
        if isinstance(key, int) and i and loc[i - 1] == "sources":
            name = None
            if isinstance(data, dict) and isinstance(data.get("sources"), list) and key < len(data["sources"]):
                entry = data["sources"][key]
                name = entry.get("name") if isinstance(entry, dict) else None
            parts[-1] = f"sources[{key}]" + (f" (name: {name})" if name else "")
        else:
            parts.append(str(key))
    return " > ".join(parts)


def load_sources(path: Path) -> list[Source]:
    """Read and validate a sources file; raises SourcesError naming the file, entry and field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourcesError(f"{path}: 来源文件不存在") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise SourcesError(f"{where}: YAML 格式错误：{getattr(exc, 'problem', None) or exc}") from None
    try:
        parsed = SourcesFile.model_validate(data)
    except ValidationError as exc:
        problems = [f"{_where(path, data, err['loc'])}: {err['msg']}" for err in exc.errors()]
        raise SourcesError(f"{path}: 来源配置有误：" + "；".join(problems)) from None
    names = [s.name for s in parsed.sources]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SourcesError(f"{path}: 来源名称重复：{', '.join(duplicates)}")
    return parsed.sources


def select_sources(sources: list[Source], name: str | None) -> list[Source]:
    """The enabled sources, or the one named (even if disabled); unknown names are an error."""
    if name is None:
        return [s for s in sources if s.enabled]
    chosen = [s for s in sources if s.name == name]
    if not chosen:
        raise SourcesError(f"没有名为 {name!r} 的来源；已有：{', '.join(s.name for s in sources)}")
    return chosen
