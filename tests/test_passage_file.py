"""Passages read on demand from a version's passages.jsonl: the same passages as parsing the
whole file, in order, whatever the scan slices, and still readable once the folder is pruned."""

import json

import pytest

from assistant import passage_file
from assistant.passage import Passage
from assistant.passage_file import PassageFile


def _passages(n: int) -> list[Passage]:
    return [Passage(id=f"law/a{i}", text=f"第{i}条 内容{'长' * (i % 7)}", doc_id="law", title="某某条例",
                    label=f"第{i}条", article=i if i % 5 else None, status="有效" if i % 3 else "失效")
            for i in range(n)]


def _write(path, passages, trailing_newline=True):
    body = "\n".join(json.dumps(p.to_record(), ensure_ascii=False) for p in passages)
    path.write_text(body + ("\n" if trailing_newline else ""), encoding="utf-8")
    return path


@pytest.mark.parametrize("trailing_newline", [True, False])
def test_rows_iteration_and_slices_match_the_parsed_file(tmp_path, trailing_newline):
    want = _passages(50)
    got = PassageFile(_write(tmp_path / "p.jsonl", want, trailing_newline))
    assert len(got) == 50
    assert list(got) == want
    assert [got[i] for i in range(50)] == want
    assert got[-1] == want[-1] and got[10:13] == want[10:13]
    with pytest.raises(IndexError):
        got[50]


def test_lines_across_scan_slices_are_found(tmp_path, monkeypatch):
    monkeypatch.setattr(passage_file, "SCAN_BYTES", 7)  # every line crosses several slices
    want = _passages(20)
    assert list(PassageFile(_write(tmp_path / "p.jsonl", want))) == want


def test_an_empty_file_has_no_passages(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_bytes(b"")
    assert len(PassageFile(path)) == 0 and list(PassageFile(path)) == []


def test_a_pruned_version_stays_readable_by_who_loaded_it(tmp_path):
    want = _passages(30)
    path = _write(tmp_path / "p.jsonl", want)
    loaded = PassageFile(path)
    path.unlink()
    assert loaded[29] == want[29] and list(loaded) == want
