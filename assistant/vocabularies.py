"""The closed word lists of the product, defined once with their Chinese labels.

Ingest and the database validate against them, the API schemas type with them, and the pages
fetch them from `/v1/meta/vocabularies` instead of keeping their own copies.
"""

from typing import Literal

DOC_TYPES = ("法律", "行政法规", "部门规章", "司法解释", "地方性法规", "地方政府规章", "规范性文件",
             "政策解读", "办事指南", "其他")
DocType = Literal[DOC_TYPES]  # type: ignore[valid-type]

STATUSES = ("有效", "已修改", "已废止", "失效", "尚未施行")
NOT_YET_IN_FORCE = "尚未施行"  # effective date still ahead: published, not yet the rule
Status = Literal[STATUSES]  # type: ignore[valid-type]
REPEALED = ("已废止", "失效")  # no longer law: kept to answer "is it still valid?", never cited as the rule

ROLES = ("agent", "editor", "admin")
AUDIENCES = ("agent", "public")
Audience = Literal[AUDIENCES]  # type: ignore[valid-type]
FAQ_STATUSES = ("draft", "in_review", "published", "retired")
FaqStatus = Literal[FAQ_STATUSES]  # type: ignore[valid-type]
FAQ_ACTIONS = ("create", "update", "submit", "publish", "retire", "flag", "unflag", "review", "revise", "discard",
               "restore")
# A published FAQ's pending revision: being written, or waiting for a second editor's approval.
FAQ_REVISION_STATUSES = ("draft", "in_review")
FaqRevisionStatus = Literal[FAQ_REVISION_STATUSES]  # type: ignore[valid-type]
# Why a FAQ is 待复核: a cited passage's text changed, its document is no longer in force, or it is gone.
REVIEW_REASONS = ("changed", "repealed", "removed")
ReviewReason = Literal[REVIEW_REASONS]  # type: ignore[valid-type]
CHANNELS = ("agent", "portal", "api")
# What an editor decided about a knowledge gap (a refused or badly rated question); 已处理 is also
# set when a FAQ drafted from the gap is published.
GAP_TRIAGES = ("ignored", "not_ours", "handled")
GapTriage = Literal[GAP_TRIAGES]  # type: ignore[valid-type]
RATINGS = ("helpful", "not_helpful", "wrong_citation")
Rating = Literal[RATINGS]  # type: ignore[valid-type]
PAGE_KINDS = ("list", "detail", "attachment")
CRAWL_RUN_STATUSES = ("running", "succeeded", "gated", "failed", "interrupted")

# 接诉即办 work orders (《北京市接诉即办工作条例》第二条 types; the desk's lifecycle).
REQUEST_TYPES = ("consult", "help", "complaint", "report", "suggestion")
RequestType = Literal[REQUEST_TYPES]  # type: ignore[valid-type]
ORDER_STATUSES = ("pending", "in_progress", "replied", "awaiting_visit", "archived", "returned")
OrderStatus = Literal[ORDER_STATUSES]  # type: ignore[valid-type]
ORDER_ACTIONS = ("import", "accept", "transfer", "return", "extend", "urge", "reply", "to_visit", "visit",
                 "classify", "draft")
SATISFACTION = ("satisfied", "basically_satisfied", "dissatisfied")

# Codes are stored; labels are what people read. Statuses and document types are Chinese already.
LABELS: dict[str, dict[str, str]] = {
    "doc_types": {v: v for v in DOC_TYPES},
    "statuses": {v: v for v in STATUSES},
    "roles": {"agent": "坐席", "editor": "编辑", "admin": "管理员"},
    "audiences": {"public": "公众", "agent": "坐席"},
    "faq_statuses": {"draft": "草稿", "in_review": "待审核", "published": "已发布", "retired": "已下线"},
    "faq_actions": {"create": "创建", "update": "修改", "submit": "提交审核", "publish": "审核发布",
                    "retire": "下线", "flag": "标记待复核", "unflag": "依据恢复，取消待复核", "review": "已复核",
                    "revise": "修订", "discard": "放弃修订", "restore": "恢复为草稿"},
    "faq_review_reasons": {"changed": "条文已变更", "repealed": "依据已废止或失效", "removed": "条文已删除"},
    "channels": {"agent": "坐席", "portal": "门户", "api": "接口"},
    "gap_triages": {"ignored": "忽略", "not_ours": "不属于本部门", "handled": "已处理"},
    "refusal_reasons": {"out_of_scope": "不属于本部门职责", "weak_evidence": "依据不足", "case_status": "个人办件进度"},
    "ratings": {"helpful": "有用", "not_helpful": "没用", "wrong_citation": "回答有误"},
    "page_kinds": {"list": "列表页", "detail": "详情页", "attachment": "附件"},
    "request_types": {"consult": "咨询", "help": "求助", "complaint": "投诉", "report": "举报",
                      "suggestion": "建议"},
    "order_statuses": {"pending": "待接单", "in_progress": "办理中", "replied": "已答复",
                       "awaiting_visit": "待回访", "archived": "已归档", "returned": "已退单"},
    "order_actions": {"import": "导入", "accept": "接单", "transfer": "转办", "return": "退单（派单异议）",
                      "extend": "申请延期", "urge": "催办", "reply": "答复", "to_visit": "转回访",
                      "visit": "回访", "classify": "分类", "draft": "起草答复"},
    "satisfaction": {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"},
    "crawl_run_statuses": {"running": "进行中", "succeeded": "已完成", "gated": "未通过质量检查",
                           "failed": "失败", "interrupted": "已中断"},
}


def label(vocabulary: str, code: str) -> str:
    """The Chinese label of a code; an unknown code is shown as itself."""
    return LABELS[vocabulary].get(code, code)


def code_of(vocabulary: str, text: str) -> str | None:
    """The code whose code or Chinese label is `text` (for imports that carry labels)."""
    text = text.strip()
    return next((code for code, name in LABELS[vocabulary].items() if text in (code, name)), None)
