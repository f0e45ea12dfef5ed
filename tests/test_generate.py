"""Optional LLM answers against a fake OpenAI-compatible endpoint on 127.0.0.1."""

import pytest
from fastapi import FastAPI, Request

from assistant.answer import Answerer
from assistant.generate import LlmComposer, check_citations
from assistant.retrieval import Hit
from tests.live_server import free_port, running


def hit(n: int) -> Hit:
    return Hit(passage_id=f"law/a{n}", doc_id="law", title="某法", label=f"第{n}条", article=n, chapter="",
               text=f"第{n}条 内容{n}。", url="https://example.gov.cn", status="有效", score=1.0,
               dense_score=0.9, keyword_score=1.0)


def test_unsupported_citations_are_dropped_and_the_rest_renumbered():
    text, citations = check_citations("甲[2]。乙[7]。丙[2][1]。", [hit(1), hit(2), hit(3)])
    assert text == "甲[1]。乙。丙[1][2]。"
    assert [c.passage_id for c in citations] == ["law/a2", "law/a1"]
    assert check_citations("没有引用。[0][9]", [hit(1)]) == ("没有引用。", [])


@pytest.fixture(scope="module")
def fake_llm():
    """(base_url, replies) — the endpoint answers with replies["text"] and records prompts."""
    replies = {"text": "", "prompts": []}
    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> dict:
        body = await request.json()
        replies["prompts"].append(body["messages"][-1]["content"])
        return {"id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": replies["text"]}}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}

    with running(app) as base:
        yield f"{base}/v1", replies


def test_llm_answer_keeps_only_verified_citations(searcher, fake_llm):
    base, replies = fake_llm
    answerer = Answerer.create(searcher)
    answerer.llm = LlmComposer(base, "", "test-model")
    replies["text"] = "农村村民一户只能拥有一处宅基地[1]。另有规定[9]。"
    answer = answerer.answer("农村一户能有几处宅基地")
    assert answer.kind == "passages"
    assert answer.text == "农村村民一户只能拥有一处宅基地[1]。另有规定。"
    assert len(answer.citations) == 1 and answer.citations[0].passage_id == answer.hits[0].passage_id
    assert "问题：农村一户能有几处宅基地" in replies["prompts"][-1]
    assert "[1] 《" in replies["prompts"][-1]


def test_llm_answer_without_valid_citation_falls_back_to_extractive(searcher, fake_llm):
    base, replies = fake_llm
    answerer = Answerer.create(searcher)
    answerer.llm = LlmComposer(base, "", "test-model")
    replies["text"] = "可以随便批。[12]"
    answer = answerer.answer("农村一户能有几处宅基地")
    assert "随便" not in answer.text
    assert answer.citations and "[1]" in answer.text


def test_unreachable_llm_falls_back_to_extractive(searcher):
    answerer = Answerer.create(searcher)
    answerer.llm = LlmComposer(f"http://127.0.0.1:{free_port()}/v1", "", "m", timeout=2)
    answer = answerer.answer("违法建设由谁查处")
    assert answer.kind == "passages" and answer.citations
