"""The closed word lists of the corpus metadata, defined once (ingest validates against them,
the API and pages offer them)."""

from typing import Literal

DOC_TYPES = ("法律", "行政法规", "部门规章", "司法解释", "地方性法规", "地方政府规章", "规范性文件",
             "政策解读", "办事指南", "其他")
DocType = Literal[DOC_TYPES]  # type: ignore[valid-type]

STATUSES = ("有效", "已修改", "已废止", "失效")
Status = Literal[STATUSES]  # type: ignore[valid-type]
REPEALED = ("已废止", "失效")  # no longer law: kept to answer "is it still valid?", never cited as the rule
