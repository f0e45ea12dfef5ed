"""Request and response models of the HTTP API (pydantic, with Chinese examples for /docs)."""

from datetime import date
from typing import Annotated, Literal

import re

from fastapi import Path, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from assistant.answer import AnswerPoint, Citation
from assistant.retrieval import Filters, Hit


# Row ids are 32-bit integer columns on PostgreSQL: a larger id is a 422, never a 500.
MAX_ROW_ID = 2**31 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="记录编号")]
Offset = Annotated[int, Query(ge=0, le=MAX_ROW_ID, description="跳过的条数")]


CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _plain(value: str) -> str:
    """No NUL or control bytes (PostgreSQL refuses NUL; spreadsheets refuse the rest)."""
    if CONTROL_RE.search(value):
        raise PydanticCustomError("control_char", "含有不允许的控制字符")
    return value


def _text(value: str) -> str:
    """Text a person wrote: not only whitespace (\u3000 included)."""
    if not value.strip():
        raise PydanticCustomError("blank_text", "不能只包含空白字符")
    return value


Plain = Annotated[str, AfterValidator(_plain)]
Text = Annotated[Plain, AfterValidator(_text)]


class FiltersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: list[str] | None = Field(["有效"], description="文件效力；null 表示不限")
    region: list[str] | None = Field(None, examples=[["北京", "national"]])
    doc_type: list[str] | None = Field(None, examples=[["法律", "行政法规"]])

    def to_filters(self) -> Filters:
        def tup(v: list[str] | None) -> tuple[str, ...] | None:
            return tuple(v) if v is not None else None
        return Filters(status=tup(self.status), region=tup(self.region), doc_type=tup(self.doc_type))


class SearchIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"query": "农村一户能有几处宅基地", "top_k": 5}]})
    query: Text = Field(min_length=1, max_length=1000)
    top_k: int = Field(10, ge=1, le=50)
    filters: FiltersIn = FiltersIn()


class SearchOut(BaseModel):
    query: str
    index_version: str
    took_ms: float
    results: list[Hit]


class SuggestIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"query": "违建谁来查处"},
        {"transcript": "喂你好，我想问一下，我们村里有人在耕地上盖房子，这个归谁管？"}]})
    query: Plain | None = Field(None, max_length=1000)
    transcript: Plain | None = Field(None, max_length=5000, description="来电人原话片段，系统从中提取检索问题")

    @model_validator(mode="after")
    def _one_of(self) -> "SuggestIn":
        if not (self.query or "").strip() and not (self.transcript or "").strip():
            raise ValueError("请提供 query 或 transcript")
        return self


class AnswerOut(BaseModel):
    kind: Literal["faq", "passages", "no_basis"] = Field(description="faq=标准答复，passages=依据条文的建议答复，no_basis=未找到明确依据")
    text: str = Field(description="可读的完整答复：结论一句，随后逐条引用原文")
    summary: str = Field("", description="一句话结论（≤60字，结论在前，法规用简称）")
    points: list[AnswerPoint] = Field(default_factory=list, description="支撑结论的条文原文，每句带 [n]")
    citations: list[Citation]
    confidence: Literal["有依据", "需核实"] | None = Field(None, description="给坐席的把握程度")
    asks: list[str] = Field(default_factory=list, description="问题类型：deadline/fee/who/yes_no/materials/procedure/penalty/compare")
    faq_id: int | None = None
    reason: str | None = None
    escalation: str | None = None


class SuggestOut(BaseModel):
    query: str = Field(description="实际检索的问题（从原话中提取）")
    answer: AnswerOut
    passages: list[Hit]
    log_id: int | None = Field(description="问答记录编号（评价时使用）；数据库暂不可用时为空，答复照常")
    index_version: str
    took_ms: float


class AskIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"question": "办房本一般要多长时间？"}]})
    question: Text = Field(min_length=1, max_length=500)


class AskOut(BaseModel):
    question: str
    answer: AnswerOut
    log_id: int | None = Field(description="问答记录编号（评价时使用）；数据库暂不可用时为空，答复照常")


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"log_id": 1, "rating": "helpful"}]})
    log_id: int | None = Field(None, ge=1, le=MAX_ROW_ID)
    rating: Literal["helpful", "not_helpful", "wrong_citation"]
    comment: Text | None = Field(None, max_length=1000)


class FaqCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "question": "农村一户能有几处宅基地？", "alternatives": ["能不能批两块宅基地"],
        "answer": "农村村民一户只能拥有一处宅基地。", "citations": ["land-administration-law/a62"],
        "topic": "homestead", "audience": "public"}]})
    question: Text = Field(min_length=1, max_length=500)
    alternatives: list[Plain] = []
    answer: Text = Field(min_length=1, max_length=5000)
    citations: list[str] = Field(default_factory=list, description="引用的条文 passage id")
    topic: Plain = ""
    audience: Literal["agent", "public"] = "public"
    valid_until: date | None = None


class FaqPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: Text | None = Field(None, min_length=1, max_length=500)
    alternatives: list[Plain] | None = None
    answer: Text | None = Field(None, min_length=1, max_length=5000)
    citations: list[str] | None = None
    topic: str | None = None
    audience: Literal["agent", "public"] | None = None
    valid_until: date | None = None
