"""Validated text types and length limits shared by the domain models and the API schemas."""

import re
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

MAX_QUESTION_CHARS = 500     # a portal question, a FAQ question or phrasing
MAX_QUERY_CHARS = 1000      # an agent's search or suggestion query
MAX_TRANSCRIPT_CHARS = 5000  # the caller's words pasted by an agent
MAX_ANSWER_CHARS = 5000

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
