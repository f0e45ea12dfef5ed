"""Higher law first (上位法优先): a lower-ranked document's rule on a matter a general law now
settles (corpora/precedence.yaml: remedy deadlines) is ranked below that law's article and is
not read out as the rule."""

import re
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator


def compact_title(title: str) -> str:
    """A title as the Register keys documents: no spaces, no 《》."""
    return re.sub(r"\s+", "", title).strip("《》")


class Governing(BaseModel):
    model_config = ConfigDict(extra="forbid")
    law: str = Field(min_length=2)
    article: int = Field(ge=1)


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    matter: str = Field(min_length=1)
    pattern: str = Field(min_length=1)
    yields: list[str] = Field(min_length=1, description="doc_types whose rule on the matter gives way")
    governed_by: list[Governing] = Field(min_length=1, description="the governing articles, the general one first")
    asked: str = Field("", description="words of a question about this matter: its articles come first")

    @field_validator("pattern", "asked")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from exc
        return value


class RuleFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rules: list[Rule] = []


class Precedence:
    def __init__(self, rules: list[Rule]):
        self._rules = [(re.compile(r.pattern), frozenset(r.yields), re.compile(r.asked) if r.asked else None, r)
                       for r in rules]

    @classmethod
    def load(cls, path: Path | None) -> "Precedence":
        if path is None or not path.is_file():
            return cls([])
        try:
            parsed = RuleFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
        except (yaml.YAMLError, ValidationError) as exc:
            raise ValueError(f"{path}: {exc}") from exc
        return cls(parsed.rules)

    def __bool__(self) -> bool:
        return bool(self._rules)

    def superseded(self, doc_type: str, text: str, question: str = "") -> tuple[tuple[str, int], ...]:
        """The (title, article) of every article this passage gives way to, those of the matter
        the question asks about first; none for most passages."""
        matched = [(asked, rule) for pattern, yields, asked, rule in self._rules
                   if doc_type in yields and pattern.search(text)]
        matched.sort(key=lambda m: not (m[0] and m[0].search(question)))
        return tuple(dict.fromkeys((compact_title(g.law), g.article) for _, rule in matched for g in rule.governed_by))
