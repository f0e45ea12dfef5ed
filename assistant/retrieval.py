"""Hybrid retrieval: dense (FAISS) and keyword (BM25) candidates, fused by weighted scores.

Plain RRF throws away how far apart scores are and loses to dense alone on this corpus; a
weighted sum does better: the cosine (mixed with the article's best sentence) in units of the
question's cosine spread over the corpus, plus BM25 over its best candidate (docs/retrieval.md).
"""

import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

import faiss
import numpy as np
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode
from pydantic import BaseModel, Field, computed_field
from sentence_transformers import SentenceTransformer

from assistant.article import body_of, char_pairs
from assistant.errors import Invalid
from assistant.expand import Synonyms
from assistant.fusion import FEATURES, LearnedFusion, features
from assistant.index import LoadedIndex
from assistant.passage import Passage
from assistant.precedence import Precedence, compact_title
from assistant.question import DURATION, FIGURE, Kind, analyse
from assistant.search_backend import FileBackend, Filters, SearchBackend
from assistant.settings import Settings
from assistant.tokenize import Tokenizer
from assistant.validity import DocumentState, Register

Mode = Literal["hybrid", "dense", "keyword"]
SourceKind = Literal["official", "mirror", "none"]
# Bundled statutes link to the mirror they were taken from (ingest/corpus.py LAWREFBOOK_URL);
# any other link is the issuing body's own page, crawled or given with an upload.
MIRROR_URL_PREFIX = "https://github.com/LawRefBook/Laws/"
# What a sanction article says, and where a law keeps them.
SANCTION_RE = re.compile(r"罚款|没收|拘留|吊销|处分|警告|刑事责任")
# The law that sets the time to seek a remedy other rules only name (「可以依法申请行政复议」);
# keyed as assistant.compose.ACTS names the acts.
REMEDY_LAWS = {"复议": "中华人民共和国行政复议法", "诉讼": "中华人民共和国行政诉讼法"}
# What an article says when it answers a kind of question outright: a question of that kind
# prefers it (docs/retrieval.md). Stricter than compose.STATES, which picks sentences within
# articles already found: a date (2019年) or a 责令 is in too many articles to tell them apart.
# 谁 and 能不能 have no entry: nearly every article names an authority and a modal.
ANSWER_KIND_RE: dict[Kind, re.Pattern] = {
    "deadline": re.compile(f"{DURATION}(?:内|以内|之内|前|后|届满)|之日起"),
    "fee": re.compile(f"{FIGURE}元|元以[上下]|收取|免收|不收|费用|百分之"),
    "materials": re.compile(r"材料|申请书|证明文件|提交下列|提供下列"),
    "penalty": SANCTION_RE,
}
# The caller's words that only frame a time or procedure question (期限, 时间, 途径, 流程) name no
# subject: 「期限」 matches every 期限届满 of the corpus. BM25 weighs them at `cue_weight`; the
# answer-kind prior rewards the time limit itself. Not the words that are a rule's own subject
# (诉讼时效, 逾期, 有效期, 程序 in 简易程序), a unit (工作日), or what an answer of another kind
# says (费用, 材料, and 责任, the subject of liability law): they keep full weight
# (docs/retrieval.md).
CUE_RE = re.compile(r"期限|时限|时间|多久|多长时间|什么时候|何时|途径|渠道|流程|步骤|怎么办|如何|怎么|怎样")
LIABILITY_CHAPTER_RE = re.compile(r"法律责任|罚则")
SOURCE_KIND_DESCRIPTION = "url 是 official 官方发布页、mirror 法规库副本（打包法规的来源），还是 none 没有链接"


# Twins are looked for among this many fused candidates, for each of the first TWIN_LEADS hits.
TWIN_WINDOW = 30
TWIN_LEADS = 2


def _char_pairs(text: str) -> set[str]:
    """The article's adjacent character pairs, without its 第X条 label and whitespace."""
    return char_pairs("".join(body_of(text).split()))


def _overlap(a: set[str], b: set[str]) -> float:
    """Share of the smaller set found in the other (a short rule inside a longer restatement counts)."""
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


class QueryError(Invalid):
    """A query that cannot be searched; the message is shown to the user."""

    code = "invalid_query"


def validate_query(query: str, max_chars: int) -> str:
    """The query with its whitespace collapsed, or a QueryError saying what is wrong with it."""
    query = " ".join(query.split())
    if not query:
        raise QueryError("问题不能为空：请输入要查询的问题。")
    if len(query) > max_chars:
        raise QueryError(f"问题过长（{len(query)} 字），请精简到 {max_chars} 字以内。")
    return query


