"""The app container: everything a request needs, created once in the lifespan."""

import logging
import math
import threading
import time
from dataclasses import dataclass, field

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sentence_transformers import SentenceTransformer
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from api.metrics import Metrics
from assistant import faqs as faq_store
from assistant.answer import Answerer, servable_faqs
from assistant.db import make_engine, migrate, session_factory
from assistant.encoder import OnnxQueryEncoder, QueryBatcher, load_model
from assistant.events import FAQS, INDEX, ORDER_CATEGORY, Events, LocalEvents, connect
from assistant.faq_review import flag_stale_faqs
from assistant.faq_match import FaqMatcher
from assistant.generate import LlmComposer
from assistant.live_index import live_version, open_searcher
from assistant.keys import RecentKeys
from assistant.querylog import TypingSessions
from assistant.retrieval import Searcher
from assistant.scope import ScopeGuard
from assistant.settings import Settings
from assistant.vector_cache import RedisVectorCache, encoder_fingerprint
from assistant.workorders.desk import OrderDesk
from ingest.jobs import JobQueue

log = logging.getLogger(__name__)
SEARCHER_RETIRE_SECONDS = 30.0


@dataclass
class AppState:
    settings: Settings
    model: SentenceTransformer
    sessions: sessionmaker[Session]
    scope: ScopeGuard
    faqs: FaqMatcher
    metrics: Metrics
    limiter: MovingWindowRateLimiter
    searcher: Searcher
    batcher: QueryBatcher
    keys: RecentKeys
    orders: OrderDesk
    typing: TypingSessions
    llm: LlmComposer | None = None
    events: Events = field(default_factory=LocalEvents)
    jobs: JobQueue | None = None  # None: crawl runs and upload index updates run in this process
    _checked_at: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    write_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def create(cls, settings: Settings, model: SentenceTransformer | None = None) -> "AppState":
        migrate(settings.database)
        model = model or load_model(settings.model_path, settings.torch_threads)
        encoder = OnnxQueryEncoder(settings.query_model_path, settings.torch_threads)
        shared = (RedisVectorCache(settings.shared_query_cache_url, encoder_fingerprint(encoder),
                                   settings.shared_query_cache_ttl_seconds)
                  if settings.shared_query_cache_url else None)
        batcher = QueryBatcher(encoder, cache_size=settings.query_cache_size, shared=shared)
        searcher = open_searcher(settings, model, batcher.encode_many)
        state = cls(
            settings=settings,
            model=model,
            sessions=session_factory(make_engine(settings.database)),
            scope=ScopeGuard(batcher.encode_many, settings.scope_path, settings.calibration.scope_margin),
            faqs=FaqMatcher(batcher.encode_many, settings.calibration.faq_threshold),
            metrics=Metrics(),
            limiter=MovingWindowRateLimiter(storage_from_string(settings.rate_limit_storage)),
            searcher=searcher,
            batcher=batcher,
            keys=RecentKeys(settings.key_outage_grace_seconds),
            orders=OrderDesk(settings.workorders_path, batcher.encode_many),
            typing=TypingSessions(settings.typing_window_seconds),
            llm=(LlmComposer(settings.llm_base_url, settings.llm_api_key, settings.llm_model, settings.llm_timeout)
                 if settings.llm_base_url else None),
            events=connect(settings.events_url, settings.events_channel),
            jobs=JobQueue(settings) if settings.jobs == "worker" else None,
            _checked_at=time.monotonic(),
        )
        state.metrics.set_index(searcher.index.version)
        state.review_faqs()
        faq_store.on_faq_commit(state.sessions, state.faqs_changed)
        state.reload_faqs()
        state.events.subscribe(FAQS, lambda _: state.reload_faqs())
        state.events.subscribe(INDEX, lambda _: state.refresh_index(force=True))
        state.events.subscribe(ORDER_CATEGORY, state.learn_order_category)
        return state

    @property
    def answerer(self) -> Answerer:
        """An Answerer over the live searcher (routes call refresh_index first to pick up a new one)."""
        return Answerer.create(self.searcher, scope=self.scope, faqs=self.faqs, llm=self.llm)

    def refresh_index(self, force: bool = False) -> None:
        """Pick up a new CURRENT without a restart (checked at most every index_poll_seconds)."""
        now = time.monotonic()
        if not force and now - self._checked_at < self.settings.index_poll_seconds:
            return
        with self._lock:
            self._checked_at = now
            version = live_version(self.settings)
            if not version or version == self.searcher.index.version:
                return
            log.info("switching to index %s", version)
            previous = self.searcher
            self.searcher = open_searcher(self.settings, self.model, self.batcher.encode_many, version)
            self.metrics.set_index(version)
            # Questions already under way finish on the previous version's connections.
            retire = threading.Timer(SEARCHER_RETIRE_SECONDS, previous.backend.close)
            retire.daemon = True
            retire.start()
        # Whichever replica notices a new CURRENT first (its own activation, or a poll after the
        # CLI's) tells the others, so they switch now rather than at their next poll.
        self.events.publish(INDEX, {"version": version})
        self.review_faqs()
        self.reload_faqs()

    def review_faqs(self) -> None:
        """Flag the FAQs whose cited passages the live index changed, repealed or removed
        (assistant.faq_review), so the matcher loaded next serves them as 待复核. The crawl that
        activated the index may be doing the same; whoever commits second finds nothing to do."""
        index = self.searcher.index
        try:
            with self.sessions() as s:
                report = flag_stale_faqs(s, index)
                s.commit()
        except SQLAlchemyError:
            # Not flagged, a FAQ citing a passage gone or not in force is still left out
            # (servable_faqs); the next index switch or restart checks again.
            log.exception("checking FAQs against index %s failed", index.version)
            return
        if report.flagged or report.cleared:
            log.info("index %s: FAQs flagged 待复核 %s, flags lifted %d", index.version, report.flagged, report.cleared)

    def faqs_changed(self) -> None:
        """A FAQ change committed here: reload this replica's matcher and tell the others."""
        self.reload_faqs()
        self.events.publish(FAQS)

    def publish_after_commit(self, session: Session, topic: str, data: dict) -> None:
        """Tell the other replicas of a change once `session` has committed it (never if rolled back)."""
        event.listen(session, "after_commit", lambda _: self.events.publish(topic, data), once=True)

    def learn_order_category(self, data: dict) -> None:
        """Another replica's staff confirmed or corrected an order's category: learn it too."""
        with self.sessions() as s:
            self.orders.learn_confirmed(s, data.get("order_id"))

    def reload_faqs(self) -> None:
        """Load the servable published FAQs into the matcher."""
        with self.sessions() as s:
            published = faq_store.published_faqs(s, {"agent", "public"})
        self.faqs.load(servable_faqs(published, self.searcher))

    def close(self) -> None:
        """Release what outlives the app otherwise: the encoding and event threads, the database pool."""
        self.events.close()
        self.searcher.backend.close()
        self.batcher.close()
        self.sessions.kw["bind"].dispose()

    def allow(self, limit: str, key: str) -> int:
        """0 when the request may go on, else the seconds until it may (for Retry-After)."""
        item = parse(limit)
        if self.limiter.hit(item, key):
            return 0
        reset, _ = self.limiter.get_window_stats(item, key)
        return max(1, math.ceil(reset - time.time()))
