"""Text of an uploaded file, extracted in a child process with a memory and a time budget, so
a hostile or broken file (a PDF that never ends, an archive that unpacks to gigabytes) costs
the service neither its memory nor its request threads.

The child is spawned, not forked: a fork would inherit the service's models and address space,
and an address-space limit on it would fail at once. It imports only the extraction code.
"""

import multiprocessing
import resource
from multiprocessing.connection import Connection
from pathlib import Path

from ingest.extract import ExtractError, extract_docx, extract_html, extract_pdf, normalise_text, soup_of
from ingest.front_matter import body_of
from ingest.sources import DetailRules

KINDS = {".pdf": "pdf", ".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown",
         ".docx": "docx"}
HTML_RULES = DetailRules(content="body", title="h1")


def text_of(filename: str, data: bytes, min_pdf_chars: int) -> str:
    """The document body of an uploaded file (its own metadata block, if any, dropped)."""
    kind = KINDS.get(Path(filename).suffix.lower())
    if kind is None:
        raise ExtractError(f"不支持的文件类型：{Path(filename).suffix or '无扩展名'}（支持 PDF、HTML、Markdown、DOCX）")
    if kind == "pdf":
        if not data.startswith(b"%PDF"):
            raise ExtractError("文件不是有效的 PDF")
        return extract_pdf(data, min_pdf_chars).text
    if kind == "docx":
        return extract_docx(data).text
    if kind == "html":
        return extract_html(soup_of(data), "", HTML_RULES, []).text
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ExtractError("Markdown 文件不是 UTF-8 编码") from None
    text = normalise_text(body_of(text))  # the form's metadata wins over the file's
    if not text:
        raise ExtractError("文件没有正文")
    return text


def _child(out: Connection, filename: str, data: bytes, min_pdf_chars: int, memory_bytes: int,
           max_chars: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    try:
        text = text_of(filename, data, min_pdf_chars)
        if len(text) > max_chars:
            raise ExtractError(f"文件正文过长（{len(text)} 字，上限 {max_chars} 字）")
        out.send(("ok", text))
    except ExtractError as exc:
        out.send(("refused", str(exc)))
    except MemoryError:
        out.send(("refused", "文件解析所需内存超出上限，可能是压缩炸弹或损坏的文件"))
    except Exception as exc:  # noqa: BLE001 - any parser failure on a user's file is the file's fault
        out.send(("refused", f"文件无法解析（{type(exc).__name__}）"))
    finally:
        out.close()


def extract_bounded(filename: str, data: bytes, *, min_pdf_chars: int, memory_bytes: int,
                    seconds: float, max_chars: int) -> str:
    """`text_of` in a spawned child limited to `memory_bytes` of address space and `seconds`;
    ExtractError (with a reason for the user) when the file is refused or the budget runs out."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, name="extract-upload", daemon=True,
                            args=(send, filename, data, min_pdf_chars, memory_bytes, max_chars))
    child.start()
    send.close()
    try:
        if not receive.poll(seconds):
            raise ExtractError(f"文件解析超时（超过 {seconds:g} 秒），未编入索引")
        try:
            outcome, value = receive.recv()
        except EOFError:
            raise ExtractError("文件解析进程异常退出（可能超出内存上限），未编入索引") from None
    finally:
        receive.close()
        child.kill()
        child.join(5)
    if outcome != "ok":
        raise ExtractError(value)
    return value
