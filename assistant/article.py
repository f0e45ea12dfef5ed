"""An article's structure: 款 (paragraphs), their sentences, and 项 lists (（一）（二）…) kept
with the sentence that introduces them, so an answer never quotes a heading ending in "："
without its items, nor a clause cut at "；"."""

import re
from dataclasses import dataclass

LABEL_RE = re.compile(r"^第[零〇一二三四五六七八九十百千]+条(?:之[一二三四五六七八九十]+)?(?:（续）)?\s*")
ITEM_RE = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
INLINE_ITEMS_RE = re.compile(r"(?=[（(][一二三四五六七八九十]+[）)])")
# A sentence ends at 。！？ (not at ；: the clauses of a 款 belong together).
SENTENCE_RE = re.compile(r"[^。！？]+[。！？]?")


@dataclass(frozen=True)
class Unit:
    """One quotable piece: a sentence, or a list heading with its items."""
    text: str
    paragraph: int                 # 款, 1-based
    items: tuple[str, ...] = ()

    def quote(self, keep: tuple[int, ...] | None = None) -> str:
        """The exact text; a list keeps its heading and the chosen items (all by default)."""
        if not self.items:
            return self.text
        chosen = self.items if keep is None else tuple(self.items[i] for i in keep)
        return self.text + "".join(chosen)


def body_of(text: str) -> str:
    return LABEL_RE.sub("", text.strip())


def char_pairs(text: str) -> set[str]:
    """Adjacent character pairs: how far two wordings of a rule share their words, without a
    word list."""
    return {text[i:i + 2] for i in range(len(text) - 1)}


def units(text: str) -> list[Unit]:
    """The article's sentences in order; items follow the sentence that announces them."""
    out: list[Unit] = []
    paragraph = 0
    for raw in body_of(text).split("\n"):
        line = raw.strip()
        if not line:
            continue
        if ITEM_RE.match(line) and out and out[-1].text.endswith(("：", ":")):
            last = out.pop()
            out.append(Unit(last.text, last.paragraph, last.items + (line,)))
            continue
        paragraph += 1
        head, _, rest = line.partition("：") if "：（" in line or ":（" in line else (line, "", "")
        if rest:
            items = tuple(i for i in INLINE_ITEMS_RE.split(rest) if i)
            for sentence in SENTENCE_RE.findall(head):
                out.append(Unit(sentence.strip(), paragraph))
            last = out.pop()
            out.append(Unit(last.text + "：", paragraph, items))
            continue
        out.extend(Unit(s.strip(), paragraph) for s in SENTENCE_RE.findall(line) if s.strip())
    return out
