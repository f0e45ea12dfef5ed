"""Answer shape: article structure, question kinds, summaries, the answer judge — on real
article texts of the bundled corpus."""

from pathlib import Path

import numpy as np
import pytest

from assistant.article import units
from assistant.compose import SUMMARY_CHARS, compose, short_citation
from assistant.question import analyse
from assistant.retrieval import Hit
from assistant.scope import ScopeGuard
from assistant.settings import Settings
from assistant.answer_judge import normalise, point_covered

CORPUS = Path(__file__).resolve().parents[1] / "corpora" / "planning"


def article(file: str, label: str) -> str:
    """The text of one article (第X条 up to the next article) from a bundled document."""
    lines = (CORPUS / file).read_text(encoding="utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(label + " "))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("第") and "条 " in lines[i][:8]
                or lines[i].startswith("#")), len(lines))
    return "\n".join(lines[start:end]).strip()


def hit(title: str, label: str, text: str, score: float = 2.0) -> Hit:
    return Hit(passage_id=f"x/{label}", doc_id="x", title=title, label=label, article=1, chapter="", text=text,
               url="https://example.gov.cn", status="有效", score=score, dense_score=0.9, keyword_score=1.0)


RECONSIDERATION_11 = article("administrative-reconsideration-law-2023.md", "第十一条")
DISCLOSURE_33 = article("government-information-disclosure-regulations.md", "第三十三条")
DISCLOSURE_42 = article("government-information-disclosure-regulations.md", "第四十二条")
PLANNING_64 = article("urban-rural-planning-law.md", "第六十四条")


def test_a_list_keeps_its_heading_and_items():
    parsed = units(RECONSIDERATION_11)
    heading = parsed[0]
    assert heading.text.endswith("：") and len(heading.items) >= 10
    assert heading.items[0].startswith("（一）") and heading.items[-1].startswith("（十")
    assert all(not u.text.endswith("：") or u.items for u in parsed)


def test_sentences_are_not_cut_at_semicolons():
    parsed = units(PLANNING_64)
    assert len(parsed) == 1
    assert "责令停止建设；" in parsed[0].text and parsed[0].text.endswith("罚款。")
    assert [u.paragraph for u in units(DISCLOSURE_33)] == [1, 2, 3]


def test_inline_items_are_kept_with_their_heading():
    parsed = units("第一条 有下列情形之一的，不予登记：（一）权属不清的；（二）超过期限的。")
    assert parsed[0].text.endswith("：") and parsed[0].items == ("（一）权属不清的；", "（二）超过期限的。")


def test_a_matching_item_is_quoted_with_its_heading():
    h = hit("中华人民共和国行政复议法", "第十一条", RECONSIDERATION_11)
    composed = compose("对征收补偿决定不服能申请行政复议吗", analyse("对征收补偿决定不服能申请行政复议吗"),
                       {"征收", "补偿决定", "不服", "行政复议"}, [h])
    quoted = composed.points[0].text
    assert quoted.startswith("有下列情形之一的") and "征收" in quoted and "补偿决定不服" in quoted
    assert "行政处罚决定" not in quoted  # an item the question does not touch is left out


@pytest.mark.parametrize("question, kinds", [
    ("政府信息公开申请多久答复", {"deadline"}),
    ("申请信息公开要不要钱", {"fee"}),
    ("违建归哪个部门管", {"who"}),
    ("宅基地能不能卖给城里人", {"yes_no"}),
    ("办不动产登记要带什么材料", {"materials"}),
    ("没有规划许可证盖房子会怎么处罚", {"penalty"}),
    ("复议和起诉的期限分别是多久", {"deadline", "compare"}),
])
def test_question_kinds(question, kinds):
    assert kinds <= set(analyse(question).kinds)


def test_a_deadline_question_takes_the_time_sentence():
    h = hit("政府信息公开条例", "第三十三条", DISCLOSURE_33)
    q = "申请政府信息公开后多久给答复"
    composed = compose(q, analyse(q), {"政府信息公开", "答复", "申请"}, [h])
    assert composed.summary.startswith("时限：20个工作日内。")
    assert any("20个工作日内予以答复" in p.text for p in composed.points)
    assert len(composed.summary) <= SUMMARY_CHARS and "《政府信息公开条例》第三十三条" in composed.summary


def test_a_fee_question_keeps_the_free_rule_before_the_exception():
    h = hit("政府信息公开条例", "第四十二条", DISCLOSURE_42)
    q = "申请政府信息公开收费吗"
    composed = compose(q, analyse(q), {"政府信息公开", "收费", "申请"}, [h])
    assert composed.summary.startswith("不收费。")
    assert "不收取费用" in composed.text and "信息处理费" in composed.text


def test_summaries_are_short_and_name_the_law_by_its_short_name():
    h = hit("中华人民共和国城乡规划法", "第六十四条", PLANNING_64)
    q = "没有规划许可证盖房子会怎么处罚"
    composed = compose(q, analyse(q), {"规划许可证", "建设", "处罚"}, [h])
    assert short_citation(h) == "《城乡规划法》第六十四条"
    assert len(composed.summary) <= SUMMARY_CHARS and composed.summary.endswith("（《城乡规划法》第六十四条）")
    assert composed.points[0].text == units(PLANNING_64)[0].text  # the whole sentence, not "责令停止建设；"


def test_a_summary_that_names_the_matter_carries_its_rule():
    # "在河道内开采砂、石，" only names the matter: the rule is the clause after it.
    text = article("beijing-mineral-resources-regulations.md", "第十四条")
    question = "在北京想在河道里采砂，需要办哪些许可？"
    composed = compose(question, analyse(question), {"河道", "采砂", "许可"}, [hit("北京市矿产资源管理条例", "第十四条", text)])
    assert "必须先经河道主管部门批准" in composed.summary
    assert len(composed.summary) <= SUMMARY_CHARS


def test_personal_case_status_is_not_confused_with_general_deadline_questions():
    assert analyse("我的不动产登记办到哪一步了").personal_case
    assert analyse("帮我查一下申请进度").personal_case
    assert not analyse("宅基地申请审批进度一般多久").personal_case


def test_a_referral_is_specific_only_when_the_question_names_its_topic():
    settings = Settings()
    guard = ScopeGuard(lambda texts: np.eye(len(texts), 8), settings.scope_path, 0.0)
    assert "12366" in guard.named_topic("个税怎么申报")["referral"]
    assert "122" in guard.named_topic("违停罚款在哪交")["referral"]
    assert guard.named_topic("路灯坏了好几天没人修") is None


@pytest.mark.parametrize("text, expected", [
    ("自收到申请之日起二十个工作日内", "自收到申请之日起20个工作日内"),
    ("十五天内", "15日内"), ("处一万元以上十万元以下罚款", "处10000元以上100000元以下罚款"),
    ("百分之五以上百分之十以下", "5%以上10%以下"), ("１３８", "138"), ("统一登记", "统一登记"),
])
def test_number_normalisation(text, expected):
    assert normalise(text) == expected


def test_the_judge_needs_exact_numbers_and_most_key_terms():
    answer = "行政机关不能当场答复的，应当自收到申请之日起20个工作日内予以答复。"
    assert point_covered("自收到申请之日起二十个工作日内予以答复", answer)
    assert not point_covered("自收到申请之日起十五个工作日内予以答复", answer)
    assert not point_covered("经批准可以延长期限并书面告知申请人", answer)
