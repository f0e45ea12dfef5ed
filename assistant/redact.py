"""Remove personal data (phone numbers, ID and bank card numbers, e-mail) before text is stored or logged."""

import logging
import re
from urllib.parse import unquote

# Order matters: ID numbers (18 chars) before bank cards (16-19 digits) before phones.
PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("[邮箱]", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("[身份证号]", re.compile(r"(?<![\dA-Za-z])\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])\d{2}\d{3}[\dXx](?![\dA-Za-z])")),
    ("[身份证号]", re.compile(r"(?<![\dA-Za-z])\d{6}[ -](?:18|19|20)\d{6}[ -]\d{3}[\dXx](?![\dA-Za-z])")),  # 6-8-4
    ("[身份证号]", re.compile(r"(?<!\d)\d{15}(?!\d)")),
    ("[银行卡号]", re.compile(r"(?<!\d)(?:\d{4}[ -]){3,4}\d{1,4}(?!\d)|(?<!\d)\d{16,19}(?!\d)")),
    ("[手机号]", re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)")),
    ("[座机号]", re.compile(r"(?<!\d)(?:\(0\d{2,3}\)|0\d{2,3})[ -]?\d{7,8}(?:-\d{1,5})?(?!\d)")),
    # Addresses: what follows 家住/住在/地址 up to the clause end, and house numbers anywhere.
    # Names are not redacted (no reliable rule without a name list); docs/api.md says so.
    (r"\1[地址]", re.compile(r"((?:家住|住在|住址|地址)[:：是为在 ]{0,2})[^，。；！？,;!?\s]{2,40}")),
    ("[门牌号]", re.compile(r"(?<![第\d])\d+号(?:楼|院)(?:\d+单元)?(?:\d+(?:室|号))?|(?<!\d)\d+单元\d+(?:室|号)")),
    # Local 8-digit numbers only where the caller says it is a phone, to spare dates and amounts.
    (r"\1[座机号]", re.compile(r"((?:电话|座机|号码|联系|打给)[:：是为 ]{0,3})\d{4}[ -]?\d{4}(?!\d)")),
]


# Full-width digits, Latin letters and @+- typed with a Chinese IME: the patterns see them as ASCII.
# (Full-width punctuation such as ，is left alone: stored questions keep their own text.)
FULL_WIDTH = {**{0xFF10 + i: 0x30 + i for i in range(10)}, **{0xFF21 + i: 0x41 + i for i in range(26)},
              **{0xFF41 + i: 0x61 + i for i in range(26)}, 0xFF20: 0x40, 0xFF0B: 0x2B, 0xFF0D: 0x2D, 0x3000: 0x20}
PERCENT_RE = re.compile(r"%[0-9A-Fa-f]{2}")


def _redact(text: str) -> str:
    for token, pattern in PATTERNS:
        text = pattern.sub(token, text)
    return text


def redact(text: str) -> str:
    """The text with personal data replaced; a percent-encoded URL is judged decoded."""
    plain = text.translate(FULL_WIDTH)
    if PERCENT_RE.search(plain):
        decoded = unquote(plain.replace("+", " "))
        cleaned = _redact(decoded)
        if cleaned != decoded:
            return cleaned
    cleaned = _redact(plain)
    return text if cleaned == plain else cleaned


class RedactingFilter(logging.Filter):
    """Logging filter: message and arguments are redacted before any handler sees them.

    The arguments keep their shape, since formatters such as uvicorn's access log unpack them.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        if any(not isinstance(a, str) and redact(str(a)) != str(a) for a in args) \
                or isinstance(record.args, dict):
            # A number that is personal data cannot stay a number: flatten the message.
            record.msg, record.args = redact(record.getMessage()), None
            return True
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        record.args = tuple(redact(a) if isinstance(a, str) else a for a in args) if args else record.args
        return True
