"""The one settings object; every field can be overridden by a HOTLINE_* environment variable."""

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.text_fields import MAX_QUERY_CHARS

PROJECT_ROOT = Path(__file__).resolve().parents[1]


ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors")  # what peft saves


class Calibration(BaseModel):
    """Answering thresholds; they belong to a question encoder (similarities shift when it is
    retrained), so a trained adapter ships its own next to it (calibration.json)."""
    faq_threshold: float
    scope_margin: float
    evidence_dense_reference: float
    evidence_threshold: float
    confident_dense_gap: float
    named_topic_penalty: float
    gap_group_threshold: float
    order_group_threshold: float


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_", env_file=".env", extra="ignore")

    home: Path = Field(PROJECT_ROOT, description="Root that relative data paths resolve against.")
    corpus_dir: Path = Path("corpora/planning")
    synonyms_file: Path = Path("corpora/synonyms.yaml")
    precedence_file: Path = Field(Path("corpora/precedence.yaml"),
                                  description="Matters a general law settles for lower-ranked documents (上位法优先).")
    index_root: Path = Path("indexes")
    model_dir: Path = Path("models/multilingual-e5-small")
    query_adapter_dir: Path = Field(Path("artefacts/query-adapter"),
                                    description="LoRA adapter of the question encoder (hotline models train).")
    tuned_model_dir: Path = Field(Path("models/e5-query-tuned"), description="Base model with the adapter merged.")
    query_model: Literal["tuned", "base"] = Field(
        "tuned", description="Question encoder: the trained one when its adapter is present, else base e5.")
    embedding_cache: Path = Path("indexes/.cache/embeddings.sqlite")
    embedding_seed: Path = Field(Path("artefacts/embeddings-bundled.npz"),
                                 description="Vectors of the bundled corpus that fill an empty embedding cache.")

    embed_batch_size: int = 32
    keep_versions: int = Field(5, description="Built versions kept for rollback.")
    torch_threads: int = 2
    query_cache_size: int = Field(4096, description="Recent question embeddings kept by the service; 0 disables.")
    faiss_threads: int = 1
    dense_index: Literal["auto", "flat", "ivf_sq8"] = Field(
        "auto", description="FAISS index of passage vectors: exact flat, or IVF with 8-bit codes re-scored "
                            "exactly (a quarter of the memory); auto picks IVF from ivf_min_passages on.")
    ivf_min_passages: int = Field(200_000, description="Corpus size from which dense_index=auto builds IVF-SQ8.")
    ivf_probe_share: float = Field(0.25, gt=0, le=1, description="Share of the IVF lists searched per question.")

    max_query_chars: int = Field(MAX_QUERY_CHARS, description="Longer queries are rejected, not truncated.")
    top_k: int = 10
    dense_candidates: int = 100
    keyword_candidates: int = 100
    # Fusion (docs/retrieval.md): the question's cosines and its BM25 scores, each in units of
    # their spread over the corpus. Chosen on dev and checked on dev2 and vice versa.
    dense_weight: float = Field(0.25, description="Fused score per standard deviation of the question's cosines.")
    keyword_weight: float = Field(0.04, description="Fused score per standard deviation of the question's BM25 "
                                                    "scores over all passages.")
    sentence_weight: float = Field(
        0.3, description="Share of an article's dense score taken from its best-matching sentence; "
                         "0 builds no sentence vectors.")
    dense_reference_rows: int = Field(2048, description="Passages sampled to measure the spread of a question's cosines.")
    expansion_weight: float = Field(0.3, description="BM25 weight of dictionary expansions vs the caller's words.")
    cue_weight: float = Field(
        0.5, description="BM25 weight of the caller's words that only frame a time or procedure question "
                         "(期限, 途径) vs the words that name its subject.")
    law_prior_weight: float = 0.0
    law_prior_top: int = 1
    fusion: Literal["learned", "hand"] = Field(
        "hand", description="Hybrid fusion: the hand-set weights below, or those fitted by `hotline models train` "
                            "(measured worse on both dev sets: docs/training.md).")
    fusion_file: Path = Field(Path("artefacts/fusion.json"), description="Learned fusion weights.")
    authority_prior: dict[str, float] = Field(
        default_factory=lambda: {"法律": 0.1, "行政法规": 0.05, "司法解释": -0.1},
        description="Score added by doc_type: the desk cites the primary statute first.")
    answer_kind_weight: float = Field(
        0.1, description="Score added to a candidate that states the kind of answer asked for (a time limit, "
                         "a fee, materials, a sanction).")
    twin_overlap: float = Field(
        0.8, ge=0.0, le=1.0, description=(
            "Share of the shorter article's character pairs another document's article must repeat to count as "
            "the same rule in two places (民法典 and 不动产登记暂行条例); it is then ranked right after the first "
            "hits. 1 turns this off."))

    # Answering with the base encoder: see docs/answering.md for how these were calibrated.
    # The tuned encoder's own values are in its adapter folder (Settings.calibration).
    faq_threshold: float = Field(0.94, description="Cosine above which a published FAQ answers verbatim.")
    scope_margin: float = 0.0
    evidence_dense_reference: float = 0.89
    evidence_threshold: float = Field(-0.018, description="Below this the answer is 未找到明确依据.")
    confident_dense_gap: float = Field(
        0.004, description="Top passage's cosine lead over the next one at or above which an answer is 有依据, else 需核实.")
    named_topic_penalty: float = Field(0.1, description="Evidence taken off when the question names another hotline's topic.")
    gap_group_threshold: float = Field(0.91, description="Cosine at which unanswered questions count as one gap.")
    order_group_threshold: float = Field(0.90, description="Cosine to a group's centroid at which a work order joins a high-frequency issue.")
    scope_file: Path = Path("corpora/scope.yaml")

    # Service
    database_url: str = Field("", description="SQLAlchemy URL; empty means a SQLite file under data/.")
    host: str = "127.0.0.1"
    port: int = 8000
    cors_origins: list[str] = []
    trusted_proxies: list[str] = Field(
        default_factory=list, description="Addresses whose X-Forwarded-For is believed (the load balancer); none by default.")
    key_outage_grace_seconds: float = Field(
        600.0, description="While the database is unreachable, keys verified this recently still open search and suggestions.")
    portal_rate_limit: str = Field("20/minute", description="Per client, for public routes (limits syntax).")
    rate_limit_storage: str = Field("memory://", description="limits storage URI, e.g. redis://127.0.0.1:6379")
    max_portal_body_bytes: int = 16 * 1024
    max_body_bytes: int = 1024 * 1024
    max_upload_bytes: int = 30 * 1024 * 1024
    upload_extract_seconds: float = Field(60.0, description="Time budget for reading one uploaded file.")
    upload_extract_memory_bytes: int = Field(
        1536 * 1024 * 1024, description="Address-space budget of the process that reads an uploaded file.")
    max_document_chars: int = Field(2_000_000, description="Uploaded files with more text than this are refused.")
    max_url_bytes: int = Field(8 * 1024, description="Longer request paths with query strings get 414.")
    index_poll_seconds: float = Field(2.0, description="How often the service looks for a new CURRENT.")
    events_url: str = Field("", description=(
        "Redis URL over which replicas tell each other of FAQ, index and work-order category changes "
        "(docs/deploy.md); empty for one process."))
    events_channel: str = Field("hotline:events", description="Redis pub/sub channel of those events.")
    retrieval_backend: Literal["files", "postgres"] = Field("files", description=(
        "Where replicas search: the index folder's FAISS and bm25s files, or the versions published to "
        "PostgreSQL with pgvector (docs/deploy.md)."))
    index_database_url: str = Field("", description=(
        "PostgreSQL with pgvector holding the published index versions; empty: the service's database."))
    pg_ef_search: int = Field(100, ge=10, le=1000, description="pgvector HNSW candidates per dense search.")
    jobs: Literal["thread", "worker"] = Field("thread", description=(
        "Where crawl runs and the index update after an upload run: a thread of the API process, or "
        "`hotline worker` processes fed through PostgreSQL (procrastinate; docs/deploy.md)."))
    shared_embedding_min: int = Field(
        2048, ge=1, description="With HOTLINE_JOBS=worker, a build with at least this many texts to embed shares "
                                "them with other workers.")
    embed_helpers: int = Field(2, ge=0, description="Worker jobs a shared build asks to help it embed.")
    embed_slice: int = Field(128, ge=1, description="Texts a process takes at a time in a shared build.")
    worker_heartbeat_seconds: float = Field(10.0, gt=0, description="How often a worker tells the queue it is alive.")
    worker_stalled_seconds: float = Field(
        30.0, gt=0, description="A job whose worker has not beaten for this long is run again by another worker.")
    shared_query_cache_url: str = Field("", description=(
        "Redis URL of a question-vector cache shared by the replicas (keys are hashes, not questions); "
        "empty: each process keeps its own only."))
    shared_query_cache_ttl_seconds: int = Field(7 * 24 * 3600, ge=60, description="How long a shared question vector is kept.")
    llm_base_url: str = ""
    llm_api_key: str = ""
    llm_model: str = "gpt-4o-mini"
    llm_timeout: float = 20.0
    llm_passages: int = 5

    # Crawling (docs/sources.md): politeness and limits apply to every source.
    sources_file: Path = Path("corpora/sources.yaml")
    crawl_corpus_dir: Path = Field(Path("data/crawled"), description="Live crawled documents, one folder per source.")
    crawl_history_dir: Path = Field(Path("data/crawled-history"), description="Superseded and removed versions.")
    crawl_user_agent: str = "hotline-crawler/0.1 (Beijing 12345 planning knowledge base)"
    crawl_timeout: float = Field(20.0, description="Seconds per request (connect, read, whole body).")
    crawl_retries: int = Field(3, ge=1, description="Attempts per URL on timeouts, connection errors, 429 and 5xx.")
    crawl_backoff: float = Field(1.0, description="First retry wait in seconds; doubles each attempt.")
    crawl_max_bytes: int = Field(30 * 1024 * 1024, description="Larger responses are dropped.")
    crawl_max_redirects: int = 5
    crawl_workers: int = Field(8, description="Requests in flight over all hosts.")
    crawl_delay: float = Field(1.0, description="Default seconds between requests to one host.")
    crawl_host_concurrency: int = Field(2, description="Default requests in flight per host.")
    crawl_min_pdf_chars: int = Field(20, description="A PDF with fewer text characters per page is a scan.")
    gate_question_set: Path = Field(Path("eval/sets/dev.jsonl"), description="Regression gate questions (eval JSONL format).")
    gate_max_recall_drop: float = Field(0.02, description="A new index is not activated if Recall@5 falls more than this; 1 turns the gate off.")
    gate_check_dir: Path = Field(Path("corpora/checks"), description=(
        "Per-source check questions (<source>.jsonl, eval JSONL format) the editors fill; the gate scores "
        "them with the gate question set."))
    stale_faq_portal_withdraw: list[Literal["changed", "repealed", "removed"]] = Field(
        default_factory=lambda: ["repealed", "removed"], description=(
            "Why a published FAQ flagged 待复核 leaves the portal until re-reviewed; agents still see it, with a warning."))
    faq_self_publish: bool = Field(False, description=(
        "Lets the author of a FAQ (or of its revision) publish it without a second editor's review; admins "
        "included. Off: four-eyes."))

    max_article_chars: int = Field(800, description="Articles longer than this are split at 款/项.")
    section_chars: int = 600
    section_overlap: int = 100

    workorders_dir: Path = Field(Path("corpora/workorders"), description=(
        "Work-order configuration: taxonomy.yaml, time_limits.yaml, calendar.yaml, mapping-12345.yaml, "
        "examples.jsonl (labelled orders the classifier starts from)."))
    typing_window_seconds: float = Field(60.0, description=(
        "An agent's suggestion query that extends or trims the same key's previous one within this "
        "many seconds revises its query-log entry instead of adding one."))
    agent_settle_seconds: float = Field(5.0, gt=0, description=(
        "The agent console logs the caller's question once the agent has not typed for this many seconds "
        "(at once on 确认问题/Ctrl+Enter, a copy or a rating); suggestions while typing are not logged."))
    portal_online_url: str = Field("https://www.beijing.gov.cn/hudong/", pattern=r"^(https?://\S+)?$", description=(
        "The 12345 online platform the portal links for 网上留言; empty shows no link."))
    order_contact_roles: list[str] = Field(["admin"], description="Roles that see callers' names and phone numbers in full.")
    order_transition_roles: list[str] = Field(["agent", "editor", "admin"], description="Roles that may act on work orders.")
    order_supervisor_roles: list[str] = Field(["editor", "admin"], description="Roles that may urge (催办) and import.")

    def resolve(self, path: Path) -> Path:
        return path if path.is_absolute() else self.home / path

    @cached_property
    def corpus_path(self) -> Path:
        return self.resolve(self.corpus_dir)

    @cached_property
    def synonyms_path(self) -> Path:
        return self.resolve(self.synonyms_file)

    @cached_property
    def precedence_path(self) -> Path:
        return self.resolve(self.precedence_file)

    @cached_property
    def index_path(self) -> Path:
        return self.resolve(self.index_root)

    @cached_property
    def model_path(self) -> Path:
        return self.resolve(self.model_dir)

    @cached_property
    def fusion_path(self) -> Path:
        return self.resolve(self.fusion_file)

    @cached_property
    def adapter_path(self) -> Path:
        return self.resolve(self.query_adapter_dir)

    @property
    def adapter_present(self) -> bool:
        """Whether a trained question-encoder adapter ships in adapter_path."""
        return all((self.adapter_path / name).is_file() for name in ADAPTER_FILES)

    @cached_property
    def query_model_path(self) -> Path:
        """The folder questions are encoded with; passages always use the base model."""
        if self.query_model == "tuned" and self.adapter_present:
            return self.resolve(self.tuned_model_dir)
        return self.model_path

    @cached_property
    def calibration(self) -> Calibration:
        """The thresholds of the question encoder in use."""
        own = self.adapter_path / "calibration.json"
        if self.query_model_path != self.model_path and own.is_file():
            return Calibration.model_validate_json(own.read_text(encoding="utf-8"))
        return Calibration(**{name: getattr(self, name) for name in Calibration.model_fields})

    @property
    def index_conninfo(self) -> str:
        """libpq URI of the PostgreSQL holding published index versions."""
        from assistant.db.engine import libpq_uri

        uri = libpq_uri(self.index_database_url or self.database)
        if uri is None:
            raise ValueError("HOTLINE_RETRIEVAL_BACKEND=postgres 需要 PostgreSQL（HOTLINE_INDEX_DATABASE_URL 或 "
                             "HOTLINE_DATABASE_URL=postgresql+psycopg://…）")
        return uri

    @cached_property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'data' / 'hotline.sqlite'}"

    @cached_property
    def workorders_path(self) -> Path:
        return self.resolve(self.workorders_dir)

    @cached_property
    def scope_path(self) -> Path:
        return self.resolve(self.scope_file)

    @cached_property
    def embedding_cache_path(self) -> Path:
        return self.resolve(self.embedding_cache)

    @cached_property
    def sources_path(self) -> Path:
        return self.resolve(self.sources_file)

    @cached_property
    def crawl_corpus_path(self) -> Path:
        return self.resolve(self.crawl_corpus_dir)

    @cached_property
    def crawl_history_path(self) -> Path:
        return self.resolve(self.crawl_history_dir)

    @property
    def corpus_paths(self) -> list[Path]:
        """What an index is built from: the bundled corpus, then crawled documents if any."""
        crawled = self.crawl_corpus_path
        return [self.corpus_path, *([crawled] if crawled.is_dir() else [])]
