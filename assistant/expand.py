"""Colloquial → legal query expansion from the editable dictionary in corpora/synonyms.yaml."""

from collections.abc import Iterable
from pathlib import Path

import yaml

from assistant.question import ASK_PATTERNS


class Synonyms:
    def __init__(self, entries: dict[str, list[str]], timed_acts: Iterable[str] = ()):
        # Longest keys first, so 宅基地证 wins over 宅基地 where both are entries.
        self.entries = dict(sorted(entries.items(), key=lambda kv: -len(kv[0])))
        # Acts whose time limit the statutes name as one word: 多少天内申请 asks the 申请期限.
        self.time_limits = {act: f"{act}期限" for act in timed_acts}

    @classmethod
    def load(cls, path: Path) -> "Synonyms":
        if not path.is_file():
            return cls({})
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        entries = data.get("entries", {}) if isinstance(data, dict) else {}
        if not isinstance(entries, dict):
            raise ValueError(f"{path}: 'entries' must be a mapping of colloquial term: [legal terms]")
        acts = data.get("timed_acts", []) if isinstance(data, dict) else []
        if not isinstance(acts, list):
            raise ValueError(f"{path}: 'timed_acts' must be a list of acts (申请, 起诉, …)")
        return cls({str(k): [str(v) for v in (vals if isinstance(vals, list) else [vals])]
                    for k, vals in entries.items()}, [str(a) for a in acts])

    def terms(self) -> set[str]:
        return (set(self.entries) | {v for vals in self.entries.values() for v in vals}
                | set(self.time_limits.values()))

    def expansions(self, query: str, cues: bool = True) -> list[str]:
        """Legal terms for the colloquial words found in the query, in order, without repeats.
        `cues=False` leaves out those of words that only say what kind of answer is asked (收费 →
        收取费用): they help search, but name no subject an answer must be about."""
        found: list[str] = []
        covered = query
        for key, values in self.entries.items():
            if key in covered:
                covered = covered.replace(key, "\0")
                if cues or not any(p.fullmatch(key) for p in ASK_PATTERNS.values()):
                    found.extend(v for v in values if v not in query and v not in found)
        if ASK_PATTERNS["deadline"].search(query):
            found.extend(term for act, term in self.time_limits.items()
                         if act in query and term not in query and term not in found)
        return found
