"""Training questions with their positive passages: real lay questions (STARD, other legal
domains) and pseudo-queries generated from the corpus itself (no LLM is available here).

Pseudo-query kinds, each measurable on its own (docs/training.md):
- `ict`: inverse cloze, a sentence of an article asks for the article;
- `typed`: the article's key terms plus the question a caller asks of that kind of rule
  (期限 / 处罚 / 费用 / 谁审批 / 材料 / 能不能 …), picked from what the article says;
- `synonym`: statute words turned back into the caller's words with corpora/synonyms.yaml.

`desk` is the desk's own answered questions (the eval sets' format: `query` + `gold`
articles), the only source in this domain's lay language.
"""

import hashlib
import json
import random
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import jieba.analyse

from assistant.article import body_of
from assistant.expand import Synonyms
from assistant.scoring import load_questions
from train.pool import Pool

SENTENCE_RE = re.compile(r"[^。；！？\n]+")

# What an article says → what a caller asks of it. Checked in order; several may apply.
QUESTION_KINDS: list[tuple[re.Pattern, list[str]]] = [
    (re.compile(r"[零〇一二三四五六七八九十百\d]+(?:个)?(?:工作日|日|天|月|年)(?:内|以内|前)|期限|期满"),
     ["{k}要多久", "{k}期限是多长时间", "{k}多少天内", "{k}有时间限制吗"]),
    (re.compile(r"罚款|没收|责令|拘留|处分|追究|吊销"),
     ["{k}怎么处罚", "{k}会被罚款吗", "{k}有什么后果", "{k}罚多少钱"]),
    (re.compile(r"费用|收费|收取|元以"), ["{k}要交钱吗", "{k}收费吗", "{k}费用谁出"]),
    (re.compile(r"批准|审批|审核|核准|许可"), ["{k}由谁审批", "{k}找哪个部门批", "{k}要经过批准吗"]),
    (re.compile(r"材料|提交|提供|申请书|证明"), ["{k}需要什么材料", "办{k}要带什么", "{k}要准备哪些资料"]),
    (re.compile(r"不得|禁止|严禁"), ["{k}可以吗", "能不能{k}", "{k}违法吗", "{k}是不是不允许"]),
    (re.compile(r"负责|主管|管理工作"), ["{k}归哪个部门管", "{k}找谁", "{k}谁负责"]),
    (re.compile(r"补偿|安置|赔偿"), ["{k}怎么补偿", "{k}补偿标准是什么", "{k}能赔多少"]),
    (re.compile(r"登记"), ["{k}怎么登记", "{k}登记要什么手续"]),
    (re.compile(r"申请"), ["{k}怎么申请", "{k}的申请流程"]),
]
GENERIC = ["{k}有什么规定", "关于{k}法律是怎么规定的", "{k}", "{k}怎么办"]
OPENERS = ["", "", "", "请问", "你好，", "我想问一下，", "咨询一下，"]
# Words every statute uses: as a "key term" they say nothing about the article.
BOILERPLATE = frozenset("本法 本条例 条例 规定 办法 本办法 有关 管理 部门 人民政府 国家 单位 个人 组织 "
                        "应当 可以 依法 依照 按照 进行 实施 工作 情形 行为 相关 其他 以上 以下 主管部门".split())


@dataclass(frozen=True)
class Example:
    query: str
    positives: tuple[int, ...]  # rows of the pool the example belongs to
    source: str


def held_out(question_id: str, seed: int = 13, folds: int = 5) -> bool:
    """Whether a STARD question is in the held-out fifth (stable across runs and machines)."""
    return int(hashlib.sha256(f"{seed}:{question_id}".encode()).hexdigest(), 16) % folds == 0


def stard_examples(path: Path, pool: Pool, split: str = "train", seed: int = 13) -> list[Example]:
    """STARD questions whose gold articles are in the pool; `split` is train or heldout."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        q = json.loads(line)
        if held_out(q["id"], seed) != (split == "heldout"):
            continue
        rows = tuple(r for g in q["gold"] for r in pool.rows_of(g["law"], g["article"]))
        if rows:
            out.append(Example(q["query"], rows, "stard"))
    return out


def labelled_examples(paths: Iterable[Path], pool: Pool, repeat: int = 1) -> list[Example]:
    """Answerable questions of question sets (eval format, read by `load_questions`) whose gold
    articles are in the pool, each `repeat` times: a few dozen desk questions would otherwise
    weigh nothing against thousands of pseudo-queries."""
    out = []
    for path in paths:
        for q in load_questions(path):
            rows = tuple(r for g in q.gold for r in pool.rows_of(g.law, g.article))
            if rows:
                out += [Example(q.query, rows, "desk")] * repeat
    return out


def stard_gold_laws(path: Path) -> set[str]:
    return {g["law"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
            for g in json.loads(line)["gold"]}


class Colloquialiser:
    """Statute words → callers' words, the synonym dictionary read backwards."""

    def __init__(self, synonyms: Synonyms):
        back: dict[str, list[str]] = defaultdict(list)
        for colloquial, legal in synonyms.entries.items():
            for term in legal:
                if len(term) >= 2:
                    back[term].append(colloquial)
        self._back = dict(sorted(back.items(), key=lambda kv: -len(kv[0])))

    def __call__(self, text: str, rng: random.Random, p: float = 0.7) -> str:
        for term, options in self._back.items():
            if term in text and rng.random() < p:
                text = text.replace(term, rng.choice(options))
        return text


def _sentences(body: str) -> list[str]:
    return [s.strip() for s in SENTENCE_RE.findall(body_of(body))
            if 8 <= len(s.strip()) <= 80]


def _key_terms(body: str, rng: random.Random) -> str:
    tags = [t for t in jieba.analyse.extract_tags(body, topK=8, allowPOS=("n", "vn", "nz", "ns", "nt", "v"))
            if len(t) >= 2 and t not in BOILERPLATE][:5]
    if not tags:
        return ""
    picked = rng.sample(tags, min(len(tags), rng.choice((1, 2, 2, 3))))
    picked.sort(key=body.find)  # callers name things in the order the rule does
    return "".join(picked) if rng.random() < 0.5 else "的".join(picked)


def pseudo_examples(pool: Pool, synonyms: Synonyms, kinds: Iterable[str] = ("ict", "typed", "synonym"),
                    per_article: int = 1, seed: int = 13) -> list[Example]:
    """Pseudo-queries for every article passage of the pool (rows index the pool)."""
    rng = random.Random(seed)
    jieba.setLogLevel(60)
    colloquial = Colloquialiser(synonyms)
    kinds = set(kinds)
    out: list[Example] = []
    for row, (body, meta) in enumerate(zip(pool.bodies, pool.meta)):
        if meta["article"] < 0:
            continue
        sentences = _sentences(body)
        for _ in range(per_article):
            if "ict" in kinds and sentences:
                out.append(Example(rng.choice(sentences), (row,), "ict"))
            if "typed" in kinds or "synonym" in kinds:
                terms = _key_terms(body, rng)
                if not terms:
                    continue
                templates = [t for pattern, ts in QUESTION_KINDS if pattern.search(body) for t in ts] or GENERIC
                query = rng.choice(OPENERS) + rng.choice(templates).format(k=terms)
                if "typed" in kinds:
                    out.append(Example(query, (row,), "typed"))
                if "synonym" in kinds:
                    spoken = colloquial(query, rng)
                    if spoken != query or "typed" not in kinds:
                        out.append(Example(spoken, (row,), "synonym"))
    return out
