import json

import pytest

from assistant.scoring import Question, load_questions, normalise_title, score_retrieval


def q(id_, query, gold, expect="answer"):
    return Question(id=id_, query=query, gold=[{"law": l, "article": a} for l, a in gold], expect=expect)


def test_metrics_on_a_hand_made_case():
    questions = [
        q("1", "a", [("中华人民共和国土地管理法", 62)]),        # rank 1
        q("2", "b", [("城乡规划法", 26)]),                      # rank 3 (prefix-insensitive)
        q("3", "c", [("民法典", 364), ("民法典", 365)]),        # second gold at rank 7
        q("4", "d", [("测绘法", 41)]),                          # not found
        q("5", "e", [], expect="refuse_or_escalate"),           # not scored for recall
    ]
    ranked = {
        "a": [("土地管理法", 62)],
        "b": [("土地管理法", 1), ("城乡规划法", 25), ("中华人民共和国城乡规划法", 26)],
        "c": [("x", 1)] * 6 + [("中华人民共和国民法典", 365)],
        "d": [("测绘法", 40)] * 10 + [("测绘法", 41)],         # beyond depth 10
        "e": [("土地管理法", 1)],
    }
    metrics, rows = score_retrieval(questions, lambda text: ranked[text])
    assert metrics["n"] == 4
    assert metrics["recall@1"] == pytest.approx(1 / 4)
    assert metrics["recall@5"] == pytest.approx(2 / 4)
    assert metrics["recall@10"] == pytest.approx(3 / 4)
    assert metrics["mrr"] == pytest.approx((1 + 1 / 3 + 1 / 7 + 0) / 4)
    assert [r["rank"] for r in rows] == [1, 3, 7, None]


def test_normalise_title_ignores_prefix_and_spaces():
    assert normalise_title("中华人民共和国 土地管理法") == normalise_title("土地管理法")


def test_load_questions_reports_bad_line(tmp_path):
    path = tmp_path / "set.jsonl"
    good = {"id": "x", "query": "问题", "gold": [], "expect": "refuse_or_escalate"}
    path.write_text(json.dumps(good, ensure_ascii=False) + "\n" + '{"id": "y"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"set.jsonl:2"):
        load_questions(path)


def test_dev_set_loads():
    from assistant.settings import PROJECT_ROOT

    questions = load_questions(PROJECT_ROOT / "eval" / "sets" / "dev.jsonl")
    assert len(questions) == 46
    assert sum(1 for x in questions if x.expect == "answer") == 41


def test_paraphrase_consistency_counts_groups_and_pairs(searcher):
    from assistant.answer import Answerer
    from eval.paraphrases import consistency

    answerer = Answerer.create(searcher)
    same = "农村一户能有几处宅基地"
    metrics, rows = consistency({"same": [same, same, same], "mixed": [same, "违法建设谁来查处"]}, answerer.answer)
    assert rows[0]["same_citation"] and rows[0]["agreeing_pairs"] == rows[0]["pairs"] == 3
    assert not rows[1]["same_citation"] and rows[1]["pairs"] == 1
    assert metrics["groups"] == 2 and metrics["same_first_citation"] == 0.5
    assert metrics["pairwise_same_citation"] == 3 / 4