def source_kind_of(url: str) -> SourceKind:
    """Whether a document's link is its official publication, the bundled mirror, or missing."""
    if not url:
        return "none"
    return "mirror" if url.startswith(MIRROR_URL_PREFIX) else "official"


class Hit(BaseModel):
    passage_id: str
    doc_id: str
    title: str
    label: str
    article: int | None
    chapter: str
    text: str
    url: str
    status: str
    score: float
    dense_score: float
    keyword_score: float
    effective_date: str = Field("", description="文件施行日期（YYYY-MM-DD），未知时为空")
    superseded_by: list[str] = Field([], description="就此事项取代本条的上位法条文；非空时本条不作为答复依据")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def citation(self) -> str:
        return f"《{self.title}》{self.label}"

    @computed_field(description=SOURCE_KIND_DESCRIPTION)  # type: ignore[prop-decorator]
    @property
    def source_kind(self) -> SourceKind:
        return source_kind_of(self.url)


@dataclass
class Searcher:
    """Everything a query needs, loaded once: the index, the model, tokenizer and synonyms."""
    index: LoadedIndex
    model: SentenceTransformer
    settings: Settings
    synonyms: Synonyms
    tokenizer: Tokenizer
    encoder: Callable[[Sequence[str]], np.ndarray]  # questions → vectors, e.g. a QueryBatcher's encode_many
    learned: LearnedFusion | None = None
    backend: SearchBackend = None  # type: ignore[assignment]  # None: the version folder's files
    precedence: Precedence = field(default_factory=lambda: Precedence([]))
    _allowed: dict = field(default_factory=dict)
    _masks: dict = field(default_factory=dict)
    _register: Register | None = None
    _reference: np.ndarray | None = None
    _articles: dict = field(default_factory=dict)
    _sanctions: dict = field(default_factory=dict)
    _remedies: dict = field(default_factory=dict)

    @classmethod
    def open(cls, settings: Settings, model: SentenceTransformer | None = None) -> "Searcher":
        """Load the live index version from the configured backend, the passage model and the
        configured question encoder."""
        from assistant.encoder import load_model
        from assistant.live_index import open_searcher

        return open_searcher(settings, model or load_model(settings.model_path, settings.torch_threads))

    def with_settings(self, settings: Settings) -> "Searcher":
        """The same index, models and backend under other settings (fusion experiments); the
        backend keeps its own search parameters."""
        return type(self).create(self.index, self.model, settings, self.encoder, self.backend)

    def __post_init__(self) -> None:
        if self.backend is None:
            self.backend = FileBackend(self.index, self.settings.ivf_probe_share)

    @classmethod
    def create(cls, index: LoadedIndex, model: SentenceTransformer, settings: Settings,
               encoder: Callable[[Sequence[str]], np.ndarray] | None = None,
               backend: SearchBackend | None = None) -> "Searcher":
        # FAISS's OpenMP pool and torch's threads fight over 2 cores (600 ms vs 14 ms per
        # query measured); one query vector gains nothing from parallel search anyway.
        faiss.omp_set_num_threads(settings.faiss_threads)
        synonyms = Synonyms.load(settings.synonyms_path)
        if encoder is None:
            from assistant.encoder import OnnxQueryEncoder

            encoder = OnnxQueryEncoder(settings.query_model_path, settings.torch_threads)
        learned = LearnedFusion.load(settings.fusion_path) if settings.fusion == "learned" else None
        return cls(index, model, settings, synonyms, Tokenizer(synonyms.terms()), encoder, learned, backend,
                   Precedence.load(settings.precedence_path))

    @property
    def register(self) -> Register:
        """The index's documents by name, for validity questions (built on first use)."""
        if self._register is None:
            self._register = Register(self.index.passages)
        return self._register

    @property
    def fusion_name(self) -> str:
        return "hand" if self.learned is None else "learned"

    def validate(self, query: str) -> str:
        return validate_query(query, self.settings.max_query_chars)

    def _mask(self, filters: Filters) -> np.ndarray:
        if filters not in self._masks:
            self._masks[filters] = filters.mask(self.index)
            self._allowed[filters] = np.flatnonzero(self._masks[filters]).astype(np.int64)
        return self._masks[filters]

    def encode(self, query: str) -> np.ndarray:
        """The query's dense vector; pass it to search() to avoid encoding twice."""
        return self.encoder([query])[0]

    def _dense(self, vector: np.ndarray, filters: Filters, k: int) -> dict[int, float]:
        self._mask(filters)
        return self.backend.dense(vector, filters, self._allowed[filters], k)

    def _keyword(self, tokens: list[str], expansion: list[str], filters: Filters,
                 k: int) -> tuple[dict[int, float], np.ndarray]:
        """BM25 of the caller's words plus down-weighted dictionary expansions: the top k passages
        the filters allow, and every passage's score (unfiltered, so that its spread is the same
        whatever the filters)."""
        weighted = [(t, self.settings.cue_weight if CUE_RE.fullmatch(t) else 1.0) for t in tokens] + [
            (t, self.settings.expansion_weight) for t in expansion if t not in tokens]
        scores = self.backend.keyword(weighted, len(self.index.passages))
        allowed = np.where(self._mask(filters), scores, 0.0)
        top = np.argpartition(-allowed, min(k, len(allowed) - 1))[:k]
        return {int(r): float(allowed[r]) for r in top if allowed[r] > 0}, scores

    def _candidates(self, query: str, filters: Filters, mode: Mode,
                    vector: np.ndarray | None) -> tuple[dict[int, float], dict[int, float], np.ndarray | None, np.ndarray | None]:
        """Dense and keyword candidates: (dense, keyword, all keyword scores, query vector)."""
        s = self.settings
        dense: dict[int, float] = {}
        keyword: dict[int, float] = {}
        keyword_all = qvec = None
        if mode in ("hybrid", "dense"):
            # Expansions go to BM25 only: appended to the dense query they measurably hurt.
            qvec = self.encode(query) if vector is None else vector
            dense = self._dense(qvec, filters, s.dense_candidates)
        if mode in ("hybrid", "keyword"):
            expansion = self.tokenizer.tokens(" ".join(self.synonyms.expansions(query)))
            keyword, keyword_all = self._keyword(self.tokenizer.tokens(query), expansion, filters,
                                                 s.keyword_candidates)
        return dense, keyword, keyword_all, qvec

    def search(self, query: str, top_k: int | None = None, filters: Filters = Filters(),
               mode: Mode = "hybrid", vector: np.ndarray | None = None) -> list[Hit]:
        query = self.validate(query)
        top_k = top_k or self.settings.top_k
        dense, keyword, keyword_all, qvec = self._candidates(query, filters, mode, vector)
        if mode == "dense":
            fused = dense
        elif mode == "keyword":
            fused = keyword
        else:
            fused = self._answer_kind_first(query, self._fuse(dense, keyword, keyword_all, qvec))
        ranked = sorted(fused.items(), key=lambda kv: -kv[1])
        if mode == "hybrid":
            ranked = self._twins_together(ranked[:TWIN_WINDOW]) + ranked[TWIN_WINDOW:]
        ranked = ranked[:top_k]
        self._prefetch([r for r, _ in ranked])
        if mode == "hybrid" and self.precedence:
            return self._higher_law_first(query, ranked, filters, dense, keyword, qvec, keyword_all)[:top_k]
        return [self.hit(r, score, dense.get(r, 0.0), keyword.get(r, 0.0)) for r, score in ranked]

    def _twins_together(self, ranked: list[tuple[int, float]]) -> list[tuple[int, float]]:
        """The same rule stated in another document (民法典第二百一十八条 and 不动产登记暂行条例第二十七条,
        a national law and the Beijing regulation) moves up to right after the first hits that state it:
        both are the answer, and the caller may be told either."""
        threshold = self.settings.twin_overlap
        if threshold >= 1 or len(ranked) < 2:
            return ranked
        rows = [r for r, _ in ranked]
        passages = dict(zip(rows, self._passages(rows)))
        pairs = {r: _char_pairs(passages[r].text) for r in rows}
        out = list(ranked)
        for lead, _ in ranked[:TWIN_LEADS]:
            at = next(i for i, (r, _) in enumerate(out) if r == lead)
            twins = [item for item in out[at + 1:]
                     if passages[item[0]].doc_id != passages[lead].doc_id
                     and _overlap(pairs[lead], pairs[item[0]]) >= threshold]
            for item in twins:
                out.remove(item)
            out[at + 1:at + 1] = twins
        return out

    def _answer_kind_first(self, query: str, fused: dict[int, float]) -> dict[int, float]:
        """Candidates that state the kind of answer the question asks for (a time limit for 多久,
        a sanction for 怎么罚) gain `answer_kind_weight`."""
        kind = next((k for k in analyse(query).kinds if k in ANSWER_KIND_RE), None)
        if kind is None or not self.settings.answer_kind_weight:
            return fused
        rows = list(fused)
        return {r: fused[r] + self.settings.answer_kind_weight * bool(ANSWER_KIND_RE[kind].search(p.text))
                for r, p in zip(rows, self._passages(rows))}

    def _higher_law_first(self, query: str, ranked: list[tuple[int, float]], filters: Filters, dense: dict[int, float],
                          keyword: dict[int, float], qvec: np.ndarray | None,
                          keyword_all: np.ndarray | None) -> list[Hit]:
        """Hits in fused order, except that a passage giving way to a general law's articles on
        its matter (corpora/precedence.yaml) comes right after them, marked superseded."""
        mask = self._mask(filters)
        placed: dict[int, Hit] = {}

        def place(row: int, score: float, superseded_by: list[str]) -> None:
            if row in dense:
                cosine, bm25 = dense[row], keyword.get(row, 0.0)
            else:  # a governing article the search missed
                cosine = float(self.backend.cosines([row], qvec)[0]) if qvec is not None else 0.0
                bm25 = float(keyword_all[row]) if keyword_all is not None else 0.0
            placed[row] = self.hit(row, score, cosine, bm25, superseded_by)

        for row, score in ranked:
            if row in placed:
                continue
            p = self.index.passages[row]
            governing = [g for g in (self._article_row(law, article)
                                     for law, article in self.precedence.superseded(p.doc_type, p.text, query))
                         if g is not None and mask[g]]
            for g in governing:
                if g not in placed:
                    place(g, score, [])
            place(row, score, [placed[g].citation for g in governing])
        return list(placed.values())

    def _prefetch(self, rows: Sequence[int]) -> None:
        """Where the passages live in PostgreSQL, read these rows in one round trip."""
        prefetch = getattr(self.index.passages, "prefetch", None)
        if prefetch is not None:
            prefetch(rows)

    def _passages(self, rows: Sequence[int]) -> list[Passage]:
        self._prefetch(rows)
        return [self.index.passages[r] for r in rows]

    def _article_row(self, title: str, article: int) -> int | None:
        """The row of an article (its first piece) of the document with this title, in force first."""
        key = (title, article)
        if key not in self._articles:
            versions = sorted(self.register.by_title.get(title, []), key=lambda d: d.status != "有效")
            self._articles[key] = next((row for doc in versions for row in self._rows_of(doc)
                                        if self.index.passages[row].article == article), None)
        return self._articles[key]

    def sanctions(self, hit: Hit) -> list[Hit]:
        """The articles of the hit's document that sanction a breach of it (its 法律责任 chapter),
        read once per document."""
        if hit.doc_id not in self._sanctions:
            doc = next((d for d in self.register.by_title.get(compact_title(hit.title), []) if d.doc_id == hit.doc_id),
                       None)
            rows = list(self._rows_of(doc)) if doc is not None else []
            self._prefetch(rows)
            self._sanctions[hit.doc_id] = [
                row for row in rows
                if SANCTION_RE.search((p := self.index.passages[row]).text)
                and (LIABILITY_CHAPTER_RE.search(p.chapter) or "违反" in p.text)]
        return self._hits(self._sanctions[hit.doc_id])

    def remedy_articles(self, act: str) -> list[Hit]:
        """The articles of the law in force that governs a remedy (行政复议法 for 复议), read once per
        remedy; none for another act, or when the corpus holds no such law in force."""
        if act not in self._remedies:
            title = REMEDY_LAWS.get(act)
            docs = self.register.by_title.get(compact_title(title), []) if title else []
            self._remedies[act] = [row for doc in docs if doc.status == "有效" for row in self._rows_of(doc)]
        return self._hits(self._remedies[act])

    def _hits(self, rows: list[int]) -> list[Hit]:
        """Rows as hits, read in one round trip where the passages live in PostgreSQL: a cache
        kept across calls holds row numbers only, and their passages may have left the store's cache."""
        self._prefetch(rows)
        return [self.hit(row) for row in rows]

    def _rows_of(self, doc: DocumentState) -> Iterator[int]:
        """A document's rows: its passages are written together, in order (ingest/build.py chunk_corpus)."""
        row = self.index.row_of(doc.first_passage)
        while row is not None and row < len(self.index.passages) and self.index.passages[row].doc_id == doc.doc_id:
            yield row
            row += 1

    def candidate_features(self, query: str, filters: Filters = Filters()) -> tuple[list[int], np.ndarray]:
        """The hybrid candidates of a question and their learned-fusion features (for training)."""
        dense, keyword, keyword_all, qvec = self._candidates(self.validate(query), filters, "hybrid", None)
        if not dense:
            return [], np.zeros((0, len(FEATURES)), np.float32)
        self._complete(dense, keyword, keyword_all, qvec)
        rows = list(dense)
        return rows, features(rows, dense, keyword, self._passages(rows))

    def _complete(self, dense: dict[int, float], keyword: dict[int, float], keyword_all: np.ndarray,
                  qvec: np.ndarray) -> None:
        """Give every candidate both scores: the cosine of keyword-only ones, BM25 of dense-only."""
        missing = [r for r in keyword if r not in dense]
        if missing:
            dense.update(zip(missing, self.backend.cosines(missing, qvec).tolist()))
        for r in dense:
            keyword.setdefault(r, float(keyword_all[r]))

    def _spread(self, qvec: np.ndarray) -> float:
        """Standard deviation of the question's cosines over a fixed sample of passages.

        Dividing by it puts dense scores on one scale for every question and encoder, unlike
        min-max over the dense top 100, whose band is ~0.03 wide and buried candidates only
        BM25 found (docs/retrieval.md)."""
        if self._reference is None:
            n = len(self.index.passages)
            rows = np.unique(np.linspace(0, n - 1, min(n, self.settings.dense_reference_rows)).astype(np.int64))
            self._reference = self.backend.vectors(rows)
        return max(float((self._reference @ qvec).std()), 1e-6)

    def _fuse(self, dense: dict[int, float], keyword: dict[int, float], keyword_all: np.ndarray,
              qvec: np.ndarray) -> dict[int, float]:
        """The learned scorer when fitted, else the hand-set weighted sum with priors."""
        s = self.settings
        if not dense:
            return keyword
        self._complete(dense, keyword, keyword_all, qvec)
        rows = list(dense)
        if self.learned is not None:
            x = features(rows, dense, keyword, self._passages(rows))
            return dict(zip(rows, self.learned.score(x).tolist()))
        cosines = np.array([dense[r] for r in rows], dtype=np.float32)
        best = self.backend.best_sentences(rows, qvec) if s.sentence_weight else None
        if best is not None:
            # One sentence that matches the question well lifts its article (a long article's
            # vector averages its rule away); articles without sentences keep their own cosine.
            cosines = np.where(np.isfinite(best), (1 - s.sentence_weight) * cosines + s.sentence_weight * best,
                               cosines)
        # Both scores in units of their spread over the corpus: BM25 over its best candidate
        # called the best match of a weak question as strong as that of a precise one.
        k_spread = max(float(keyword_all.std()), 1e-6)
        scores = (s.dense_weight * cosines / self._spread(qvec)
                  + s.keyword_weight * np.array([keyword[r] for r in rows], dtype=np.float32) / k_spread)
        fused = dict(zip(rows, scores.tolist()))
        # The priors read the index's columns: parsing ~200 candidates costs ~3 ms of CPU a
        # question once the passages stay on disk (17 µs each, docs/scale.md).
        columns = self.index.columns
        if s.law_prior_weight:
            docs = columns["doc_id"].codes[rows].tolist()
            per_doc: dict[int, list[float]] = defaultdict(list)
            for doc, score in zip(docs, fused.values()):
                per_doc[doc].append(score)
            prior = {doc: float(np.mean(sorted(v, reverse=True)[: s.law_prior_top]))
                     for doc, v in per_doc.items()}
            top_prior = max(max(prior.values()), 1e-6)
            fused = {r: score + s.law_prior_weight * prior[doc] / top_prior
                     for (r, score), doc in zip(fused.items(), docs)}
        types = columns["doc_type"]
        authority = [s.authority_prior.get(value, 0.0) for value in types.values]
        return {r: score + authority[code] for (r, score), code in zip(fused.items(), types.codes[rows].tolist())}

    def hit(self, row: int, score: float = 0.0, dense: float = 0.0, keyword: float = 0.0,
            superseded_by: Sequence[str] = ()) -> Hit:
        """The passage at `row` of the live index as a Hit (citation, text, source)."""
        p = self.index.passages[row]
        return Hit(passage_id=p.id, doc_id=p.doc_id, title=p.title, label=p.label, article=p.article,
                   chapter=p.chapter, text=p.text, url=p.url, status=p.status, effective_date=p.effective_date,
                   score=score, dense_score=dense, keyword_score=keyword, superseded_by=list(superseded_by))


class HybridRetriever(BaseRetriever):
    """llama-index face of the Searcher, for query engines and node postprocessors."""

    def __init__(self, searcher: Searcher, top_k: int | None = None, filters: Filters = Filters()):
        super().__init__()
        self._searcher, self._top_k, self._filters = searcher, top_k, filters

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        hits = self._searcher.search(query_bundle.query_str, self._top_k, self._filters)
        return [NodeWithScore(node=TextNode(id_=h.passage_id, text=h.text, metadata={
            "title": h.title, "label": h.label, "chapter": h.chapter, "url": h.url,
            "citation": h.citation}), score=h.score) for h in hits]
