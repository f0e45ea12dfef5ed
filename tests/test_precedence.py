"""Higher law first: a lower-ranked document's remedy deadline gives way to the laws that now
set it (corpora/precedence.yaml), in the ranking and in the answer read out."""

import dataclasses

import pytest

from assistant.answer import Answerer
from assistant.precedence import Precedence
from assistant.settings import Settings

# The 1993 regulation still says 15 days; 《行政诉讼法》 gives 6 months to sue directly.
QUESTION = "对规划处罚不服可以在几天内起诉"
OLD_RULE = "《村庄和集镇规划建设管理条例》第四十四条"
GOVERNING = {"《中华人民共和国行政诉讼法》第四十六条", "《中华人民共和国行政诉讼法》第四十五条",
             "《中华人民共和国行政复议法》第二十条"}
OLD_TEXT = ("当事人对行政处罚决定不服的，可以自接到处罚决定通知之日起15日内，向作出处罚决定机关的上一级机关申请复议；"
            "对复议决定不服的，可以自接到复议决定之日起15日内，向人民法院提起诉讼。")


@pytest.fixture(scope="module")
def rules() -> Precedence:
    return Precedence.load(Settings().precedence_path)


def test_the_old_regulation_ranks_first_without_the_rules(searcher):
    """The case the rules exist for: plain fusion puts the superseded 15 days first."""
    plain = dataclasses.replace(searcher, precedence=Precedence([]), _articles={})
    assert plain.search(QUESTION)[0].citation == OLD_RULE


def test_the_governing_articles_come_before_the_rule_that_gives_way(searcher):
    hits = searcher.search(QUESTION, top_k=10)
    citations = [h.citation for h in hits]
    old = citations.index(OLD_RULE)
    assert GOVERNING <= set(citations[:old])
    assert citations[0] == "《中华人民共和国行政诉讼法》第四十六条"  # the one nearest a question about suing
    assert set(hits[old].superseded_by) == GOVERNING
    assert all(not h.superseded_by for h in hits if h.citation != OLD_RULE)


def test_the_answer_states_the_governing_period_not_the_superseded_one(searcher):
    answer = Answerer.create(searcher).answer(QUESTION)
    assert answer.kind == "passages"
    assert "六个月" in answer.summary
    assert "15日内" not in answer.text
    assert OLD_RULE not in {c.citation for c in answer.citations}


def test_a_laws_own_special_period_is_kept(rules):
    """土地管理法 (a 法律) may set 15 days against a demolition order; only lower ranks give way."""
    assert rules.superseded("法律", OLD_TEXT) == ()
    assert set(rules.superseded("行政法规", OLD_TEXT)) == {("中华人民共和国行政复议法", 20), ("中华人民共和国行政诉讼法", 46),
                                           ("中华人民共和国行政诉讼法", 45)}


@pytest.mark.parametrize("question, first", [
    ("对罚款不服多少天内起诉", ("中华人民共和国行政诉讼法", 46)),
    ("对罚款不服多少天内申请复议", ("中华人民共和国行政复议法", 20)),
    ("对罚款不服有期限吗", ("中华人民共和国行政复议法", 20)),  # neither named: the file's order
])
def test_the_matter_the_question_asks_about_comes_first(rules, question, first):
    assert rules.superseded("行政法规", OLD_TEXT, question)[0] == first


@pytest.mark.parametrize("text", [
    "当事人对裁决不服的，可以在收到仲裁决定书三十日内向人民法院起诉。",  # arbitration, a civil matter
    "申请机关对不准予执行的裁定有异议的，可以自收到裁定之日起十五日内向上一级人民法院申请复议。",  # a court's ruling
    "当事人对行政处罚决定不服的，可以依法申请行政复议或者提起行政诉讼。",  # no period of its own
])
def test_other_deadlines_are_not_remedy_deadlines(rules, text):
    assert rules.superseded("地方性法规", text) == ()


@pytest.mark.parametrize("body, message", [
    ("rules:\n  - {matter: x, pattern: '([', yields: [行政法规], governed_by: [{law: 某法, article: 1}]}\n",
     "not a regular expression"),
    ("rules:\n  - {matter: x, pattern: a, yields: [行政法规], governed_by: [], extra: 1}\n", "extra"),
    ("rules:\n  - {matter: x, pattern: a, asked: '(', yields: [行政法规], governed_by: [{law: 某法, article: 1}]}\n",
     "not a regular expression"),
    ("rules: [\n", "precedence.yaml"),
])
def test_a_broken_rule_file_is_refused_with_its_name(tmp_path, body, message):
    path = tmp_path / "precedence.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ValueError, match=message) as caught:
        Precedence.load(path)
    assert str(path) in str(caught.value)


def test_no_rule_file_means_no_rules(tmp_path):
    assert not Precedence.load(tmp_path / "missing.yaml")
