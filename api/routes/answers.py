"""Search, agent suggestions and the public portal's answers."""

import logging
import time

from fastapi import APIRouter

from api.deps import AgentKey, RateLimited, SessionDep, StateDep
from api.errors import DATABASE_UNREACHABLE
from api.schemas import AnswerOut, AskIn, AskOut, ClassifyIn, ClassifyOut, SearchIn, SearchOut, SuggestIn, SuggestOut
from api.state import AppState
from assistant.answer import ESCALATION, Answer
from assistant.querylog import log_query
from assistant.redact import redact
from assistant.transcript import extract_query
from assistant.workorders.handling import usual_handler

router = APIRouter(prefix="/v1", tags=["answers"])
log = logging.getLogger(__name__)


def _answer(state: AppState, session, question: str, channel: str, audiences: frozenset[str],
            revise: int | None = None, logged: bool = True) -> tuple[Answer, int | None, float]:
    """The answer, its query-log id (None when not `logged`, or when the database is
    unreachable: the caller still gets the answer, the drop is counted), and the milliseconds
    it took."""
    started = time.perf_counter()
    state.refresh_index()
    answer = state.answerer.answer(question, audiences=audiences)
    took = (time.perf_counter() - started) * 1000
    state.metrics.answer(channel, answer.kind)
    if not logged:
        return answer, None, took
    try:
        # Committed here, not with the request: a commit that fails (the database went away
        # mid-request) must cost the log entry, not the answer. The lock queues writers
        # in-process rather than in SQLite's sleeping busy handler.
        with state.write_lock:
            entry = log_query(session, channel=channel, query=redact(question), answered=not answer.refused,
                              refused=answer.refused, faq_id=answer.faq_id,
                              citations=[c.passage_id for c in answer.citations],
                              top_score=answer.evidence, latency_ms=took,
                              index_version=state.searcher.index.version, revise=revise, reason=answer.reason)
            session.commit()
    except DATABASE_UNREACHABLE as exc:
        session.rollback()
        state.metrics.dropped_logs.inc()
        log.warning("query log not written, database unreachable: %s", type(exc).__name__)
        return answer, None, took
    return answer, entry.id, took


def _out(answer: Answer) -> AnswerOut:
    # The generic escalation restates the 12345 route every refusal offers; only another
    # department's referral is news to a citizen.
    referral = answer.escalation if answer.escalation != ESCALATION else None
    return AnswerOut(**answer.model_dump(include=set(AnswerOut.model_fields)), referral=referral)


@router.post("/search", response_model=SearchOut, summary="检索条文（坐席、编辑）")
def search(body: SearchIn, state: StateDep, _: AgentKey) -> SearchOut:
    started = time.perf_counter()
    state.refresh_index()
    hits = state.searcher.search(body.query, body.top_k, body.filters.to_filters())
    return SearchOut(query=body.query, index_version=state.searcher.index.version,
                     took_ms=round((time.perf_counter() - started) * 1000, 2),
                     results=hits)


@router.post("/agent/suggest", response_model=SuggestOut, summary="通话中的答复建议（坐席）")
def suggest(body: SuggestIn, state: StateDep, session: SessionDep, key: AgentKey) -> SuggestOut:
    started = time.perf_counter()
    query = (body.query or "").strip() or extract_query(body.transcript or "", state.searcher.synonyms.terms())
    revise = state.typing.revises(key.id, query) if body.settled else None
    answer, log_id, _took = _answer(state, session, query, "agent", frozenset({"agent", "public"}),
                                    revise=revise, logged=body.settled)
    if log_id is not None:
        state.typing.note(key.id, query, log_id)
    passages = answer.hits or []
    return SuggestOut(query=redact(query), answer=_out(answer), passages=passages,
                      log_id=log_id, index_version=state.searcher.index.version,
                      took_ms=round((time.perf_counter() - started) * 1000, 2))


@router.post("/agent/classify", response_model=ClassifyOut, summary="来电诉求的建议分类与承办单位（坐席）")
def classify(body: ClassifyIn, state: StateDep, session: SessionDep, _: AgentKey) -> ClassifyOut:
    query = extract_query(body.transcript, state.searcher.synonyms.terms()) or body.transcript.strip()
    guess = state.orders.classifier(session).classify([query])[0]
    return ClassifyOut(query=redact(query), category=list(guess.category), confidence=guess.confidence,
                       handler=usual_handler(session, guess.category))


@router.post("/portal/ask", response_model=AskOut, summary="市民提问（公开，限流）", dependencies=[RateLimited])
def ask(body: AskIn, state: StateDep, session: SessionDep) -> AskOut:
    answer, log_id, _ = _answer(state, session, body.question, "portal", frozenset({"public"}))
    return AskOut(question=body.question, answer=_out(answer), log_id=log_id)
