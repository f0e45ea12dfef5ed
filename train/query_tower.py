"""Fine-tune the question side of e5 with a LoRA adapter against frozen passage vectors.

Why the query tower only: the passage vectors of the live index (and of the national
collection, an hour of embedding on 2 cores) stay valid, training encodes only short
questions (≈ 10× faster than encoding both sides), and the softmax can run over every
passage of the pool instead of a few in-batch negatives, so every near-miss article of the
corpus is a hard negative. The loss is MultipleNegativesRankingLoss's, with several
positives allowed (an article split in pieces, identical text in two documents).
"""

import hashlib
import logging
import random
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from train.examples import Example

log = logging.getLogger(__name__)
QUERY_PREFIX = "query: "
LORA_TARGETS = ["query", "key", "value", "dense"]


@dataclass
class TrainConfig:
    epochs: float = 1.0
    batch_size: int = 32
    lr: float = 3e-4
    rank: int = 8
    scale: float = 50.0           # 1 / temperature; e5's cosines sit in a narrow band
    max_query_tokens: int = 64
    seed: int = 13
    threads: int = 2


@dataclass
class Group:
    """Examples that share a pool (their positives are rows of these vectors)."""
    name: str
    vectors: np.ndarray
    bodies: Sequence[str]
    examples: list[Example]


def _duplicates(bodies: Sequence[str]) -> dict[int, list[int]]:
    """Rows whose text is identical (the same article in two documents) count as one answer."""
    by_hash: dict[str, list[int]] = defaultdict(list)
    for row, body in enumerate(bodies):
        by_hash[hashlib.sha1(body.encode()).hexdigest()].append(row)
    return {r: rows for rows in by_hash.values() if len(rows) > 1 for r in rows}


def train_query_tower(base_dir: Path, groups: list[Group], out_dir: Path, config: TrainConfig = TrainConfig(),
                      progress: Callable[[str], None] = print) -> dict:
    """Train and save a LoRA adapter (adapter_config.json + adapter_model.safetensors)."""
    import torch
    from peft import LoraConfig, get_peft_model
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    rng = random.Random(config.seed)
    st = SentenceTransformer(str(base_dir), device="cpu")
    tokenizer = st[0].tokenizer
    model = get_peft_model(st[0].auto_model, LoraConfig(
        r=config.rank, lora_alpha=2 * config.rank, lora_dropout=0.05, target_modules=LORA_TARGETS))
    model.train()

    pools = [torch.from_numpy(np.ascontiguousarray(g.vectors)) for g in groups]
    dups = [_duplicates(g.bodies) for g in groups]
    batches: list[tuple[int, list[Example]]] = []
    for gi, g in enumerate(groups):
        items = list(g.examples)
        rng.shuffle(items)
        batches += [(gi, items[i:i + config.batch_size]) for i in range(0, len(items), config.batch_size)]
    steps = max(1, int(len(batches) * config.epochs))
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=config.lr)
    warmup = max(1, steps // 10)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup))))

    started, losses, order = time.perf_counter(), [], []
    while len(order) < steps:
        epoch = batches[:]
        rng.shuffle(epoch)
        order += epoch
    for step, (gi, batch) in enumerate(order[:steps], start=1):
        tokens = tokenizer([QUERY_PREFIX + e.query for e in batch], padding=True, truncation=True,
                           max_length=config.max_query_tokens, return_tensors="pt")
        hidden = model(**tokens).last_hidden_state
        mask = tokens["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        queries = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)
        logits = config.scale * queries @ pools[gi].T
        positive = torch.zeros_like(logits, dtype=torch.bool)
        for i, e in enumerate(batch):
            rows = {r for p in e.positives for r in dups[gi].get(p, [p])}
            positive[i, list(rows)] = True
        loss = (torch.logsumexp(logits, 1) - torch.logsumexp(logits.masked_fill(~positive, -1e4), 1)).mean()
        loss.backward()
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
        losses.append(loss.item())
        if step % 20 == 0 or step == steps:
            rate = step * config.batch_size / (time.perf_counter() - started)
            progress(f"step {step}/{steps}  loss {np.mean(losses[-20:]):.3f}  {rate:.1f} questions/s")
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out_dir))
    return {"steps": steps, "examples": sum(len(g.examples) for g in groups),
            "seconds": round(time.perf_counter() - started, 1), "final_loss": float(np.mean(losses[-20:]))}
