"""Is a question for this desk? Nearest example phrasings by meaning, from corpora/scope.yaml."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml


@dataclass(frozen=True)
class ScopeVerdict:
    in_scope: bool
    topic: str | None        # the out-of-scope topic it resembles most
    referral: str | None     # where to send the caller instead
    margin: float            # in-scope similarity minus out-of-scope similarity


class ScopeGuard:
    def __init__(self, encode: Callable[[Sequence[str]], np.ndarray], path: Path, margin: float):
        """`encode` turns questions into normalised query vectors (the retrieval model's)."""
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        self.margin = margin
        self._inside = encode(data["in_scope"])
        self._topics: list[dict] = []
        examples: list[str] = []
        owners: list[int] = []
        for i, topic in enumerate(data.get("out_of_scope", [])):
            self._topics.append(topic)
            examples.extend(topic["examples"])
            owners.extend([i] * len(topic["examples"]))
        self._outside = encode(examples) if examples else np.zeros((0, self._inside.shape[1]))
        self._owners = np.array(owners)
        # Longest first, so 违章建筑 goes before 违章建 would leave 筑 behind.
        self._own_terms = sorted(data.get("in_scope_terms", []), key=len, reverse=True)
        self._desk_terms = tuple(data.get("desk_terms", []))

    def check(self, vector: np.ndarray, question: str = "") -> ScopeVerdict:
        """In or out by meaning; a specific referral only when the question names the topic."""
        inside = float((self._inside @ vector).max())
        if not len(self._outside):
            return ScopeVerdict(True, None, None, 1.0)
        sims = self._outside @ vector
        best = int(sims.argmax())
        margin = inside - float(sims[best])
        in_scope = margin >= -self.margin
        if in_scope:
            return ScopeVerdict(True, None, None, margin)
        named = self.named_topic(question)
        return ScopeVerdict(False, self._topics[self._owners[best]]["topic"],
                            named["referral"] if named else None, margin)

    def named_topic(self, question: str) -> dict | None:
        """The out-of-scope topic whose keywords the question uses, if exactly one; words of this
        desk that contain a keyword (违章建筑) do not count, and a question about the desk's own
        matter (征收, 宅基地 …) names no other topic, whatever else it mentions (过渡期间的房租)."""
        if any(term in question for term in self._desk_terms):
            return None
        for term in self._own_terms:
            question = question.replace(term, "　")
        found = [t for t in self._topics if any(k in question for k in t.get("keywords", []))]
        return found[0] if len(found) == 1 else None
