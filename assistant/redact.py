"""Remove personal data (phone numbers, ID and bank card numbers, e-mail) before text is stored or logged."""

import logging
import re

# Order matters: ID numbers (18 chars) before bank cards (16-19 digits) before phones.
PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("[邮箱]", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("[身份证号]", re.compile(r"(?<![\dA-Za-z])\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])\d{2}\d{3}[\dXx](?![\dA-Za-z])")),
    ("[身份证号]", re.compile(r"(?<!\d)\d{15}(?!\d)")),
    ("[银行卡号]", re.compile(r"(?<!\d)(?:\d{4}[ -]){3,4}\d{1,4}(?!\d)|(?<!\d)\d{16,19}(?!\d)")),
    ("[手机号]", re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)")),
    ("[座机号]", re.compile(r"(?<!\d)(?:\(0\d{2,3}\)|0\d{2,3})[ -]?\d{7,8}(?:-\d{1,5})?(?!\d)")),
    # Local 8-digit numbers only where the caller says it is a phone, to spare dates and amounts.
    (r"\1[座机号]", re.compile(r"((?:电话|座机|号码|联系|打给)[:：是为 ]{0,3})\d{4}[ -]?\d{4}(?!\d)")),
]


def redact(text: str) -> str:
    for token, pattern in PATTERNS:
        text = pattern.sub(token, text)
    return text


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
