"""The e5 model exported to ONNX for the service's question encoding.

Measured on 2 cores: ONNX Runtime encodes a short question in ~5 ms against ~14 ms for torch,
costs the same from any thread, and releases the GIL while it runs, so request handling in
other threads goes on meanwhile. Passages are still embedded with sentence-transformers.
"""

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)
ONNX_FILE = "query_encoder.onnx"
QUERY_PREFIX = "query: "
OPSET = 17


def prepare_onnx(model_dir: Path, *, force: bool = False) -> Path:
    """Export (once) the sentence-transformers folder's encoder + mean pooling + L2 norm to ONNX."""
    import torch
    from sentence_transformers import SentenceTransformer

    target = model_dir / ONNX_FILE
    if target.is_file() and not force:
        return target
    st = SentenceTransformer(str(model_dir), device="cpu")
    bert = st[0].auto_model.eval()

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=-1)

    sample = st[0].tokenizer([QUERY_PREFIX + "示例"], return_tensors="pt")
    tmp = model_dir / f".{ONNX_FILE}.{os.getpid()}.tmp"
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
            "embedding": {0: "batch"}}
    with torch.no_grad():
        torch.onnx.export(Pooled(), (sample["input_ids"], sample["attention_mask"]), str(tmp),
                          input_names=["input_ids", "attention_mask"], output_names=["embedding"],
                          dynamic_axes=axes, opset_version=OPSET, dynamo=False)
    os.replace(tmp, target)
    log.info("exported %s", target)
    return target


class OnnxQueryEncoder:
    """Questions → normalised e5 query vectors, the same as encode_queries() (cosine ≥ 0.9999)."""

    def __init__(self, model_dir: Path, threads: int = 2):
        import onnxruntime as ort
        from transformers import AutoTokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(prepare_onnx(model_dir)), options,
                                             providers=["CPUExecutionProvider"])
        self._tokenizer = AutoTokenizer.from_pretrained(str(model_dir))

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        batch = self._tokenizer([QUERY_PREFIX + t for t in texts], padding=True, truncation=True,
                                max_length=512, return_tensors="np")
        inputs = {"input_ids": batch["input_ids"].astype(np.int64),
                  "attention_mask": batch["attention_mask"].astype(np.int64)}
        return self._session.run(None, inputs)[0].astype(np.float32)
