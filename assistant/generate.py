"""Optional LLM-written answers (any OpenAI-compatible endpoint, through llama-index), held
to the same rule as extractive ones: every [n] must point at a passage it was given."""

import logging
import re

from llama_index.core.llms import ChatMessage
from llama_index.llms.openai_like import OpenAILike

from assistant.answer import Citation, citation_for
from assistant.retrieval import Hit

log = logging.getLogger(__name__)
CITE_RE = re.compile(r"\[(\d{1,2})\]")
SYSTEM = ("你是北京12345热线规划和自然资源领域的知识助手。只能依据给出的条文作答，用简体中文，"
          "简洁准确；每一句话后用[编号]标注所依据的条文编号；条文中没有依据的内容不要写。")


def check_citations(text: str, hits: list[Hit]) -> tuple[str, list[Citation]]:
    """Drop [n] that point at no given passage; renumber the rest 1..k in order of first use."""
    order: list[int] = []
    for match in CITE_RE.finditer(text):
        n = int(match.group(1))
        if 1 <= n <= len(hits) and n not in order:
            order.append(n)
    renumber = {old: new for new, old in enumerate(order, start=1)}

    def replace(match: re.Match) -> str:
        n = int(match.group(1))
        return f"[{renumber[n]}]" if n in renumber else ""

    cleaned = CITE_RE.sub(replace, text).strip()
    return cleaned, [citation_for(renumber[n], hits[n - 1]) for n in order]


class LlmComposer:
    def __init__(self, base_url: str, api_key: str, model: str, timeout: float = 20.0):
        self._llm = OpenAILike(model=model, api_base=base_url, api_key=api_key or "none",
                               is_chat_model=True, timeout=timeout, max_retries=1, temperature=0.1)

    def compose(self, question: str, hits: list[Hit]) -> tuple[str, list[Citation]] | None:
        """A cited answer, or None (caller falls back to extractive) on failure or no valid citation."""
        sources = "\n\n".join(f"[{n}] {h.citation}\n{h.text}" for n, h in enumerate(hits, start=1))
        messages = [ChatMessage(role="system", content=SYSTEM),
                    ChatMessage(role="user", content=f"条文：\n{sources}\n\n问题：{question}")]
        try:
            reply = self._llm.chat(messages).message.content or ""
        except Exception as exc:  # noqa: BLE001 - any endpoint failure means: answer extractively
            log.warning("LLM endpoint failed (%s); answering extractively", type(exc).__name__)
            return None
        text, citations = check_citations(reply, hits)
        return (text, citations) if citations else None
