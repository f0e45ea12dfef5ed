"""Request and response models of the HTTP API (pydantic, with Chinese examples for /docs)."""

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from assistant.answer import AnswerPoint, Citation
from assistant.faqs import FaqContent, partial
from assistant.retrieval import Filters, Hit
from assistant.text_fields import MAX_QUERY_CHARS, MAX_QUESTION_CHARS, MAX_TRANSCRIPT_CHARS, Plain, Text
from assistant.vocabularies import (ROLES, Audience, FaqRevisionStatus, FaqStatus, GapTriage, OrderStatus, Rating,
                                    RequestType, ReviewReason)


# Row ids are 32-bit integer columns on PostgreSQL: a larger id is a 422, never a 500.
MAX_ROW_ID = 2**31 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="记录编号")]
Offset = Annotated[int, Query(ge=0, le=MAX_ROW_ID, description="跳过的条数")]
Role = Literal[ROLES]  # type: ignore[valid-type]


class VocabularyItem(BaseModel):
    value: str = Field(description="存储和接口使用的代码")
    label: str = Field(description="页面显示的中文名称")


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
    query: Text = Field(min_length=1, max_length=MAX_QUERY_CHARS)
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
    query: Plain | None = Field(None, max_length=MAX_QUERY_CHARS)
    transcript: Plain | None = Field(None, max_length=MAX_TRANSCRIPT_CHARS, description="来电人原话片段，系统从中提取检索问题")
    settled: bool = Field(True, description=(
        "是否记入问答记录。坐席边听边输入时传 false（只给建议，不记录）；问题确定后（坐席确认、复制答复、"
        "评价或停止输入片刻）传 true，记录一次"))

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
    review_warning: str | None = Field(None, description=(
        "标准答复待复核时给坐席的提示（依据已变更、废止或删除，见各条 citations[].change）；否则为空"))
    reason: str | None = None
    escalation: str | None = None
    referral: str | None = Field(None, description="问题归其他部门或热线时的转介（如 12366、122）；按 12345 渠道处理时为空")


class SuggestOut(BaseModel):
    query: str = Field(description="实际检索的问题（从原话中提取）")
    answer: AnswerOut
    passages: list[Hit]
    log_id: int | None = Field(description="问答记录编号（评价时使用）；settled=false 或数据库暂不可用时为空，答复照常")
    index_version: str
    took_ms: float


class AskIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"question": "办房本一般要多长时间？"}]})
    question: Text = Field(min_length=1, max_length=MAX_QUESTION_CHARS)


class AskOut(BaseModel):
    question: str
    answer: AnswerOut
    log_id: int | None = Field(description="问答记录编号（评价时使用）；数据库暂不可用时为空，答复照常")


class ClassifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"transcript": "喂你好，我家宅基地上的老房子想翻建，需要办什么手续？"}]})
    transcript: Text = Field(min_length=1, max_length=MAX_TRANSCRIPT_CHARS, description="来电人原话或问题")


class ClassifyOut(BaseModel):
    query: str = Field(description="用于分类的问题（从原话中提取，已去除个人信息）")
    category: list[str] = Field(description="建议的一级、二级、三级诉求分类")
    confidence: float = Field(description="一级分类的得票占比（0–1），低时请人工判断")
    handler: str | None = Field(description="以往同类工单最常见的承办单位；没有同类工单时为空")


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"log_id": 1, "rating": "helpful"}]})
    log_id: int | None = Field(None, ge=1, le=MAX_ROW_ID)
    rating: Rating
    comment: Text | None = Field(None, max_length=1000)


class FaqCreate(FaqContent):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "question": "农村一户能有几处宅基地？", "alternatives": ["能不能批两块宅基地"],
        "answer": "农村村民一户只能拥有一处宅基地。", "citations": ["land-administration-law/a62"],
        "topic": "homestead", "audience": "public"}]})
    gap_ids: list[Annotated[int, Field(ge=1, le=MAX_ROW_ID)]] = Field(default_factory=list, max_length=2000, description=(
        "据此起草的知识缺口（查询记录编号）：此 FAQ 发布后这些缺口标为已处理"))


