"""From a raw snippet of what the caller said to the words worth searching for."""

import re

from assistant.redact import redact

UTTERANCE_SPLIT = re.compile(r"[。！？?!；;\n]+|[，,](?=\s*(?:那|然后|还有|另外|就是说|我想问|请问))")
FILLERS = re.compile(r"^(?:喂+|您好|你好|嗯+|啊+|哦+|呃+|那个|就是|这个|然后|是这样的|我想问一下|我想咨询一下|我想问问|"
                     r"请问一下|请问|麻烦问一下|我问一下|问一下|对|好的|谢谢)[，,、\s]*")
QUESTION_CUE = re.compile(r"吗|呢|怎么|怎样|如何|能不能|可不可以|可以|是不是|有没有|多久|多少|几|哪|谁|什么|是否|违法|合法|要不要|该不该")
AGENT_TURN = re.compile(r"^(?:坐席|客服|话务员|接线员|agent)[:：]", re.IGNORECASE)
CALLER_TURN = re.compile(r"^(?:市民|来电人|来电者|群众|caller)[:：]", re.IGNORECASE)
MAX_QUERY_CHARS = 120


def extract_query(transcript: str, domain_terms: set[str]) -> str:
    """The caller's question-like utterances that mention the desk's subjects, most recent last."""
    text = redact(transcript)
    lines = []
    for line in text.splitlines():
        line = line.strip()
        if AGENT_TURN.match(line):
            continue  # the agent's own words are not the question
        lines.append(CALLER_TURN.sub("", line))
    utterances = []
    for part in UTTERANCE_SPLIT.split("\n".join(lines)):
        part = part.strip()
        while (stripped := FILLERS.sub("", part)) != part:
            part = stripped.strip()
        if len(part) >= 4:
            utterances.append(part)
    if not utterances:
        return " ".join(text.split())[:MAX_QUERY_CHARS]

    def weight(i: int) -> float:
        u = utterances[i]
        domain = sum(1 for t in domain_terms if t in u)
        return 2.0 * min(domain, 3) + (1.5 if QUESTION_CUE.search(u) else 0) + 0.1 * i

    ranked = sorted(range(len(utterances)), key=weight, reverse=True)
    chosen = sorted(ranked[:2])
    query = "，".join(utterances[i] for i in chosen)
    return query[-MAX_QUERY_CHARS:]
