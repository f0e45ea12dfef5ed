"""Chinese keyword tokens for BM25: jieba search-mode segmentation without function words."""

import logging
import re
from collections.abc import Iterable

import jieba

jieba.setLogLevel(logging.WARNING)  # its dictionary-loading chatter drowns CLI output

# Question words and particles callers use that carry no legal meaning.
STOPWORDS = frozenset(
    "的 了 吗 呢 吧 啊 呀 么 是 在 和 与 或 及 把 被 让 给 对 从 向 都 也 还 就 又 要 会 能 可 可以 能不能 "
    "可不可以 是不是 有没有 什么 怎么 怎么办 怎样 如何 哪些 哪个 哪里 哪儿 多少 多久 几 谁 为什么 "
    "我 我们 我家 你 你们 他 他们 她 它 这 那 这个 那个 这样 那样 一个 一下 一般 请问 想 想要 "
    "应该 需要 有 没有 不 没 吗？ 呢？ 等 之 其 以 于 为 所 则 而 但 如 若 即".split())
TOKEN_RE = re.compile(r"[\w\u4e00-\u9fff]+")


class Tokenizer:
    """One jieba instance with the domain's legal terms added to its dictionary."""

    def __init__(self, extra_words: Iterable[str] = ()):
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        for word in extra_words:
            if len(word) >= 2:
                self._jieba.add_word(word, freq=20000)

    def tokens(self, text: str) -> list[str]:
        out: list[str] = []
        for run in TOKEN_RE.findall(text.lower()):
            out.extend(t for t in self._jieba.lcut_for_search(run, HMM=False)
                       if t.strip() and t not in STOPWORDS)
        return out