FaqPatch = partial(FaqContent, "FaqPatch")


class DuplicateOut(BaseModel):
    faq_id: int
    question: str
    status: FaqStatus
    similarity: float = Field(description="1.0：规范化后文字相同（或与其他问法相同）；否则为问题的语义相似度")


class FaqRevisionOut(FaqContent):
    status: FaqRevisionStatus = Field(description="draft 修订草稿，in_review 修订待审核")
    author: str = Field(description="开始此修订的编辑")
    updated_at: datetime


class ReviewChangeOut(BaseModel):
    passage_id: str
    reason: ReviewReason = Field(description="changed 条文已变更，repealed 依据已废止或失效，removed 条文已删除")
    citation: str = Field(description="《法规名》第X条（FAQ 审核时的名称）")
    url: str
    old_text: str | None = Field(description="FAQ 编写或上次复核时的条文原文（升级前已有、从未核对过的 FAQ 为空）")
    new_text: str | None = Field(description="当前索引中的条文原文；条文已删除时为空")
    old_status: str | None = Field(description="当时文件的效力")
    new_status: str | None = Field(description="当前文件的效力；条文已删除时为空")


class FaqOut(FaqContent):
    id: int
    stale: bool = Field(description="有效期已过")
    status: FaqStatus
    author: str
    reviewer: str | None
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    retired_at: datetime | None
    version: int
    review_reason: ReviewReason | None = Field(description=(
        "待复核原因（各条依据变化中最严重的一种：removed > repealed > changed）；null 表示无需复核"))
    flagged_at: datetime | None = Field(description="首次标记待复核的时间")
    review_changes: list[ReviewChangeOut] = Field(description="各条依据自编写或上次复核以来的变化，含新旧条文")
    revision: FaqRevisionOut | None = Field(description=(
        "已发布 FAQ 的待审修订（审核通过前门户和坐席端仍用已发布的内容）；没有修订为 null"))
    duplicates: list[DuplicateOut] = Field(default_factory=list, description=(
        "仅新建时：问题相同或几乎相同的已有 FAQ（提示，不阻止保存）"))


class ReviewCountsOut(BaseModel):
    total: int = Field(description="待复核的 FAQ 数")
    by_reason: dict[ReviewReason, int] = Field(description="按原因计数（最严重的原因）")


class FaqVersionOut(BaseModel):
    version: int
    action: str
    actor: str
    at: datetime
    snapshot: dict[str, Any] = Field(description="此版本后的内容（有待审修订时为修订的内容）")
    authors: list[str] = Field(description="发布记录：所发布内容的编写者（四眼审核）；其他记录为空")
    reviewer: str | None = Field(description="发布记录：审核人；其他记录为空")


class ImportSkippedOut(BaseModel):
    row: int = Field(description="文件中的行号（表头为第 1 行）")
    question: str
    faq_id: int | None = Field(description="重复的已有 FAQ；与文件中前面的行重复时为空")
    existing: str = Field(description="被重复的问题")
    similarity: float
    message: str


class ImportOut(BaseModel):
    created: int
    ids: list[int]
    skipped: list[ImportSkippedOut] = Field(description="与已有 FAQ 或前面的行重复而未导入的行")


class BulkIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"ids": [12, 15, 18]}]})
    ids: list[Annotated[int, Field(ge=1, le=MAX_ROW_ID)]] = Field(min_length=1, max_length=200)

    @field_validator("ids")
    @classmethod
    def _once(cls, ids: list[int]) -> list[int]:
        return list(dict.fromkeys(ids))


class BulkResultOut(BaseModel):
    id: int
    ok: bool
    status: FaqStatus | None = Field(None, description="成功时的新状态")
    version: int | None = None
    code: str | None = Field(None, description="失败时的错误代码，如 self_review、invalid_transition、not_found")
    message: str | None = Field(None, description="失败时的原因（中文）")


class BulkOut(BaseModel):
    done: int
    failed: int
    results: list[BulkResultOut] = Field(description="每个编号一条，顺序同请求")


class HitTestIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"question": "农村一户能有几处宅基地", "audience": "public"}]})
    question: Text = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    audience: Audience = Field("public", description="public：按门户测试（只看公众 FAQ）；agent：按坐席端测试")


class HitTestFaqOut(BaseModel):
    id: int
    question: str
    similarity: float = Field(description="与此 FAQ 最接近的问法的余弦相似度")
    answers: bool = Field(description="相似度达到阈值")


class HitTestOut(BaseModel):
    question: str
    audience: Audience
    threshold: float = Field(description="FAQ 命中阈值（当前问题编码器的校准值）")
    kind: Literal["faq", "passages", "no_basis"] = Field(description="实际会给出的答复类型")
    faq_id: int | None = Field(description="命中的 FAQ")
    reason: str | None = Field(description="未找到明确依据的原因")
    evidence: float = Field(description="命中 FAQ 时为相似度，否则为依据得分")
    faqs: list[HitTestFaqOut] = Field(description="最相近的已发布 FAQ，相似度从高到低")
    passages: list[Hit] = Field(description="检索到的条文及得分")
    index_version: str


class WhoAmIOut(BaseModel):
    name: str
    role: str
    prefix: str


class GapGroupOut(BaseModel):
    question: str = Field(description="组内最常见的问法")
    count: int
    refused: int
    negative_feedback: int
    channels: list[str]
    reasons: list[str] = Field(description="未能答复的原因（out_of_scope 不属于本部门职责，weak_evidence 依据不足，case_status 个人办件进度）")
    faq_ids: list[int] = Field(description="据此起草、尚未发布的 FAQ")
    latest_at: datetime
    variants: list[str]
    query_ids: list[int]


class GapTriageIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"query_ids": [31, 42], "triage": "not_ours", "note": "属交通部门职责，已告知转 12345 交通专线"}]})
    query_ids: list[Annotated[int, Field(ge=1, le=MAX_ROW_ID)]] = Field(min_length=1, max_length=2000)
    triage: GapTriage = Field(description="ignored 忽略，not_ours 不属于本部门，handled 已处理")
    note: Text = Field(min_length=1, max_length=500, description="原因（必填）")


class GapTriageOut(BaseModel):
    updated: int


class GapGroupsOut(BaseModel):
    threshold: float
    total: int
    groups: list[GapGroupOut]


class FeedbackOut(BaseModel):
    id: int
    rating: Rating


class StatusOut(BaseModel):
    status: str


class ReadyOut(BaseModel):
    status: str
    index_version: str
    passages: int
    faqs: int


class DocChangeOut(BaseModel):
    doc_id: str
    title: str
    passages: int = Field(description="该版本中的段数（移除的文件为移除前的段数）")
    passages_added: int = Field(0, description="更新的文件：新增的段数")
    passages_changed: int = Field(0, description="更新的文件：文字或信息有变化的段数")
    passages_removed: int = Field(0, description="更新的文件：删去的段数")


class IndexChangesOut(BaseModel):
    previous: str | None = Field(description="构建时在用的版本（对比基准）；null 表示首个版本")
    added: list[DocChangeOut]
    changed: list[DocChangeOut]
    removed: list[DocChangeOut]


class GateOut(BaseModel):
    passed: bool
    new_recall: float | None = Field(description="新版本在可比较检验题上的 Recall@5（不计本次新增的文件）")
    live_recall: float | None = Field(description="当时在用版本的 Recall@5")
    compared: int = Field(description="比较的检验题数")
    skipped: int = Field(description="依据文件本次有变更、未计入的检验题数")
    message: str
    against: str | None = Field(description="比较的在用版本")
    checked_at: datetime


class IndexVersionOut(BaseModel):
    model_config = ConfigDict(extra="allow")  # the whole build manifest
    version: str
    active: bool
    created_at: str | None = None
    documents: int | None = None
    passages: int | None = None
    changes: IndexChangesOut | None = Field(None, description="与构建时在用版本相比新增、更新、移除的文件（较早构建的版本没有）")
    gate: GateOut | None = Field(None, description="上线前的回归检验结果；手动构建的版本没有")


class ActiveIndexOut(BaseModel):
    active: str


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "坐席 张三", "role": "agent"}]})
    name: Text = Field(max_length=200, description="持有人或用途")
    role: Role


class KeyOut(BaseModel):
    id: int
    name: str
    role: Role
    prefix: str = Field(description="密钥开头几位，用于辨认")
    created_at: datetime
    last_used_at: datetime | None = Field(description="最近使用时间（精确到分钟）")
    revoked_at: datetime | None
    current: bool = Field(False, description="是否为发出本请求的密钥")


class KeyCreatedOut(KeyOut):
    secret: str = Field(description="完整密钥，只在创建时返回这一次")


class AuditEntryOut(BaseModel):
    source: Literal["audit_log", "faq_versions"] = Field(description="audit_log 管理操作；faq_versions FAQ 版本历史")
    id: int
    at: datetime
    actor: str = Field(description="操作人（密钥名称）")
    key_id: int | None = Field(description="操作所用密钥的编号（FAQ 历史不记录）")
    action: str = Field(description="操作代码，中文名见 /v1/meta/vocabularies 的 audit_actions")
    target: str = Field(description="对象，如 key/3、index/<版本>、run/5、document/<文件编号>、faq/12")
    detail: str = Field(description="说明（已去除个人信息）")


class AuditPageOut(BaseModel):
    total: int
    entries: list[AuditEntryOut]


class TopQuestionOut(BaseModel):
    query: str
    count: int
    last_at: datetime


class QueryLogOut(BaseModel):
    id: int
    at: datetime
    channel: str
    query: str
    answered: bool
    refused: bool
    faq_id: int | None
    citations: list[str]
    top_score: float | None
    latency_ms: float
    index_version: str | None


class DayOut(BaseModel):
    day: str
    queries: int
    faq_hits: int
    refusals: int


class DailyOut(BaseModel):
    days: list[DayOut]
    faq_hit_rate: float


class DocumentOut(BaseModel):
    id: str
    title: str
    doc_type: str
    issuer: str
    region: str
    status: str
    url: str
    effective_date: str
    passages: int


class DocumentsOut(BaseModel):
    index_version: str
    documents: list[DocumentOut]


class PassageRef(BaseModel):
    id: str
    label: str
    chapter: str


class DocumentDetailOut(DocumentOut):
    passages: list[PassageRef]  # type: ignore[assignment]


class PassageOut(BaseModel):
    id: str
    text: str
    citation: str
    doc_id: str
    title: str
    label: str
    article: int | None
    chapter: str
    start: int
    end: int
    part: str
    doc_type: str
    region: str
    status: str
    url: str
    issuer: str
    effective_date: str


class RunOut(BaseModel):
    id: int
    source: str | None
    status: str
    started_at: datetime | None
    finished_at: datetime | None
    counts: dict[str, Any]
    progress: dict[str, Any]
    message: str
    index_version: str | None


class RunStartedOut(BaseModel):
    id: int
    status: str


class UploadOut(BaseModel):
    doc_id: str
    run_id: int
    status: str
    poll: str = Field(description="轮询此地址查看索引更新进度")


class SourceOut(BaseModel):
    name: str = Field(description="来源名称（抓取时使用）")
    title: str
    enabled: bool = Field(description="false：「全部来源」不抓取，仍可按名称单独抓取")
    start_urls: list[str]


class CrawlPageOut(BaseModel):
    url: str
    kind: str = Field(description="list 列表页、detail 详情页、attachment 附件")
    status: str = Field(description="failed 请求失败、not_indexed 未收录、robots robots.txt 禁止、offsite 站外链接")
    http_status: int | None
    error: str | None = Field(description="原因，如 HTTP 404、超时、扫描件没有文字层")
    title: str | None
    fetched_at: datetime | None


class CrawlPagesOut(BaseModel):
    total: int
    pages: list[CrawlPageOut]


class OrderPushIn(BaseModel):
    """A platform push: orders keyed by the export's Chinese headers or the field names."""
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"orders": [{
        "工单编号": "2026110300123", "受理时间": "2026-11-03 09:12:00", "诉求类型": "咨询",
        "诉求内容": "我家宅基地上的老房子想翻建，需要办什么手续？", "所属区": "昌平区", "联系电话": "13800000000"}]}]})
    orders: list[dict[str, str | int | float | None]] = Field(min_length=1, max_length=5000)


class OrderImportOut(BaseModel):
    rows: int
    created: int
    updated: int
    unchanged: int
    classifying: int = Field(0, description="随后在后台自动分类的工单数（分类完成前工单列表中分类为空）")


class OrderOut(BaseModel):
    id: int
    number: str = Field(description="工单编号")
    received_at: datetime
    channel: str
    caller_name: str = Field(description="诉求人（无权限时脱敏）")
    caller_phone: str = Field(description="联系电话（无权限时脱敏）")
    address: str
    district: str
    street: str
    request_type: RequestType
    request_type_label: str
    content: str
    dispatcher: str
    handler: str
    due_at: datetime
    deadline: Literal["", "due_soon", "overdue"] = Field(description="due_soon=一天内到期，overdue=已超期")
    status: OrderStatus
    status_label: str
    category: list[str] = Field(description="一级、二级、三级分类")
    category_confidence: float | None
    category_confirmed: bool
    draft_reply: str
    draft_citations: list[str]
    reply: str
    replied_at: datetime | None
    visit_contacted: bool | None
    visit_resolved: bool | None
    visit_satisfaction: str | None
    duplicate: bool
    extra: dict[str, Any]


class OrderEventOut(BaseModel):
    at: datetime
    actor: str
    action: str
    note: str
    data: dict[str, Any]


class OrderDetailOut(OrderOut):
    history: list[OrderEventOut]


class OrdersOut(BaseModel):
    total: int
    orders: list[OrderOut]


class OrderActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"note": "已电话联系诉求人，正在核实"}, {"note": "属区住建委职责", "handler": "北京市海淀区住房和城乡建设委员会"},
        {"note": "需现场勘查", "due_at": "2026-11-20T23:59:59+08:00"},
        {"contacted": True, "resolved": True, "satisfaction": "satisfied"}]})
    note: Plain = Field("", max_length=5000, description="原因、答复内容或说明")
    handler: Plain | None = Field(None, max_length=200, description="转办的新承办单位")
    due_at: datetime | None = Field(None, description="延期后的办理时限")
    contacted: bool | None = Field(None, description="回访：是否联系上诉求人")
    resolved: bool | None = Field(None, description="回访：是否解决")
    satisfaction: Literal["satisfied", "basically_satisfied", "dissatisfied"] | None = None


class CategoryIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"category": ["违法建设", "违建举报与查处", "农村违建"]}]})
    category: list[Annotated[Plain, Field(max_length=64)]] = Field(min_length=3, max_length=3)


class BreakdownRow(BaseModel):
    key: str
    count: int
    previous: int = Field(description="上一周期（环比）")
    year_before: int = Field(description="去年同期（同比）")
    mom: float | None = Field(description="环比变化率")
    yoy: float | None = Field(description="同比变化率")


class RatesOut(BaseModel):
    orders: int
    response_rate: float | None
    on_time_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None


class OrderStatsOut(BaseModel):
    start: datetime
    end: datetime
    rates: RatesOut
    breakdowns: dict[str, list[BreakdownRow]]
    daily: list[tuple[str, int]]


class IssueOut(BaseModel):
    text: str = Field(description="代表性诉求（已去除个人信息）")
    count: int
    previous: int = Field(description="上一周期的相似诉求数")
    category: str
    hot: bool = Field(description="突发热点：本期明显多于上期")
    numbers: list[str] = Field(description="工单编号")


class StreetOut(BaseModel):
    street: str
    count: int
    previous: int


class HotspotsOut(BaseModel):
    issues: list[IssueOut]
    streets: list[StreetOut] = Field(description="诉求量异常增长的街乡")
