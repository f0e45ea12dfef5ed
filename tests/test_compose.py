"""Answer shape: article structure, question kinds, summaries, the answer judge — on real
article texts of the bundled corpus."""

from pathlib import Path

import numpy as np
import pytest

from assistant.article import units
from assistant.compose import FRAGMENT_RE, SUMMARY_CHARS, compose, short_citation
from assistant.expand import Synonyms
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
RECONSIDERATION_34 = article("administrative-reconsideration-law-2023.md", "第三十四条")
DISCLOSURE_33 = article("government-information-disclosure-regulations.md", "第三十三条")
DISCLOSURE_42 = article("government-information-disclosure-regulations.md", "第四十二条")
PLANNING_64 = article("urban-rural-planning-law.md", "第六十四条")
PLANNING_40 = article("urban-rural-planning-law.md", "第四十条")
DISCLOSURE_29 = article("government-information-disclosure-regulations.md", "第二十九条")
SURVEYING_41 = article("surveying-and-mapping-law.md", "第四十一条")
SURVEYING_64 = article("surveying-and-mapping-law.md", "第六十四条")
FARMLAND_12 = article("beijing-basic-farmland-protection-regulations.md", "第十二条")
PROPERTY_41 = article("property-management-regulations.md", "第四十一条")
PLANNING_66 = article("urban-rural-planning-law.md", "第六十六条")
LAND_62 = article("land-administration-law.md", "第六十二条")
EXPROPRIATION_24 = article("housing-expropriation-compensation-regulations.md", "第二十四条")
GRASSLAND_46 = article("grassland-law.md", "第四十六条")
REGISTRATION_16 = article("real-estate-registration-regulations.md", "第十六条")
REGISTRATION_22 = article("real-estate-registration-regulations.md", "第二十二条")
BEIJING_PROPERTY_72 = article("beijing-property-management-regulations.md", "第七十二条")


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
    ("行政复议要交费吗", {"fee"}),
    ("办证需要缴费吗", {"fee"}),
    ("违建归哪个部门管", {"who"}),
    ("宅基地能不能卖给城里人", {"yes_no"}),
    ("办不动产登记要带什么材料", {"materials"}),
    ("更正登记需要提供什么", {"materials"}),
    ("国有土地使用权出让最高年限是多少年", {"deadline"}),
    ("承包期还剩多少个月", {"deadline"}),
    ("房产过户登记要等几个工作日", {"deadline"}),
    ("私自移动界桩会怎么处理", {"penalty"}),
    ("没有规划许可证盖房子会怎么处罚", {"penalty"}),
    ("复议和起诉的期限分别是多久", {"deadline", "compare"}),
    ("复议和诉讼有什么不同", {"compare"}),
    ("规划公示期有多长", {"deadline"}),
    ("没证的违章建筑给不给补偿", {"yes_no"}),
])
def test_question_kinds(question, kinds):
    assert kinds <= set(analyse(question).kinds)


@pytest.mark.parametrize("question, asks_sanction", [
    ("对规划局的罚款不服怎么办", False),  # the remedy
    ("行政复议期间处罚还执行吗", False),  # a sanction imposed, the subject of another question
    ("罚款能分期交吗", False),
    ("罚款交到哪里", False),
    ("规划局罚款的标准是多少", True),
    ("违建会被罚款吗", True),
    ("不办证会罚款吗", True),
    ("没有规划许可证盖房子会怎么处罚", True),
    ("擅自拆除历史建筑怎么罚", True),
    ("违法建设不拆会怎么样", True),
    ("非法采矿会被怎么处理", True),
])
def test_a_sanction_is_asked_for_only_when_the_caller_asks_what_it_is(question, asks_sanction):
    assert ("penalty" in analyse(question).kinds) is asks_sanction


def test_disagreeing_is_no_comparison():
    assert "compare" not in analyse("邻居不同意我家翻建房子怎么办").kinds  # 不同意, not 不同
    assert analyse("邻居不同意我家翻建房子怎么办").dispute


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
    # the matter comes with its short rule, whatever the question's words weigh
    asked = compose("信息公开要交钱吗", analyse("信息公开要交钱吗"), {"政府信息", "交钱"}, [h])
    assert asked.summary.startswith("不收费。行政机关依申请提供政府信息，不收取费用")


@pytest.mark.parametrize("question, text, summary", [
    ("行政诉讼要交诉讼费吗", "第一百零二条 人民法院审理行政案件，应当收取诉讼费用。",
     "需要。人民法院审理行政案件，应当收取诉讼费用"),
    ("强拆之前要通知当事人吗", "第六十七条 实施强制拆除的，执法机关应当通知违法建设当事人清理物品。",
     "需要。实施强制拆除的，执法机关应当通知违法建设当事人清理物品"),
])
def test_a_do_i_have_to_question_hears_need_when_the_rule_obliges_what_was_asked(question, text, summary):
    composed = _compose(question, {"行政诉讼", "诉讼费", "强拆", "通知", "当事人"}, hit("示范法", text[:text.index(" ")], text))
    assert composed.summary.startswith(summary), composed.summary


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
    assert not analyse("12345热线工单多少天内办结答复").personal_case  # a rule: how many days
    assert analyse("我的工单多少天了还没办结").personal_case


def test_a_word_of_this_desk_never_earns_another_hotline():
    guard = ScopeGuard(lambda texts: np.eye(len(texts), 8), Settings().scope_path, 0.0)
    assert guard.named_topic("自己封闭阳台、在露台上加盖，属于违章建筑吗") is None  # 违章 is 122's keyword
    assert guard.named_topic("邻居违章搭建挡了我家采光") is None
    assert guard.named_topic("土地承包纠纷的仲裁员是怎么选出来的") is None  # 裁员 is 劳动就业's
    assert "122" in guard.named_topic("违章停车被贴条了怎么处理")["referral"]
    # 房租 is 租房's keyword, but a question about 征收 is this desk's whatever else it mentions.
    assert guard.named_topic("拆迁时选择产权调换，过渡期间的房租谁来出") is None
    assert "住房和城乡建设" in guard.named_topic("租客拖欠房租不走怎么办")["referral"]


def test_a_referral_is_specific_only_when_the_question_names_its_topic():
    settings = Settings()
    guard = ScopeGuard(lambda texts: np.eye(len(texts), 8), settings.scope_path, 0.0)
    assert "12366" in guard.named_topic("个税怎么申报")["referral"]
    assert "122" in guard.named_topic("违停罚款在哪交")["referral"]
    assert guard.named_topic("路灯坏了好几天没人修") is None
    assert "城市管理" in guard.named_topic("家门口的井盖丢了")["referral"]
    assert "出租车和共享单车问题请咨询市交通委" in guard.named_topic("出租车拒载怎么投诉")["referral"]
    assert "公安机关" in guard.named_topic("楼上养狗天天叫")["referral"]
    assert "住房和城乡建设部门" in guard.named_topic("房东不退押金")["referral"]
    assert guard.named_topic("物业收了钱不管事，垃圾没人清找谁") is None  # 垃圾分类 is the other desk's word
    assert guard.named_topic("物业把小区车位出租车库给外人") is None  # 出租车位 is this desk's, not a taxi


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


# Rules of issue 10, on made-up articles: each states a kind of question or a kind of article
# structure, never a particular law.

def _compose(question: str, terms: set[str], *hits: Hit):
    return compose(question, analyse(question), terms, list(hits))


def test_a_statement_of_purpose_is_never_quoted():
    purpose = hit("示范条例", "第一条", "第一条 为了规范示范用地用途变更，保护示范用地权利人的合法权益，制定本条例。")
    rule = hit("示范条例", "第九条", "第九条 示范用地权利人可以申请变更示范用地用途。", score=1.9)
    composed = _compose("示范用地能不能变更用途", {"示范用地", "变更", "用途", "权利人"}, purpose, rule)
    assert all("制定本条例" not in p.text for p in composed.points)
    assert [h.label for h in composed.used] == ["第九条"]


def test_ownership_is_not_read_as_permission():
    # 所有权人 contains 有权; it grants nothing, so the answer must not open with 可以.
    h = hit("示范条例", "第五条", "第五条 收回示范用房，应当对示范用房所有权人给予补偿。")
    composed = _compose("示范用房被收回，能不能不给补偿", {"示范用房", "收回", "补偿"}, h)
    assert not composed.summary.startswith("可以")


def test_a_deadline_in_a_later_article_is_quoted():
    rule = hit("示范条例", "第八条", "第八条 示范许可证有效期届满需要延续的，可以申请延续。", score=2.0)
    other = hit("示范条例", "第七条", "第七条 示范许可证由区示范管理部门核发。", score=1.8)
    limit = hit("示范办法", "第十二条", "第十二条 申请延续示范许可证的，应当在有效期届满三十日前提出申请。", score=1.2)
    composed = _compose("示范许可证到期了要提前多久申请延续", {"示范许可证", "延续", "申请", "到期"},
                        rule, other, limit)
    assert any("届满三十日前" in p.text for p in composed.points)
    assert composed.summary.startswith("时限：三十日")
    assert len(composed.summary) <= SUMMARY_CHARS


def test_a_permission_question_quotes_a_permission_sentence_from_another_article():
    duty = hit("示范条例", "第二条", "第二条 收回示范用房，应当对示范用房权利人给予公平补偿。")
    choice = hit("示范条例", "第二十条", "第二十条 示范用房权利人可以选择货币补偿，也可以选择置换用房。\n\n"
                                       "示范用房权利人选择置换用房的，应当结清两处用房价值的差价。", score=1.9)
    composed = _compose("示范用房被收回，补偿只能给钱吗？能不能换房？", {"示范用房", "收回", "补偿", "给钱"},
                        duty, choice)
    assert any("也可以选择置换用房" in p.text for p in composed.points)
    assert any("结清两处用房价值的差价" in p.text for p in composed.points)  # the chosen option's terms
    assert not composed.summary.startswith(("可以", "不可以"))  # another article's 可以 is quoted, not concluded


def test_a_deadline_comes_with_what_happens_when_it_is_missed():
    text = ("第二十条 示范申请材料不齐全的，示范机关应当自收到申请之日起五日内书面通知申请人补正。"
            "补正通知应当一次性载明需要补正的示范申请材料。\n\n"
            "申请人应当自收到补正通知之日起十日内提交补正的示范申请材料。"
            "有正当理由不能按期提交的，示范机关可以延长提交示范申请材料的期限。"
            "无正当理由逾期不提交的，视为撤回申请。\n\n"
            "示范机关收到补正的示范申请材料后，依照本条例第十九条的规定处理。")
    composed = _compose("示范申请要补正材料，补正有时间要求吗", {"示范", "申请", "补正", "材料", "时间"},
                        hit("示范条例", "第二十条", text))
    assert any(p.text == "无正当理由逾期不提交的，视为撤回申请。" for p in composed.points)


def test_a_rule_keeps_the_exception_that_follows_it():
    text = ("第三十条 示范登记机构应当自受理示范登记申请之日起二十个工作日内办结示范登记手续。"
            "法律另有规定的除外。\n\n"
            "示范登记机构办结登记手续后，应当向申请人核发示范登记证明，并在示范登记簿上记载登记事项、"
            "登记时间、登记机构名称以及其他需要记载的事项，登记簿由示范登记机构永久保存，任何单位和个人不得擅自销毁。"
            "示范登记簿的样式由国务院示范主管部门统一规定，各地示范登记机构不得自行变更登记簿样式。\n\n"
            "示范登记机构应当加强示范登记信息化建设，推进示范登记信息与相关部门审批信息、交易信息的实时互通共享，"
            "方便申请人查询和办理。")
    composed = _compose("示范登记多长时间办完", {"示范登记", "办结", "时间"}, hit("示范条例", "第三十条", text))
    quoted = [p.text for p in composed.points]
    assert "法律另有规定的除外。" in quoted
    assert quoted.index("法律另有规定的除外。") == quoted.index(units(text)[0].text) + 1


def test_a_materials_question_gets_the_whole_list():
    text = ("第十条 申请示范登记，应当提交下列材料：\n（一）示范登记申请书；\n（二）申请人身份证明；\n"
            "（三）示范权属来源证明；\n（四）代理人的授权委托书。")
    composed = _compose("办示范登记要带什么材料", {"示范登记", "材料", "申请"}, hit("示范条例", "第十条", text))
    assert composed.points[0].text.endswith("（三）示范权属来源证明；（四）代理人的授权委托书。")


def test_a_materials_question_hears_every_sentence_that_adds_a_document():
    h = hit("中华人民共和国城乡规划法", "第四十条", PLANNING_40)
    question = "单位盖厂房，申请建设工程规划许可证要交什么材料"
    composed = _compose(question, {"建设工程规划许可证", "申请", "材料", "厂房"}, h)
    quoted = "".join(p.text for p in composed.points)
    assert "应当提交使用土地的有关证明文件、建设工程设计方案等材料" in quoted
    assert "还应当提交修建性详细规划" in quoted  # the case-dependent document, a sentence of its own
    without = compose(question, analyse("单位盖厂房，申请建设工程规划许可证怎么办"),
                      {"建设工程规划许可证", "申请", "材料", "厂房"}, [h])
    assert "还应当提交修建性详细规划" not in "".join(p.text for p in without.points)


@pytest.mark.parametrize("question, whole", [("信息公开申请书应当写明哪些内容", True),
                                             ("信息公开申请书里的联系方式写什么", False)])
def test_a_which_ones_question_gets_every_item_of_the_list(question, whole):
    h = hit("中华人民共和国政府信息公开条例", "第二十九条", DISCLOSURE_29)
    composed = _compose(question, {"信息公开", "申请书", "联系方式", "内容"}, h)
    listed = next(p.text for p in composed.points if "下列内容" in p.text)
    assert "身份证明、联系方式" in listed
    assert ("获取信息的方式" in listed) is whole


SURVEYING = "中华人民共和国测绘法"


def _sanctions_of_surveying(asked: Hit) -> list[Hit]:
    assert asked.title == SURVEYING  # asked for the law of the prohibition, not another
    return [hit(SURVEYING, "第六十四条", SURVEYING_64)]


def test_a_prohibition_comes_with_what_breaking_it_costs():
    question = "小区里的测量标志桩挡路，我能把它挪走吗"
    h = hit(SURVEYING, "第四十一条", SURVEYING_41)
    composed = _compose_with_sanctions(question, h, _sanctions_of_surveying)
    assert composed.summary.startswith("不可以。")
    sanction = composed.points[-1]
    assert sanction.citation == "《测绘法》第六十四条" and sanction.n == 2
    assert "可以并处二十万元以下的罚款" in sanction.text and "（一）损毁、擅自移动永久性测量标志" in sanction.text
    assert "（二）" not in sanction.text  # only the item naming the act asked about
    # the judge reads a list item with its heading
    assert point_covered("损毁、擅自移动测量标志的，给予警告，责令改正，可以并处二十万元以下的罚款", composed.text)


@pytest.mark.parametrize("question", ["测量标志由谁负责保管", "测量标志是什么"])
def test_no_sanction_is_added_where_nothing_forbidden_was_asked(question):
    h = hit(SURVEYING, "第四十一条", SURVEYING_41)
    composed = _compose_with_sanctions(question, h, _sanctions_of_surveying)
    assert all(p.citation != "《测绘法》第六十四条" for p in composed.points)


def test_a_sanction_for_another_act_is_not_attached():
    h = hit("示范条例", "第六条", "第六条 禁止在示范林地内放牧。")
    other = hit("示范条例", "第三十条", "第三十条 违反本条例规定，擅自砍伐林木的，处五千元以下罚款。")
    composed = _compose_with_sanctions("示范林地里能放羊吗", h, lambda _: [other])
    assert [p.citation for p in composed.points] == ["《示范条例》第六条"]
    cited = hit("示范条例", "第三十一条", "第三十一条 违反本条例第六条规定的，责令改正，处二百元以下罚款。")
    composed = _compose_with_sanctions("示范林地里能放羊吗", h, lambda _: [other, cited])
    assert composed.points[-1].citation == "《示范条例》第三十一条"  # cites the article, whatever its wording


def _compose_with_sanctions(question, h, sanctions):
    # 挪走 comes with the statute's 移动 from the colloquial dictionary (corpora/synonyms.yaml).
    return compose(question, analyse(question), {w for w in ("测量标志", "挪走", "示范林地", "放羊", "保管")
                                                 if w in question} | ({"移动"} if "挪走" in question else set()),
                   [h], sanctions=sanctions)


def test_a_second_long_article_keeps_every_sentence_that_answers():
    # 72's rule has three steps, one sentence each: 督促, then 诉讼或者仲裁, then the court's 限制消费令.
    question = "业主拖着不交物业费，物业服务人能起诉吗，法院能怎么办"
    composed = _compose(question, {"业主", "物业费", "交纳", "起诉", "诉讼", "人民法院", "物业服务人"},
                        hit("物业管理条例", "第四十一条", PROPERTY_41, score=2.0),
                        hit("北京市物业管理条例", "第七十二条", BEIJING_PROPERTY_72, score=1.9))
    second = "".join(p.text for p in composed.points if p.citation == "《北京市物业管理条例》第七十二条")
    assert "物业服务人可以依法提起诉讼或者申请仲裁" in second and "限制消费令" in second


def test_another_articles_time_limit_is_read_out_only_when_it_is_about_the_subject():
    registration = hit("示范登记条例", "第九条", "第九条 示范过户登记由示范登记机构办理。", score=2.0)
    lawsuit = hit("示范诉讼法", "第四十八条", "第四十八条 因其他特殊情况耽误起诉期限的，在障碍消除后十日内，可以申请延长期限。",
                  score=1.95)
    question = "示范房子过户交了很久还没办好，规定的期限是几天"
    terms = {"示范", "过户", "规定", "期限", "几天"}
    composed = _compose(question, terms, registration, lawsuit)
    assert "十日" not in composed.summary and composed.summary.endswith("（《示范登记条例》第九条）")
    about = hit("示范登记条例", "第二十条", "第二十条 示范过户登记应当自受理之日起三十日内办结。", score=1.95)
    assert _compose(question, terms, registration, about).summary.startswith("时限：三十日内。")


@pytest.mark.parametrize("question, case", [
    ("临时建筑超过批准期限一直不拆除，怎么处理", "临时建筑物、构筑物超过批准期限不拆除的，由所在地"),
    ("没经过批准就搞临时建设，怎么处理", "未经批准进行临时建设的，由所在地"),
])
def test_a_list_of_cases_is_summarised_as_the_case_asked_about_and_its_rule(question, case):
    composed = _compose(question, {w for w in ("临时建筑", "临时建设", "批准", "期限", "拆除", "不拆除") if w in question},
                        hit("中华人民共和国城乡规划法", "第六十六条", PLANNING_66))
    assert composed.summary.startswith(case), composed.summary
    assert "罚款" in "".join(p.text for p in composed.points)


def test_an_item_that_names_an_act_reads_as_a_case():
    composed = _compose("损毁测量标志怎么处罚", {"损毁", "测量标志", "处罚"}, hit(SURVEYING, "第六十四条", SURVEYING_64))
    # Case and sanction do not fit in one summary: the sanction is read out whole, the case quoted.
    assert composed.summary.startswith("给予警告，责令改正，可以并处二十万元以下的罚款"), composed.summary
    assert "损毁、擅自移动永久性测量标志" in composed.points[0].text


LAND_75 = article("land-administration-law.md", "第七十五条")


@pytest.mark.parametrize("question", ["耕地上盖房子会怎么处罚", "私自在耕地里挖沙子怎么罚", "占耕地建坟会怎么样"])
def test_a_sanction_is_read_out_whole_without_who_imposes_it_when_both_do_not_fit(question):
    composed = _compose(question, {"耕地", "建房", "挖砂", "建坟", "处罚"},
                        hit("中华人民共和国土地管理法", "第七十五条", LAND_75))
    # 「可以并处罚款」 alone drops the order to restore the land.
    assert composed.summary.startswith("责令限期改正或者治理，可以并处罚款（"), composed.summary
    assert composed.concluded


def test_a_yes_or_no_comes_only_from_a_modal_that_governs_what_was_asked():
    homestead = hit("中华人民共和国土地管理法", "第六十二条", LAND_62)
    # 「其宅基地的面积不得超过……标准」 says 不得, but not about selling a 宅基地.
    composed = _compose("宅基地和上面的房子能卖给城里人吗", {"宅基地", "房子", "卖给", "城里人"}, homestead)
    assert not composed.summary.startswith(("不可以", "可以"))
    grassland = hit("中华人民共和国草原法", "第四十六条", GRASSLAND_46)
    # the law's own subject (草原 in 草原法) is not enough; 开垦 is what the 禁止 governs
    assert _compose("草原能开垦吗", {"草原", "开垦"}, grassland).summary.startswith("不可以。禁止开垦草原")
    assert not _compose("草原能放牧吗", {"草原", "放牧"}, grassland).summary.startswith("不可以")


def test_a_question_naming_an_illegal_building_is_not_asking_whether_something_is_illegal():
    h = hit("国有土地上房屋征收与补偿条例", "第二十四条", EXPROPRIATION_24)
    composed = _compose("没有登记的违法建筑在征收中能不能获得补偿", {"违法建筑", "征收", "获得", "补偿"}, h)
    assert composed.summary.startswith("不可以。") and "不予补偿" in composed.summary
    asked = _compose("征收时私自加盖的房子算违法吗", {"征收", "私自", "加盖", "违法建筑", "房子"}, h)
    assert asked.summary.startswith("属于违法行为。")


@pytest.mark.parametrize("question, terms, label, text, start", [
    ("办房产证要带什么材料", {"房产证", "材料"}, "第十六条", REGISTRATION_16, "申请人应当提交：登记申请书；申请人、代理人身份证明材料"),
    ("哪些情形不予登记", {"不予登记", "情形"}, "第二十二条", REGISTRATION_22,
     "不动产登记机构应当不予登记，并书面告知申请人的情形：违反法律"),
])
def test_a_list_asked_for_whole_is_summarised_as_its_items(question, terms, label, text, start):
    composed = _compose(question, terms, hit("不动产登记暂行条例", label, text))
    assert composed.summary.startswith(start), composed.summary
    assert len(composed.summary) <= SUMMARY_CHARS and "等（" in composed.summary


def test_a_list_of_conditions_to_meet_is_summarised_as_its_items():
    text = article("urban-real-estate-administration-law.md", "第四十五条")
    composed = _compose("商品房预售需要满足什么条件", {"商品房", "预售", "条件"}, hit("城市房地产管理法", "第四十五条", text))
    assert composed.summary.startswith("商品房预售，应当符合：已交付全部土地使用权出让金，取得土地使用权证书")


def test_an_item_that_only_names_a_thing_is_not_read_out_alone():
    text = "第四十三条 答复意见应当包括下列事项：\n（一）信访人的姓名；\n（二）信访事项的处理意见；\n（三）不服处理意见的救济途径。"
    composed = _compose("信访事项的处理意见我不满意", {"信访事项", "处理意见", "不满意"}, hit("示范信访条例", "第四十三条", text))
    assert composed.summary.startswith("答复意见应当包括下列事项"), composed.summary


@pytest.mark.parametrize("text, rule", [
    ("第二条 本条例所称示范灾害，包括自然因素或者人为活动引发的危害人民生命和财产安全的山体崩塌、滑坡、泥石流、地面塌陷、"
     "地裂缝、地面沉降等与地质作用有关的灾害。", "本条例所称示范灾害，包括自然因素"),
    ("第二条 示范转让，是指示范权利人通过买卖、赠与或者其他合法方式将其示范转移给他人的行为。", "示范转让，是指示范权利人"),
])
def test_a_summary_never_reads_out_the_matter_without_its_rule(text, rule):
    composed = _compose("示范灾害、示范转让是什么意思", {"示范灾害", "示范转让"}, hit("示范条例", "第二条", text))
    assert composed.summary.startswith(rule), composed.summary
    assert len(composed.summary) <= SUMMARY_CHARS


def test_a_clause_without_its_own_verb_keeps_the_one_that_governs_it():
    text = "第九条 示范承包方承包土地后，享有土地承包经营权，可以自己经营，也可以保留土地承包权，流转其示范承包地的土地经营权，由他人经营。"
    composed = _compose("示范承包地能流转吗", {"示范承包地", "流转"}, hit("示范承包法", "第九条", text))
    assert composed.summary.startswith("可以。可以自己经营，也可以保留土地承包权，流转其示范承包地的土地经营权"), composed.summary


@pytest.mark.parametrize("question, start", [
    ("申请行政复议的期限是多少天", "…十五日内，依法向人民法院提起行政诉讼"),  # the 15 days are for suing
    ("复议机关不受理，多少天内可以起诉", "时限：十五日内。"),
])
def test_a_time_limit_is_read_out_only_for_the_act_asked_about(question, start):
    h = hit("中华人民共和国行政复议法", "第三十四条", RECONSIDERATION_34)
    composed = _compose(question, {"行政复议", "复议", "期限", "起诉", "不受理"}, h)
    assert composed.summary.startswith(start), composed.summary


def test_a_list_is_not_summarised_whole_for_another_kind_of_question():
    composed = _compose("登记材料交了以后多久能办完", {"登记", "材料", "办完"},
                        hit("不动产登记暂行条例", "第十六条", REGISTRATION_16))
    assert not composed.summary.startswith("申请人应当提交：")


def test_an_exception_that_forbids_answers_a_permission_question():
    composed = _compose("能在基本农田里挖鱼塘吗", {"基本农田", "挖鱼塘", "鱼塘"},
                        hit("北京市基本农田保护条例", "第十二条", FARMLAND_12))
    assert composed.summary.startswith("不可以。禁止在基本农田内挖鱼塘")


def test_a_summary_keeps_the_alternative_that_continues_its_rule():
    h = hit("示范条例", "第四条", "第四条 示范用地权利人可以转让示范用地，也可以出租示范用地。")
    composed = _compose("示范用地能不能出租", {"示范用地", "出租"}, h)
    assert composed.summary == "可以。示范用地权利人可以转让示范用地，也可以出租示范用地（《示范条例》第四条）"


def test_a_permission_answer_comes_from_the_sentence_that_grants_or_refuses():
    text = ("第四十条 示范建设单位应当按照示范规划条件进行建设。\n\n"
            "示范规划条件确需变更的，变更内容不符合示范详细规划的，示范主管部门不得批准。")
    composed = _compose("示范规划条件定了以后想变更行不行", {"示范规划条件", "变更", "示范"},
                        hit("示范条例", "第四十条", text))
    assert "不得批准" in composed.summary
    # 不得 holds only when the change does not conform: read with its case, never as a plain 不可以.
    assert not composed.summary.startswith("不可以。") and "不符合示范详细规划的" in composed.summary


def test_question_frame_words_do_not_choose_the_sentence():
    # "能不能" yields the token 不能; a sentence that merely contains 不能 is not the answer.
    text = ("第六条 示范用地不能满足需要的地区，区人民政府可以统筹安排示范用地。"
            "示范用地权利人不得将示范用地出租给他人。")
    composed = _compose("示范用地能不能出租", {"示范用地", "不能", "出租"}, hit("示范条例", "第六条", text))
    assert composed.summary.startswith("不可以。") and "不得将示范用地出租" in composed.summary


CIVIL_399 = article("civil-code-property-rights.md", "第三百九十九条")
LAND_14 = article("land-administration-law.md", "第十四条")
PETITION_40 = article("beijing-petition-regulations.md", "第四十条")


def test_a_list_item_takes_its_headings_rule_and_its_exception_does_not_conclude():
    # 「下列财产不得抵押：……（二）宅基地……，但是法律规定可以抵押的除外」 was read out as 「可以。」.
    composed = _compose("宅基地上的房子能抵押贷款吗", {"宅基地", "房子", "抵押", "贷款"},
                        hit("中华人民共和国民法典", "第三百九十九条", CIVIL_399))
    assert composed.summary.startswith("不可以。宅基地、自留地、自留山等集体所有土地的使用权不得抵押"), composed.summary


def test_a_matter_is_read_with_the_authority_that_settles_it():
    composed = _compose("土地权属争议怎么解决", {"土地", "权属", "争议", "解决"},
                        hit("中华人民共和国土地管理法", "第十四条", LAND_14))
    assert "由当事人协商解决" in composed.summary, composed.summary


def test_who_decides_is_said_once():
    composed = _compose("农村村民盖住宅要经过谁批准", {"农村村民", "住宅", "批准"},
                        hit("中华人民共和国土地管理法", "第六十二条", LAND_62))
    assert composed.summary.count("由乡（镇）人民政府审核批准") == 1, composed.summary


def test_a_time_that_extends_another_acts_limit_is_not_the_answer():
    # 60日内办结, 延长期限不得超过30日: neither is how long deciding whether to accept takes.
    composed = _compose("信访事项多长时间内决定是否受理", {"信访事项", "受理"},
                        hit("北京市信访条例", "第四十条", PETITION_40))
    assert not composed.summary.startswith("时限："), composed.summary
    assert "60日内办结" in composed.summary


def test_a_penalty_question_hears_the_sanction_not_the_prohibition():
    prohibition = hit("中华人民共和国测绘法", "第四十一条", SURVEYING_41)
    sanction = hit("中华人民共和国测绘法", "第六十四条", SURVEYING_64, score=1.9)
    composed = _compose("测量标志被破坏了怎么处罚", {"测量标志", "测量", "标志", "破坏", "处罚"},
                        prohibition, sanction)
    assert "第六十四条" in composed.summary and "警告" in composed.summary, composed.summary


URBAN_REAL_ESTATE_63 = article("urban-real-estate-administration-law.md", "第六十三条")
LAND_48 = article("land-administration-law.md", "第四十八条")
LAND_RULES_28 = article("land-administration-law-implementing-regulations.md", "第二十八条")
LAND_49 = article("land-administration-law.md", "第四十九条")


def test_a_permission_is_not_concluded_from_a_sentence_about_something_else():
    # 「可以制作、颁发统一的房地产权证书」 shares 产权证 with the question and nothing of the 地下室.
    composed = _compose("地下室能单独办产权证吗", {"地下", "地下室", "单独", "办", "产权", "权证", "产权证"},
                        hit("中华人民共和国城市房地产管理法", "第六十三条", URBAN_REAL_ESTATE_63))
    assert not composed.summary.startswith(("可以。", "不可以。")), composed.summary


def test_a_fine_question_hears_the_amount_whole():
    question = "未取得建设工程规划许可证就开工建设，会罚多少钱"
    composed = _compose(question, {"取得", "建设工程", "规划", "许可证", "开工", "建设", "罚", "多少钱"},
                        hit("中华人民共和国城乡规划法", "第六十四条", PLANNING_64))
    assert "百分之五以上百分之十以下的罚款" in composed.summary, composed.summary
    assert "金额：百分之" not in composed.summary  # a share means nothing without what it is a share of


def test_the_time_read_out_is_the_one_set_for_what_is_asked():
    # 「公告时间不少于三十日」 is a time about 征地补偿 too, but not how often the 标准 is 调整.
    composed = _compose("征地补偿标准多久调整一次", {"征地", "补偿", "标准", "调整", "一次", "土地征收", "征收土地"},
                        hit("中华人民共和国土地管理法", "第四十八条", LAND_48, score=1.67),
                        hit("中华人民共和国土地管理法实施条例", "第二十八条", LAND_RULES_28, score=1.56),
                        hit("中华人民共和国土地管理法", "第四十九条", LAND_49, score=1.41))
    assert composed.summary.startswith("时限：三年。"), composed.summary
    assert "第四十八条" in composed.summary


BEIJING_PLANNING_80 = article("beijing-urban-rural-planning-regulations.md", "第八十条")


@pytest.mark.parametrize("question", ["违法建设被拆除的费用由谁承担", "违建强拆的钱最后谁出"])
def test_who_pays_is_said_first_when_the_sentence_is_too_long_to_read_whole(question):
    composed = _compose(question, {"违法建设", "违建", "拆除", "强拆", "费用", "承担"},
                        hit("北京市城乡规划条例", "第八十条", BEIJING_PLANNING_80))
    assert composed.summary.startswith("由违法建设当事人承担。"), composed.summary


def test_an_obligation_to_do_something_else_is_no_need_for_what_was_asked():
    # 「……应当……公告」 is about a 公告; the caller asked whether a 听证 is needed.
    composed = _compose("征地之前要不要听证", {"征地", "之前", "听证", "征收土地", "土地征收"},
                        hit("中华人民共和国土地管理法实施条例", "第二十八条", LAND_RULES_28))
    assert not composed.summary.startswith("需要。"), composed.summary
    needed = _compose("征地之前要不要公告", {"征地", "之前", "公告", "征收土地", "土地征收"},
                      hit("中华人民共和国土地管理法实施条例", "第二十八条", LAND_RULES_28))
    assert needed.summary.startswith("需要。"), needed.summary


MINERAL_RULES_34 = article("mineral-resources-law-implementing-rules.md", "第三十四条")
REGISTRATION_5 = article("real-estate-registration-regulations.md", "第五条")
PLANNING_37 = article("urban-rural-planning-law.md", "第三十七条")
LAND_83 = article("land-administration-law.md", "第八十三条")


def test_a_list_heading_is_never_read_out_without_an_item():
    composed = _compose("矿山关闭后要不要恢复治理", {"矿山", "关闭", "恢复", "治理"},
                        hit("中华人民共和国矿产资源法实施细则", "第三十四条", MINERAL_RULES_34))
    assert "下列工作：" in composed.summary and not composed.summary.startswith("矿山企业应当完成下列工作（"), \
        composed.summary
    # the heading's first clause alone (「下列不动产权利」) is no better
    listed = _compose("办不动产登记需要本人到场吗", {"不动产登记", "本人", "到场"},
                      hit("不动产登记暂行条例", "第五条", REGISTRATION_5))
    assert listed.summary.startswith("下列不动产权利，依照本条例的规定办理登记："), listed.summary


def test_who_does_the_act_named_is_said_when_the_act_comes_later_in_the_sentence():
    composed = _compose("建设用地规划许可证由哪个部门核发", {"建设用地", "规划", "许可证", "核发"},
                        hit("中华人民共和国城乡规划法", "第三十七条", PLANNING_37))
    assert composed.summary.startswith("由城市、县人民政府城乡规划主管部门核发。"), composed.summary


def test_a_time_to_appeal_is_not_the_time_limit_of_another_act():
    # 83: 「……可以在接到责令限期拆除决定之日起十五日内，向人民法院起诉」
    composed = _compose("楼顶违建多长时间必须拆除", {"楼顶", "违建", "违法建筑", "拆除"},
                        hit("中华人民共和国土地管理法", "第八十三条", LAND_83))
    assert not composed.summary.startswith("时限：十五日内"), composed.summary
    appeal = _compose("责令拆除的决定不服，多少天内可以去法院起诉", {"责令", "拆除", "决定", "不服", "起诉"},
                      hit("中华人民共和国土地管理法", "第八十三条", LAND_83))
    assert appeal.summary.startswith("时限：十五日内"), appeal.summary


URBAN_REAL_ESTATE_26 = article("urban-real-estate-administration-law.md", "第二十六条")
PLANNING_41 = article("urban-rural-planning-law.md", "第四十一条")


def test_a_spoken_number_matches_the_statutes():
    # 满两年 is the statute's 满二年: 收回, not the 闲置费 of 满一年.
    composed = _compose("闲置土地满两年会被收回吗", {"闲置", "土地", "满", "两年", "收回"},
                        hit("中华人民共和国城市房地产管理法", "第二十六条", URBAN_REAL_ESTATE_26))
    assert "满二年未动工开发的，可以无偿收回土地使用权" in composed.summary, composed.summary


def test_who_is_said_once_when_the_sentence_must_be_cut():
    composed = _compose("乡村建设规划许可证找哪个部门办", {"乡村建设规划许可证", "乡村", "建设", "规划", "许可证", "部门"},
                        hit("中华人民共和国城乡规划法", "第四十一条", PLANNING_41))
    assert composed.summary.startswith("由乡、镇人民政府报城市、县人民政府城乡规划主管部门核发。"), composed.summary
    assert composed.summary.count("由乡、镇人民政府报") == 1, composed.summary


def test_a_summary_that_does_not_state_what_was_asked_is_marked_unconcluded():
    homestead = hit("中华人民共和国土地管理法", "第六十二条", LAND_62)
    assert not _compose("宅基地审批要多长时间", {"宅基地", "审批"}, homestead).concluded  # no time in 62
    assert _compose("农村村民盖住宅要经过谁批准", {"农村村民", "住宅", "批准"}, homestead).concluded  # 谁 is not a kind that must be stated
    disclosure = hit("中华人民共和国政府信息公开条例", "第三十三条", DISCLOSURE_33)
    assert _compose("信息公开多久答复", {"信息公开", "答复"}, disclosure).concluded


RECONSIDERATION_87 = article("administrative-reconsideration-law-2023.md", "第八十七条")
HAZARD_48 = article("geological-hazard-prevention-regulations.md", "第四十八条")
DISPUTE_2 = article("rural-land-contract-dispute-arbitration-law.md", "第二条")
CIVIL_338 = article("civil-code-property-rights.md", "第三百三十八条")


def test_no_charge_to_the_applicant_is_read_out_as_free():
    composed = _compose("行政复议要交费吗", {"行政复议", "交费", "收取费用", "费用"},
                        hit("中华人民共和国行政复议法", "第八十七条", RECONSIDERATION_87))
    assert composed.summary.startswith("不收费。"), composed.summary


def _as_answered(question: str, words: set[str]) -> set[str]:
    """The question's words with their dictionary terms, as the Answerer passes them."""
    return words | set(Synonyms.load(Settings().synonyms_path).expansions(question, cues=False))


RECONSIDERATION_72 = article("administrative-reconsideration-law-2023.md", "第七十二条")
REGISTRATION_28 = article("real-estate-registration-regulations.md", "第二十八条")


def test_whether_it_costs_is_read_from_the_article_of_the_same_law_that_prices_it():
    # 72 (first) touches 摊派费用 of a decision under review; 87 says whether 复议 itself costs.
    composed = _compose("行政复议要交钱吗", _as_answered("行政复议要交钱吗", {"行政", "复议", "行政复议", "交钱"}),
                        hit("中华人民共和国行政复议法", "第七十二条", RECONSIDERATION_72),
                        hit("中华人民共和国行政复议法", "第八十七条", RECONSIDERATION_87, score=1.95))
    assert composed.summary.startswith("不收费。") and "第八十七条" in composed.summary, composed.summary


def test_another_laws_free_rule_does_not_answer_whether_this_costs():
    # That 政府信息 is free says nothing of 不动产登记资料: the words 收费 adds to search (收取费用)
    # are no subject the two articles share.
    composed = _compose("查询房屋登记信息要收费吗",
                        _as_answered("查询房屋登记信息要收费吗", {"查询", "房屋", "登记", "信息", "收费"}),
                        hit("不动产登记暂行条例", "第二十八条", REGISTRATION_28),
                        hit("中华人民共和国政府信息公开条例", "第四十二条", DISCLOSURE_42, score=1.95))
    assert "政府信息" not in composed.summary, composed.summary


CIVIL_223 = article("civil-code-property-rights.md", "第二百二十三条")


def test_how_a_fee_is_charged_states_the_fee():
    # 「不动产登记费按件收取」 answers how much in the statute's way: per case, not by area.
    composed = _compose("不动产登记收多少钱", {"不动产", "登记", "收"},
                        hit("中华人民共和国民法典", "第二百二十三条", CIVIL_223))
    assert "按件收取" in composed.summary and composed.concluded, composed.summary


def test_a_who_summary_that_names_nobody_is_marked_unconcluded():
    # 「……从其规定」 and 「……适用本法」 name no one who acts: an agent must not read them as who answers.
    referral = _compose("泥石流谁负责治理", {"泥石流", "负责", "治理"},
                        hit("地质灾害防治条例", "第四十八条", HAZARD_48))
    scope = _compose("土地纠纷先找谁", {"土地", "纠纷", "土地纠纷", "土地承包经营纠纷", "仲裁"},
                     hit("中华人民共和国农村土地承包经营纠纷调解仲裁法", "第二条", DISPUTE_2))
    assert not referral.concluded, referral.summary
    assert not scope.concluded, scope.summary
    holder = _compose("承包地被征收了补偿给谁", {"承包地", "征收", "补偿"},
                      hit("中华人民共和国民法典", "第三百三十八条", CIVIL_338))
    assert holder.concluded and "土地承包经营权人" in holder.summary, holder.summary


REGISTRATION_29 = article("real-estate-registration-regulations.md", "第二十九条")


def test_a_cut_sentence_keeps_its_rule_not_alternative_conditions():
    # 「……造成损害，或者……造成损害的，」 are two conditions of one rule: cut, the rule is read out.
    composed = _compose("不动产登记簿上的信息错了谁负责赔偿", {"不动产登记簿", "登记", "信息", "错", "负责", "赔偿"},
                        hit("不动产登记暂行条例", "第二十九条", REGISTRATION_29))
    assert "承担赔偿责任" in composed.summary, composed.summary
    assert "《物权法》" in composed.summary, composed.summary  # the law referred to by its short name too
    assert len(composed.summary) <= SUMMARY_CHARS


ARBITRATION_45 = article("rural-land-contract-dispute-arbitration-law.md", "第四十五条")
ARBITRATION_48 = article("rural-land-contract-dispute-arbitration-law.md", "第四十八条")


def test_a_deadline_is_the_one_set_for_the_act_asked_about():
    # 45 gives 三个工作日 to serve the award 「，并告知……起诉权利」; 48 gives 三十日 to sue.
    q = "对仲裁裁决不服多久起诉"
    composed = _compose(q, {"仲裁", "裁决", "不服", "起诉", "有异议"},
                        hit("中华人民共和国农村土地承包经营纠纷调解仲裁法", "第四十五条", ARBITRATION_45),
                        hit("中华人民共和国农村土地承包经营纠纷调解仲裁法", "第四十八条", ARBITRATION_48, score=1.99))
    assert composed.summary.startswith("时限：三十日内。"), composed.summary


DISCLOSURE_13 = article("government-information-disclosure-regulations.md", "第十三条")


def test_a_subject_is_read_with_what_the_sentence_says_of_it():
    # 「行政机关公开政府信息，」 alone names a subject; 「采取主动公开和依申请公开的方式」 is the rule.
    composed = _compose("政府信息公开的范围有哪些", {"信息", "公开", "政府", "政府信息公开", "申请公开", "范围"},
                        hit("中华人民共和国政府信息公开条例", "第十三条", DISCLOSURE_13))
    assert "采取主动公开和依申请公开的方式" in composed.summary, composed.summary


RECONSIDERATION_42 = article("administrative-reconsideration-law-2023.md", "第四十二条")


def test_a_list_of_exceptions_is_not_read_out_for_its_rule():
    # 「……不停止执行；但是有下列情形之一的，应当停止执行：」: one exception read alone says the opposite.
    composed = _compose("行政复议期间处罚还执行吗", {"行政复议", "期间", "处罚", "执行"},
                        hit("中华人民共和国行政复议法", "第四十二条", RECONSIDERATION_42))
    assert composed.summary.startswith("行政复议期间行政行为不停止执行"), composed.summary


PLANNING_56 = article("urban-rural-planning-law.md", "第五十六条")


def test_a_caller_who_disagrees_hears_the_remedy_or_is_told_to_check():
    terms = {"不服", "争议", "决定", "土地", "处理", "权属", "权属争议", "有异议", "申请行政复议", "提起行政诉讼"}
    remedy = _compose("对土地权属争议处理决定不服怎么办", terms, hit("中华人民共和国土地管理法", "第十四条", LAND_14))
    assert "处理决定不服的" in remedy.summary and remedy.concluded, remedy.summary
    # 「……三十日内，」 sets the time for the act after it: the summary does not stop at the time.
    assert "三十日内，向人民法院起诉" in remedy.summary, remedy.summary
    # 56 sends a case up to a higher authority: it names no remedy for the caller.
    none = _compose("对规划局的罚款不服怎么办", {"规划局", "罚款", "不服", "有异议", "申请行政复议", "提起行政诉讼"},
                    hit("中华人民共和国城乡规划法", "第五十六条", PLANNING_56))
    assert not none.concluded, none.summary


CIVIL_363 = article("civil-code-property-rights.md", "第三百六十三条")
MINERAL_67 = article("mineral-resources-law-2024.md", "第六十七条")


def test_a_rule_that_refers_to_other_law_is_read_with_its_reference():
    composed = _compose("宅基地能不能买卖", {"宅基地", "买卖"}, hit("中华人民共和国民法典", "第三百六十三条", CIVIL_363))
    assert "适用土地管理的法律和国家有关规定" in composed.summary, composed.summary


def test_a_how_much_is_the_fine_question_hears_the_amount_once():
    composed = _compose("无证采矿罚多少", {"无证", "采矿", "罚", "采矿许可证"},
                        hit("中华人民共和国矿产资源法", "第六十七条", MINERAL_67))
    assert composed.summary.count("十万元以上五十万元以下") == 1, composed.summary


GEOHAZARD_19 = article("geological-hazard-prevention-regulations.md", "第十九条")


def test_the_laws_own_subject_added_by_expansion_does_not_choose_the_clause():
    # 地灾 → 地质灾害, the subject of every clause of 地质灾害防治条例; 搬迁 is what was asked.
    composed = _compose("地灾隐患点搬迁", {"地灾", "隐患", "搬迁", "地质灾害"},
                        hit("地质灾害防治条例", "第十九条", GEOHAZARD_19))
    assert "搬迁避让" in composed.summary, composed.summary


def test_a_fee_question_is_answered_by_the_sentence_that_prices_it():
    composed = _compose("信息公开费用", {"信息公开", "信息", "政府信息公开", "申请公开", "费用", "公开"},
                        hit("中华人民共和国政府信息公开条例", "第四十二条", DISCLOSURE_42))
    assert composed.summary.startswith("不收费。"), composed.summary


FOREST_17 = article("forest-law.md", "第十七条")
GRASSLAND_43 = article("grassland-law.md", "第四十三条")


@pytest.mark.parametrize("question, terms, h", [
    # 「承包方可以……流转林地经营权」 grants something, but not building a house on the land.
    ("我承包了一片林地，能不能在上面盖几间房子住", {"承包", "林地", "上面", "盖", "房子"},
     hit("中华人民共和国森林法", "第十七条", FOREST_17)),
    # where (在自然保护区) is not what is asked to be allowed (开矿)
    ("在自然保护区开矿允许吗", {"自然保护区", "开矿"}, hit("中华人民共和国草原法", "第四十三条", GRASSLAND_43)),
])
def test_a_permission_answer_needs_the_act_asked_about(question, terms, h):
    composed = _compose(question, terms, h)
    assert not composed.summary.startswith(("可以。", "不可以。")), composed.summary


MINING_REGISTRATION_24 = article("mineral-mining-registration-measures.md", "第二十四条")


def test_a_permission_that_holds_only_in_a_case_not_described_concludes_nothing():
    # 「采矿权人被吊销采矿许可证的，……2年内不得再申请采矿权」: not a 不可以 for everyone.
    composed = _compose("个人可以申请采矿权吗", {"个人", "申请", "采矿权", "采矿"},
                        hit("矿产资源开采登记管理办法", "第二十四条", MINING_REGISTRATION_24))
    assert not composed.summary.startswith(("可以。", "不可以。")), composed.summary
    assert "被吊销采矿许可证的" in composed.summary
    revoked = _compose("采矿许可证被吊销了还可以再申请采矿权吗", {"采矿许可证", "吊销", "申请", "采矿权"},
                       hit("矿产资源开采登记管理办法", "第二十四条", MINING_REGISTRATION_24))
    assert revoked.summary.startswith("不可以。"), revoked.summary


CONTRACTING_28 = article("rural-land-contracting-law.md", "第二十八条")


def test_a_long_compound_the_sentence_shares_makes_it_about_what_was_asked():
    # 村委会 is not in the sentence (发包方), but 调整承包地 is, whole.
    composed = _compose("村委会能随便调整承包地吗", {"村委会", "随便", "调整", "承包地", "调整承包地", "承包"},
                        hit("中华人民共和国农村土地承包法", "第二十八条", CONTRACTING_28))
    assert composed.summary.startswith("不可以。发包方不得调整承包地"), composed.summary


CIVIL_359 = article("civil-code-property-rights.md", "第三百五十九条")
REAL_ESTATE_22 = article("urban-real-estate-administration-law.md", "第二十二条")
CONTRACTING_17 = article("rural-land-contracting-law.md", "第十七条")


def test_a_clause_about_non_x_is_not_about_x():
    # 「非住宅建设用地……」 shares 住宅 with the question and rules on the opposite case.
    composed = _compose("住宅用地70年到期怎么办", {"住宅", "用地", "到期", "70", "年", "期限届满", "届满"},
                        hit("中华人民共和国民法典", "第三百五十九条", CIVIL_359))
    assert composed.summary.startswith("住宅建设用地使用权期限届满的，自动续期"), composed.summary


def test_land_taken_back_without_compensation_is_not_free_of_charge():
    composed = _compose("土地使用权到期了要交钱续期吗", {"土地使用权", "到期", "交钱", "续期", "费用", "期限届满"},
                        hit("中华人民共和国城市房地产管理法", "第二十二条", REAL_ESTATE_22))
    assert not composed.summary.startswith("不收费"), composed.summary


def test_a_matter_is_read_with_its_rule_across_the_conditions_between():
    # 「……使用年限届满，土地使用者需要继续使用土地的，应当至迟于届满前一年申请续期」: the matter alone
    # (「……使用年限届满」) answers nothing.
    composed = _compose("商铺的土地使用权到期了怎么办", {"商铺", "土地使用权", "到期", "期限届满", "届满"},
                        hit("中华人民共和国城市房地产管理法", "第二十二条", REAL_ESTATE_22))
    assert "申请续期" in composed.summary, composed.summary


def test_a_list_item_that_rules_is_read_with_its_heading():
    composed = _compose("承包地的使用收益归谁", {"承包地", "使用", "收益"},
                        hit("中华人民共和国农村土地承包法", "第十七条", CONTRACTING_17))
    assert composed.summary.startswith("承包方享有下列权利：依法享有承包地使用、收益的权利"), composed.summary


HERITAGE_33 = article("historic-cities-towns-villages-protection-regulations.md", "第三十三条")


def test_a_one_character_act_chooses_the_sentence_that_rules_on_it():
    # Four sentences share 历史建筑 alike; only one forbids 拆除, and 「……可以……给予补助」 is no 可以 to 拆.
    composed = _compose("历史建筑能不能拆", {"历史建筑", "历史", "建筑", "拆"},
                        hit("历史文化名城名镇名村保护条例", "第三十三条", HERITAGE_33))
    assert composed.summary.startswith("不可以。任何单位或者个人不得损坏或者擅自迁移、拆除历史建筑"), composed.summary


def test_a_one_character_act_is_read_in_the_statutes_words():
    # 挪 is 移动 in the statute: still 不可以; 卖 is not 流转: no 可以.
    moved = _compose("测量标志能挪吗", {"测量标志", "测量", "标志", "挪"}, hit("中华人民共和国测绘法", "第四十一条", SURVEYING_41))
    assert moved.summary.startswith("不可以。"), moved.summary
    sold = _compose("承包地能卖吗", {"承包地", "承包", "包地", "卖", "土地承包经营权"},
                    hit("中华人民共和国农村土地承包法", "第九条", article("rural-land-contracting-law.md", "第九条")))
    assert not sold.summary.startswith(("可以。", "不可以。")), sold.summary


CIVIL_275 = article("civil-code-property-rights.md", "第二百七十五条")


def test_a_matter_settled_by_agreement_is_read_with_its_rule():
    # 「……由当事人……约定」 is the rule; the matter alone (「……车位、车库的归属」) answers nothing.
    composed = _compose("小区车位归属", {"小区", "车位", "归属"}, hit("中华人民共和国民法典", "第二百七十五条", CIVIL_275))
    assert "由当事人通过出售、附赠或者出租等方式约定" in composed.summary, composed.summary


LITIGATION = "中华人民共和国行政诉讼法"
RECONSIDERATION = "中华人民共和国行政复议法"


def _litigation(label: str, score: float = 2.0) -> Hit:
    return hit(LITIGATION, label, article("administrative-litigation-law.md", label), score=score)


def _reconsideration(label: str, score: float = 2.0) -> Hit:
    return hit(RECONSIDERATION, label, article("administrative-reconsideration-law-2023.md", label), score=score)


def test_a_time_to_make_up_for_a_missed_period_is_not_the_period():
    # 「……耽误起诉期限的，在障碍消除后十日内，可以申请延长期限」 was read out as 「时限：十日内。」.
    composed = _compose("起诉期限", {"起诉", "期限", "起诉期限"}, _litigation("第四十八条"))
    assert not composed.summary.startswith("时限："), composed.summary
    assert not composed.concluded
    asked = _compose("耽误了起诉期限怎么办，多少天内申请延长", {"耽误", "起诉", "期限", "起诉期限", "延长"},
                     _litigation("第四十八条"))
    assert "十日内" in asked.summary and asked.concluded, asked.summary



@pytest.mark.parametrize("question", ["行政诉讼起诉期限多长", "直接去法院告政府有没有期限"])
def test_the_time_to_sue_is_the_one_set_for_suing_not_a_case_bar_or_a_delay(question):
    # 48 makes up for a delay (十日内), 47's 两个月 is the authority's time in a case clause, 46's
    # 二十年 bars late claims: only 46's 六个月内 is the time one has to sue.
    hits = [_litigation("第四十八条", 1.6), _litigation("第四十七条", 1.3), _litigation("第四十六条", 1.2)]
    composed = _compose(question, {"行政诉讼", "诉讼", "起诉", "起诉期限", "期限", "法院", "提起诉讼"}, *hits)
    assert composed.summary.startswith("时限：六个月内。"), composed.summary
    assert "第四十六条" in composed.summary


@pytest.mark.parametrize("question, time, label", [
    ("行政复议多少天内申请", "六十日内", "第二十条"),
    ("行政复议决定多久作出", "六十日内", "第六十二条"),
])
def test_the_time_to_apply_and_the_time_to_decide_are_told_apart(question, time, label):
    hits = [_reconsideration("第三十条", 1.3), _reconsideration("第六十二条", 1.26), _reconsideration("第二十条", 1.23)]
    composed = _compose(question, {"行政复议", "复议", "申请", "申请期限", "决定", "作出"}, *hits)
    assert composed.summary.startswith(f"时限：{time}。") and label in composed.summary, composed.summary


def test_a_rule_ending_on_a_noun_in_de_is_no_case_and_keeps_its_clause_whole():
    # 「……用于其他目的；」 ends a rule; read as a case it pulled in 「未经权利人同意」 without its rule.
    text = article("real-estate-registration-regulations.md", "第二十八条")
    composed = _compose("查到的房屋登记信息能随便用吗", {"查询", "不动产登记资料", "用于", "其他"},
                        hit("不动产登记暂行条例", "第二十八条", text))
    assert not composed.summary.split("（")[0].endswith("未经权利人同意"), composed.summary


def test_a_sanction_is_a_rule_a_case_is_not_read_out_without_it():
    composed = _compose("村民建房占了邻居的地怎么办", {"村民", "建房", "批准", "占用", "土地"},
                        hit("中华人民共和国土地管理法", "第七十八条", article("land-administration-law.md", "第七十八条")))
    assert "责令退还" in composed.summary, composed.summary


def test_a_do_i_need_answer_that_names_nothing_of_what_is_needed_is_not_concluded():
    text = article("civil-code-property-rights.md", "第三百六十四条")
    composed = _compose("宅基地翻建要审批吗", {"宅基地", "翻建", "审批"}, hit("中华人民共和国民法典", "第三百六十四条", text))
    assert "审批" not in composed.summary and not composed.concluded, composed.summary
    permit = _compose("盖房子开工前要领施工许可证吗", {"盖房子", "开工", "施工许可证"},
                      hit("中华人民共和国建筑法", "第七条", article("construction-law.md", "第七条")))
    assert permit.summary.startswith("需要。") and permit.concluded


def test_is_it_that_i_have_to_asks_what_is_needed_too():
    # 「是不是要……」 is a 要……吗 question: a prohibition of something else does not answer it.
    text = article("black-soil-protection-law.md", "第二十一条")
    composed = _compose("建设项目占了耕地，是不是要另外补一块", {"建设项目", "耕地", "另外", "补"},
                        hit("中华人民共和国黑土地保护法", "第二十一条", text))
    assert not composed.concluded, composed.summary


def test_a_do_i_need_question_hears_the_clause_that_names_what_is_needed():
    text = article("civil-code-property-rights.md", "第三百五十条")
    composed = _compose("改变土地用途要批准吗", {"改变", "土地", "用途", "批准"}, hit("中华人民共和国民法典", "第三百五十条", text))
    # 「不得改变土地用途」 shares more of the question's words; only the next rule says 批准.
    assert composed.summary.startswith("需要。需要改变土地用途的，应当依法经有关行政主管部门批准"), composed.summary


def test_a_rule_is_read_with_the_matter_it_rules_on():
    text = article("beijing-mineral-resources-regulations.md", "第十四条")
    composed = _compose("在河道里采砂需要办什么许可", {"河道", "采砂", "开采", "许可", "许可证"},
                        hit("北京市矿产资源管理条例", "第十四条", text))
    assert composed.summary.startswith("在河道内开采砂、石，必须先经河道主管部门批准"), composed.summary


@pytest.mark.parametrize("question, terms, case", [
    ("拒不交还土地怎么办", {"拒", "交还", "土地"}, "依法收回国有土地使用权当事人拒不交出土地的，"),
    ("临时用地到期拒不归还怎么办", {"临时", "用地", "到期", "期限届满", "拒", "归还"}, "临时使用土地期满拒不归还的，"),
])
def test_one_of_several_cases_is_read_with_the_rule_never_a_dangling_alternative(question, terms, case):
    composed = _compose(question, terms, hit("中华人民共和国土地管理法", "第八十一条", article("land-administration-law.md", "第八十一条")))
    assert composed.summary.startswith(case + "由县级以上人民政府自然资源主管部门责令交还土地"), composed.summary


def test_a_time_for_the_asked_act_is_taken_from_another_article_of_the_same_law_only():
    # 实施条例第三十条's 「……10日内指定受理机关」 names 受理, but it is another regulation's rule on
    # which body accepts, no time to accept an application.
    implementing = hit("中华人民共和国行政复议法实施条例", "第三十条",
                       article("administrative-reconsideration-implementing-regulations.md", "第三十条"), score=0.9)
    composed = _compose("行政复议申请多少天内受理", {"行政复议", "复议", "申请", "受理", "行政复议申请"},
                        _reconsideration("第三十条", 1.3), implementing)
    assert composed.summary.startswith("时限：五日内。"), composed.summary


def test_a_time_read_out_for_another_act_is_not_concluded():
    composed = _compose("违建限期拆除期限多长", {"违建", "违法建设", "限期拆除", "拆除", "期限"},
                        hit("中华人民共和国土地管理法", "第八十三条", article("land-administration-law.md", "第八十三条")))
    # 「……十五日内，向人民法院起诉」 is the time to sue, not to pull the building down.
    assert not composed.summary.startswith("时限：") and not composed.concluded, composed.summary


def test_a_need_for_approval_is_named_in_the_statutes_words():
    # 要审批吗 is answered by 「……经批准可以砍伐」: 批准 is the statute's word for the caller's 审批.
    composed = _compose("砍自家树要审批吗", {"砍", "树", "树木", "砍伐", "审批"},
                        hit("北京市绿化条例", "第五十九条", article("beijing-greening-regulations.md", "第五十九条")))
    assert "批准" in composed.summary and composed.concluded, composed.summary


def test_a_time_is_read_in_the_unit_the_caller_asks_in():
    text = article("mineral-mining-registration-measures.md", "第七条")
    composed = _compose("采矿许可证有效期多少年", {"许可", "有效期", "采矿权", "采矿许可证", "采矿", "年", "许可证", "开采"},
                        hit("矿产资源开采登记管理办法", "第七条", text))
    # 「……有效期届满的30日前」 is when to apply for renewal; the caller asks how many years it lasts.
    assert composed.summary.startswith("时限：30年。"), composed.summary
    renewal = _compose("采矿许可证到期前多少天申请延续", {"采矿许可证", "延续", "申请", "届满"},
                       hit("矿产资源开采登记管理办法", "第七条", text))
    assert renewal.summary.startswith("时限：30日。"), renewal.summary


def test_how_long_a_period_lasts_is_its_length_not_when_to_renew_it():
    # 「有效期多长」 is not asked in years, yet 「……有效期届满的30日前」 (renew) and 「每次延续时间不得超过2年」
    # (another period) do not answer it: 「勘查许可证有效期最长为3年」 does.
    text = article("mineral-exploration-registration-measures.md", "第十条")
    composed = _compose("探矿许可证有效期多长", {"探矿", "许可证", "有效期", "勘查许可证", "探矿权", "多长"},
                        hit("矿产资源勘查区块登记管理办法", "第十条", text))
    assert composed.summary.startswith("时限：3年。") and composed.concluded, composed.summary
    renewal = _compose("探矿许可证到期前多少天要办延续", {"探矿", "许可证", "到期", "延续", "勘查许可证", "届满"},
                       hit("矿产资源勘查区块登记管理办法", "第十条", text))
    assert renewal.summary.startswith("时限：30日。"), renewal.summary


def test_a_time_to_renew_does_not_conclude_how_long_a_grant_lasts():
    composed = _compose("建设用地使用权出让期限是多久", {"建设用地", "使用权", "出让", "期限", "届满"},
                        hit("中华人民共和国城市房地产管理法", "第二十二条",
                            article("urban-real-estate-administration-law.md", "第二十二条")))
    assert "一年" in composed.summary and not composed.concluded, composed.summary


def test_how_many_days_is_asked_of_any_period():
    # 「多少天」 is how callers ask of any time: the six months to sue are not passed over for the
    # fifteen days after a 复议 decision, which the caller never had.
    composed = _compose("对处罚不服多少天内起诉", {"处罚", "不服", "起诉", "天", "提起行政诉讼", "申请行政复议", "有异议"},
                        _litigation("第四十六条", 1.6), _litigation("第四十五条", 1.5))
    assert composed.summary.startswith("时限：六个月内。"), composed.summary


@pytest.mark.parametrize("question, asks_materials", [
    ("不动产抵押登记要带哪些东西", True),
    ("行政复议申请书要写什么", True),
    ("申请采矿许可证需要哪些资料", True),
    ("查询不动产登记资料收费吗", False),  # 资料 is what is looked up, the ask is the fee
])
def test_materials_are_asked_for_by_what_to_bring_not_by_the_word_资料(question, asks_materials):
    assert ("materials" in analyse(question).kinds) is asks_materials


def test_a_materials_answer_that_names_no_document_is_not_concluded():
    apply = hit("中华人民共和国土地管理法实施条例", "第三十四条",
                article("land-administration-law-implementing-regulations.md", "第三十四条"))
    composed = _compose("宅基地申请要准备什么材料", {"宅基地", "申请", "准备", "材料"}, apply)
    assert not composed.concluded, composed.summary  # 「……应当以户为单位……提出申请」 names no document
    permit = _compose("建设工程规划许可证需要什么材料", {"建设工程规划许可证", "材料", "申请"},
                      hit("中华人民共和国城乡规划法", "第四十条", PLANNING_40))
    assert "提交" in permit.summary and permit.concluded, permit.summary


def test_the_words_of_a_who_ask_name_no_subject():
    composed = _compose("不动产登记由哪个部门负责", {"不动产登记", "不动产", "登记", "部门", "负责"},
                        hit("不动产登记暂行条例", "第七条", article("real-estate-registration-regulations.md", "第七条")))
    # 「……由共同的上一级人民政府不动产登记主管部门指定办理」 shares 部门 and is the exception.
    assert composed.summary.startswith("不动产登记由不动产所在地的县级人民政府不动产登记机构办理"), composed.summary


def test_who_orders_is_read_with_what_is_ordered():
    composed = _compose("集体土地违法出租建厂房谁来管", {"集体", "土地", "出租", "厂房", "集体经营性建设用地"},
                        hit("中华人民共和国土地管理法", "第八十二条", article("land-administration-law.md", "第八十二条")))
    assert composed.summary.startswith("由县级以上人民政府自然资源主管部门责令限期改正"), composed.summary


def test_two_people_wanting_the_same_is_no_comparison():
    assert "compare" not in analyse("我和我妹妹都想继承，去登记中心要带什么材料").kinds
    assert "compare" in analyse("复议和诉讼各要多久").kinds


def test_a_summary_cut_before_its_rule_is_not_concluded():
    title = "最高人民法院关于审理涉及农村集体土地行政案件若干问题的规定"
    composed = _compose("集体土地征收补偿标准从哪查询", {"集体土地", "征收", "补偿", "标准", "查询"},
                        hit(title, "第十二条", article("spc-rural-collective-land-administrative-cases.md", "第十二条")))
    assert composed.summary.split("（")[0].endswith("…"), composed.summary  # the long title leaves no room
    assert not composed.concluded


def test_a_time_for_a_named_period_answers_only_that_period():
    text = article("housing-expropriation-compensation-regulations.md", "第十条")
    h = hit("国有土地上房屋征收与补偿条例", "第十条", text)
    asked = _compose("房屋征收补偿方案征求意见多少天", {"征收", "补偿方案", "征求意见", "意见"}, h)
    assert asked.summary.startswith("时限：30日。"), asked.summary
    other = _compose("征收决定公告多少天", {"征收", "决定", "公告"}, h)
    # 「征求意见期限不得少于30日」 is how long opinions are sought, not how long a decision is announced.
    assert not other.summary.startswith("时限：") and not other.concluded, other.summary
    assert "征求意见期限不得少于30日" in other.summary


def test_a_period_named_as_a_time_answers_only_that_period():
    # 「公告时间不少于三十日」 is how long the plan is announced, not when compensation is paid.
    text = article("land-administration-law-implementing-regulations.md", "第二十八条")
    h = hit("中华人民共和国土地管理法实施条例", "第二十八条", text)
    paid = _compose("征地补偿款多久发到位", {"征地", "补偿款", "补偿", "发到"}, h)
    assert not paid.summary.startswith("时限：") and not paid.concluded, paid.summary
    announced = _compose("征地补偿方案要公告多少天", {"征地", "补偿", "方案", "公告"}, h)
    assert announced.summary.startswith("时限：三十日。") and announced.concluded, announced.summary


def test_a_which_ones_question_is_concluded_only_by_a_list():
    question, terms = "房屋征收补偿包括哪些", {"房屋", "征收", "补偿"}
    one_rule = _compose(question, terms, hit("国有土地上房屋征收与补偿条例", "第五条",
                                             article("housing-expropriation-compensation-regulations.md", "第五条")))
    assert not one_rule.concluded, one_rule.summary
    listed = _compose("哪些财产不能抵押", {"财产", "抵押"},
                      hit("中华人民共和国民法典", "第三百九十九条", article("civil-code-property-rights.md", "第三百九十九条")))
    assert listed.summary.startswith("下列财产不得抵押：") and listed.concluded, listed.summary


def test_a_definition_concludes_only_a_question_of_what_something_is():
    h = hit("北京市接诉即办工作条例", "第二条", article("beijing-hotline-response-regulations.md", "第二条"))
    unhappy = _compose("对12345的办理结果不满意怎么办", {"12345", "办理", "结果", "不满意"}, h)
    assert "是指" in unhappy.summary and not unhappy.concluded, unhappy.summary
    meaning = _compose("接诉即办是指什么", {"接诉即办", "诉求", "咨询", "办理"}, h)
    assert "是指" in meaning.summary and meaning.concluded, meaning.summary


def test_who_sets_something_is_answered_only_by_whoever_sets_it():
    question, terms = "征收集体土地的补偿标准由谁定", {"征收", "集体", "土地", "补偿", "标准"}
    anyone = _compose(question, terms, hit("中华人民共和国民法典", "第二百四十三条", CIVIL_243))
    assert not anyone.concluded, anyone.summary  # names 组织、个人 whose land may be taken, not who sets the standard
    setter = _compose("被征收房屋的价值由谁定", {"被征收", "房屋", "价值"},
                      hit("国有土地上房屋征收与补偿条例", "第十九条",
                          article("housing-expropriation-compensation-regulations.md", "第十九条")))
    assert "评估机构" in setter.summary and "确定" in setter.summary and setter.concluded, setter.summary


def test_an_is_it_illegal_answer_needs_the_act_asked_about():
    # 68 sanctions developing real estate without a licence, not putting up a shed in one's yard.
    shed = _compose("院子里搭彩钢房违法吗", {"院子", "搭", "彩钢房"},
                    hit("中华人民共和国城市房地产管理法", "第六十八条", article("urban-real-estate-administration-law.md", "第六十八条")))
    assert not shed.concluded, shed.summary
    grave = _compose("在耕地上建坟违法吗", {"耕地", "建坟"},
                     hit("中华人民共和国土地管理法", "第三十七条", article("land-administration-law.md", "第三十七条")))
    assert "建坟" in grave.summary and grave.concluded, grave.summary


def test_a_lists_heading_read_out_without_its_items_concludes_nothing():
    composed = _compose("搬迁奖励怎么算", {"搬迁", "奖励"},
                        hit("国有土地上房屋征收与补偿条例", "第十七条",
                            article("housing-expropriation-compensation-regulations.md", "第十七条")))
    dangling = composed.summary.split("（《")[0].endswith("包括")
    assert not (dangling and composed.concluded), composed.summary


def test_a_certificate_issued_is_no_document_to_bring():
    composed = _compose("土地证丢了补办要带什么", {"土地证", "补办", "证书"},
                        hit("中华人民共和国农村土地承包法", "第六十六条", article("rural-land-contracting-law.md", "第六十六条")))
    assert "补发证书" in composed.summary and not composed.concluded, composed.summary


CIVIL_243 = article("civil-code-property-rights.md", "第二百四十三条")
LAND_RULES_32 = article("land-administration-law-implementing-regulations.md", "第三十二条")
BEIJING_PROPERTY_74 = article("beijing-property-management-regulations.md", "第七十四条")


def test_a_whose_question_hears_who_owns_it_not_that_it_is_paid():
    # 民法典第二百四十三条 says the 青苗 compensation is paid and names 村民; 实施条例第三十二条 says whose it is.
    question = "征收集体土地，青苗补偿费给谁"
    composed = compose(question, analyse(question), {"征收", "集体", "土地", "青苗", "补偿费"},
                       [hit("中华人民共和国民法典", "第二百四十三条", CIVIL_243),
                        hit("中华人民共和国土地管理法实施条例", "第三十二条", LAND_RULES_32)])
    assert composed.summary.startswith("地上附着物和青苗等的补偿费用，归其所有权人所有")
    assert composed.concluded
    alone = compose(question, analyse(question), {"征收", "集体", "土地", "青苗", "补偿费"},
                    [hit("中华人民共和国民法典", "第二百四十三条", CIVIL_243)])
    assert not alone.concluded  # paid, but to whom it does not say


def test_a_whose_question_takes_the_sentence_that_says_whose_over_one_that_names_an_authority():
    question = "小区公共收益归谁"
    composed = compose(question, analyse(question), {"小区", "公共", "收益", "公共收益"},
                       [hit("北京市物业管理条例", "第七十四条", BEIJING_PROPERTY_74)])
    assert "公共收益归全体业主所有" in composed.summary


@pytest.mark.parametrize("question, owner, who", [
    ("小区停车位归谁", True, True), ("这块地是谁的", True, True), ("地下车库归开发商还是业主", True, True),
    ("补偿款给谁", True, True), ("有人在基本农田上私自盖房子，这事归谁管", False, True), ("违建归谁负责", False, True),
    ("申请书交给谁", False, True), ("承包地归属有争议怎么办", False, False),  # asks how to settle it
])
def test_an_owner_is_asked_for_by_whose_it_is_not_by_who_deals_with_it(question, owner, who):
    intent = analyse(question)
    assert intent.owner is owner
    assert intent.wants("who") is who


def test_what_follows_where_is_the_act_asked_about():
    # 「在耕地上建坟」: 建坟 is no word of the index, and 耕地 is where, not what: the prohibition that
    # names 建坟 answers, not 「……不得占用耕地」 about sparing good land.
    composed = _compose("在耕地上建坟可以吗", {"建", "坟", "耕地", "上"},
                        hit("中华人民共和国土地管理法", "第三十七条", article("land-administration-law.md", "第三十七条")))
    assert composed.summary.startswith("不可以。禁止占用耕地建窑、建坟"), composed.summary


def test_a_may_about_another_act_does_not_conclude_a_may_i_question():
    # The caller asks about 盖大棚 in the contracted field; 「承包方可以自愿将承包地交回发包方」 grants
    # something else and was read out 可以, 有依据.
    question = "在自家承包地里盖大棚可以吗"
    composed = _compose(question, {"自家", "承包地", "大棚", "承包", "可以"},
                        hit("中华人民共和国农村土地承包法", "第三十条", article("rural-land-contracting-law.md", "第三十条")))
    assert not composed.summary.startswith("可以。") and not composed.concluded, composed.summary


def test_a_clause_that_has_not_said_to_what_is_read_with_its_object():
    composed = _compose("居住权是什么，能住别人的房子吗", {"居住权", "住", "别人", "房子", "住宅"},
                        hit("中华人民共和国民法典", "第三百六十六条", article("civil-code-property-rights.md", "第三百六十六条")))
    assert "居住权人有权按照合同约定，对他人的住宅享有占有、使用的用益物权" in composed.summary, composed.summary


def test_how_much_is_answered_by_an_amount_or_by_how_it_is_fixed_not_by_that_it_costs():
    assert analyse("提起行政诉讼要交多少诉讼费").wants("fee")
    costs = _compose("提起行政诉讼要交多少诉讼费", {"行政诉讼", "诉讼费", "提起", "交"},
                     hit("中华人民共和国行政诉讼法", "第一百零二条",
                         article("administrative-litigation-law.md", "第一百零二条")))
    assert "应当收取诉讼费用" in costs.summary and not costs.concluded, costs.summary
    # No figure in the law: who fixes the standard is the answer, not that compensation is paid.
    fixed = _compose("北京征地补偿标准是多少", {"北京", "征地", "补偿", "标准", "征收", "土地补偿费"},
                     hit("中华人民共和国土地管理法", "第四十八条", LAND_48))
    assert "标准由省、自治区、直辖市通过制定公布区片综合地价确定" in fixed.summary and fixed.concluded, fixed.summary


def test_a_may_i_question_hears_the_sentence_that_names_every_act_it_asks_about():
    # 「书面申请的，可以……提交行政复议申请书」 shares more words (行政复议申请书), but only the first
    # sentence says anything of 口头: 「……书面申请有困难的，也可以口头申请」.
    composed = _compose("行政复议能不能口头申请", {"行政复议", "行政", "复议", "口头", "申请", "行政复议申请", "复议机关"},
                        hit("中华人民共和国行政复议法", "第二十二条",
                            article("administrative-reconsideration-law-2023.md", "第二十二条")))
    assert "也可以口头申请" in composed.summary, composed.summary


def test_the_case_whose_time_the_caller_gives_is_the_one_read_out():
    # 满两年 is the statute's 满二年: its rule (无偿收回), not the one-year case's 闲置费 that shares more words.
    text = article("urban-real-estate-administration-law.md", "第二十六条")
    two = _compose("闲置土地满两年会怎么处理", {"闲置", "土地", "满", "两年", "二年", "处理"},
                   hit("中华人民共和国城市房地产管理法", "第二十六条", text))
    assert "满二年未动工开发的，可以无偿收回土地使用权" in two.summary, two.summary
    one = _compose("闲置土地满1年会怎么处理", {"闲置", "土地", "满", "处理"},
                   hit("中华人民共和国城市房地产管理法", "第二十六条", text))
    assert "土地闲置费" in one.summary, one.summary


def test_who_does_an_act_named_by_one_character_hears_the_sentence_with_that_act():
    # 谁来选: 「……由被征收人协商选定」, not 「……应当独立、客观、公正地开展房屋征收评估工作」, which shares more
    # of the question's words (房屋征收, 评估) and says nothing of choosing.
    composed = _compose("房屋征收评估机构谁来选", {"房屋征收", "房屋", "征收", "评估", "机构", "选"},
                        hit("国有土地上房屋征收与补偿条例", "第二十条",
                            article("housing-expropriation-compensation-regulations.md", "第二十条")))
    assert "由被征收人协商选定" in composed.summary, composed.summary


def test_a_time_set_for_none_of_the_acts_asked_of_concludes_nothing():
    # 注销 asked; 416's 十日内 is when a purchase-money mortgage is registered, read out as 时限 it is wrong.
    question = "抵押登记注销要多长时间"
    other = _compose(question, {"抵押", "登记", "注销"},
                     hit("中华人民共和国民法典", "第四百一十六条", article("civil-code-property-rights.md", "第四百一十六条")))
    assert other.summary.startswith("时限：") and not other.concluded, other.summary
    asked = _compose("行政诉讼起诉期限是多久", {"行政诉讼", "起诉", "期限"},
                     hit("中华人民共和国行政诉讼法", "第四十六条", article("administrative-litigation-law.md", "第四十六条")))
    assert asked.summary.startswith("时限：六个月") and asked.concluded, asked.summary


def test_how_to_do_an_act_is_not_answered_by_a_rule_that_never_names_it():
    # 补办 asked; that a certificate must match the register says nothing of how to get a new one.
    lost = _compose("不动产权证书丢了怎么补办", {"不动产", "权证", "证书", "丢", "补办"},
                    hit("中华人民共和国民法典", "第二百一十七条", article("civil-code-property-rights.md", "第二百一十七条")))
    assert not lost.concluded, lost.summary
    named = _compose("更正登记怎么申请", {"更正", "登记", "申请"},
                     hit("中华人民共和国民法典", "第二百二十条", article("civil-code-property-rights.md", "第二百二十条")))
    assert named.concluded, named.summary


def test_who_manages_something_is_answered_by_a_sentence_that_says_who_manages_it():
    # 谁来管: 「……应当告知相关的居民委员会」 names a body, but not one that deals with anything.
    composed = _compose("小区业主私搭乱建谁来管", {"小区", "业主", "私搭乱建", "违法建设"},
                        hit("物业管理条例", "第二十条", article("property-management-regulations.md", "第二十条")))
    assert not composed.concluded, composed.summary


def test_a_period_asked_as_how_long_it_is_hears_its_length():
    composed = _compose("规划公示期有多长", {"规划", "公示"},
                        hit("北京市城乡规划条例", "第十七条", article("beijing-urban-rural-planning-regulations.md", "第十七条")))
    assert composed.summary.startswith("时限：三十日") and composed.concluded, composed.summary


def test_is_it_all_right_asks_permission_for_the_act_named_before_it():
    # 「……盖房子行吗」: 「承包方可以自愿将承包地交回发包方」 grants something else.
    composed = _compose("在自家承包地上盖房子行吗", {"自家", "承包地", "盖房子", "房子"},
                        hit("中华人民共和国农村土地承包法", "第三十条", article("rural-land-contracting-law.md", "第三十条")))
    assert not composed.concluded, composed.summary


@pytest.mark.parametrize("question, terms, concluded", [
    ("行政复议期间房子会被拆吗", {"行政复议", "期间", "房子"}, False),  # 14 names no 拆除
    ("征收决定作出后会不会申请行政复议", {"征收", "决定", "申请", "行政复议"}, True),
])
def test_will_it_happen_is_answered_only_by_a_rule_that_names_what_happens(question, terms, concluded):
    composed = _compose(question, terms, hit("国有土地上房屋征收与补偿条例", "第十四条",
                                             article("housing-expropriation-compensation-regulations.md", "第十四条")))
    assert composed.concluded is concluded, composed.summary


def test_how_to_do_a_one_character_act_needs_the_act_named():
    # 怎么分: that compensation is 公平、合理 says nothing of how it is shared out.
    composed = _compose("征地补偿款村里怎么分", {"征地", "补偿款", "村里", "补偿"},
                        hit("中华人民共和国土地管理法", "第四十八条", article("land-administration-law.md", "第四十八条")))
    assert not composed.concluded, composed.summary


def test_who_does_a_two_character_act_is_answered_by_a_sentence_naming_that_act():
    # 谁来复垦: 「采矿权人应当……将闭坑地质报告报送……」 names who reports, not who restores the land.
    composed = _compose("矿山闭坑后谁来复垦", {"矿山", "闭坑", "复垦"},
                        hit("中华人民共和国矿产资源法", "第四十一条", article("mineral-resources-law-2024.md", "第四十一条")))
    assert not composed.concluded, composed.summary


@pytest.mark.parametrize("question, concluded", [
    ("违法建设的罚款标准是多少", False),  # 87's 百分之三 is the surcharge for paying late
    ("违建罚款不交每天要多交多少钱", True),
])
def test_a_surcharge_for_paying_late_answers_only_a_question_about_not_paying(question, concluded):
    composed = _compose(question, {"违法建设", "罚款", "标准", "逾期", "不交"},
                        hit("北京市城乡规划条例", "第八十七条", article("beijing-urban-rural-planning-regulations.md", "第八十七条")))
    assert "加处罚款" in composed.summary and composed.concluded is concluded, composed.summary


@pytest.mark.parametrize("question, terms, title, file, label", [
    # a time clause, a fronted object, the parties a rule binds: each frames a rule not read out
    ("房本丢了", {"房本", "丢", "不动产权属证书", "遗失"}, "中华人民共和国民法典", "civil-code-property-rights.md",
     "第三百一十六条"),
    ("违建没人管", {"违建", "违法建设", "没人管"}, "北京市城乡规划条例", "beijing-urban-rural-planning-regulations.md",
     "第七十四条"),
])
def test_a_clause_that_only_frames_a_rule_concludes_nothing(question, terms, title, file, label):
    composed = _compose(question, terms, hit(title, label, article(file, label)))
    assert FRAGMENT_RE.search(composed.summary.split("（《")[0]) and not composed.concluded, composed.summary


def test_give_or_not_asks_whether_the_act_is_done_as_may_i_does():
    question, terms = "拆迁的时候，没证的违章建筑给不给补偿", {"拆迁", "违章建筑", "违章", "建筑", "补偿"}
    other = _compose(question, terms, hit("中华人民共和国建筑法", "第七十一条", article("construction-law.md", "第七十一条")))
    assert not other.concluded, other.summary  # 违章指挥 by a building firm's managers, nothing of 补偿
    asked = _compose(question, terms | {"违法建筑"}, hit("国有土地上房屋征收与补偿条例", "第二十四条",
                                                     article("housing-expropriation-compensation-regulations.md", "第二十四条")))
    assert "不予补偿" in asked.summary and asked.concluded, asked.summary


@pytest.mark.parametrize("question, label, concluded", [
    ("申请宅基地最大能给多大面积", "第三十四条", False),  # 以户为单位 is who applies, not how much land
    ("宅基地一户最多几处", None, True),  # 土地管理法62: 只能拥有一处
])
def test_how_big_or_how_many_needs_a_quantity_or_the_standard_that_fixes_it(question, label, concluded):
    h = (hit("中华人民共和国土地管理法实施条例", label, article("land-administration-law-implementing-regulations.md", label))
         if label else hit("中华人民共和国土地管理法", "第六十二条", article("land-administration-law.md", "第六十二条")))
    composed = _compose(question, {"申请", "宅基地", "面积", "一户"}, h)
    assert composed.concluded is concluded, composed.summary


def test_what_is_needed_is_the_thing_named_last_not_the_act_before_it():
    # 「需要说明用途吗」: 37's 「……说明理由」 is the authority's duty to give reasons, nothing of 用途.
    purpose = _compose("信息公开申请需要说明用途吗", {"信息公开", "申请", "说明", "用途"},
                       hit("中华人民共和国政府信息公开条例", "第三十七条",
                           article("government-information-disclosure-regulations.md", "第三十七条")))
    assert not purpose.concluded, purpose.summary
    permit = _compose("盖房子开工前要领施工许可证吗", {"盖房子", "开工", "施工许可证"},
                      hit("中华人民共和国建筑法", "第七条", article("construction-law.md", "第七条")))
    assert permit.summary.startswith("需要。") and permit.concluded, permit.summary


@pytest.mark.parametrize("label, concluded", [("第二十六条", False), ("第三十三条", True)])
def test_whether_a_period_can_be_extended_is_answered_by_the_rule_that_extends_it(label, concluded):
    composed = _compose("政府信息公开的期限能延长吗", {"政府信息公开", "期限", "延长"},
                        hit("中华人民共和国政府信息公开条例", label,
                            article("government-information-disclosure-regulations.md", label)))
    assert composed.concluded is concluded, composed.summary


def test_which_body_is_answered_by_a_body_not_by_whoever_the_rule_binds():
    # 哪个部门负责: 279 binds 业主, and names no one who deals with anything.
    composed = _compose("邻居在楼顶私搭了一个房子，这种情况应该由哪个部门负责？", {"邻居", "楼顶", "私搭", "房子", "部门", "负责"},
                        hit("中华人民共和国民法典", "第二百七十九条", article("civil-code-property-rights.md", "第二百七十九条")))
    assert not composed.concluded, composed.summary


def test_steps_for_a_case_the_caller_never_described_do_not_conclude_a_how_to_question():
    # 62's 过户登记 is for property taken on a mortgage (因处分抵押房地产而取得……的).
    text = article("urban-real-estate-administration-law.md", "第六十二条")
    inherited = _compose("父亲去世了，他名下的房子要过户到我名下，该怎么办理", {"父亲", "去世", "名下", "房子", "过户", "办理"},
                         hit("中华人民共和国城市房地产管理法", "第六十二条", text))
    assert "过户登记" in inherited.summary and not inherited.concluded, inherited.summary
    mortgaged = _compose("处分抵押房地产取得的房子怎么过户", {"处分", "抵押", "房地产", "房子", "过户"},
                         hit("中华人民共和国城市房地产管理法", "第六十二条", text))
    assert "过户登记" in mortgaged.summary and mortgaged.concluded, mortgaged.summary


@pytest.mark.parametrize("title, file, label, concluded", [
    ("中华人民共和国土地管理法实施条例", "land-administration-law-implementing-regulations.md", "第二十条", False),  # who approves
    ("中华人民共和国土地管理法", "land-administration-law.md", "第八十一条", True),  # 责令交还土地，处以罚款
])
def test_a_wrong_done_to_the_caller_is_answered_by_redress_not_by_another_rule(title, file, label, concluded):
    composed = _compose("临时用地到期不还怎么办", {"临时用地", "到期", "不还", "归还"}, hit(title, label, article(file, label)))
    assert composed.concluded is concluded, composed.summary


@pytest.mark.parametrize("file, label, concluded", [
    ("land-administration-law-implementing-regulations.md", "第二十八条", False),  # the announcement, no remedy
    ("land-administration-law.md", "第八十条", True),  # 侵占、挪用……追究刑事责任 / 依法给予处分
])
def test_money_that_is_not_paid_out_is_a_wrong_that_needs_redress(file, label, concluded):
    title = ("中华人民共和国土地管理法实施条例" if "implementing" in file else "中华人民共和国土地管理法")
    composed = _compose("征地补偿款村里一直不发怎么办", {"征地", "补偿款", "村里", "不发"}, hit(title, label, article(file, label)))
    assert composed.concluded is concluded, composed.summary


@pytest.mark.parametrize("question, terms, concluded", [
    ("发现古墓葬应该报告给谁", {"发现", "古墓葬", "报告"}, False),  # no one said they were mining
    ("开采矿产资源时发现文物，应该报告给谁", {"开采", "矿产资源", "发现", "文物", "报告"}, True),
])
def test_a_rule_for_what_happens_while_doing_something_answers_only_who_does_it(question, terms, concluded):
    text = article("mineral-resources-law-2024.md", "第四十三条")
    composed = _compose(question, terms, hit("中华人民共和国矿产资源法", "第四十三条", text))
    assert "及时报告" in composed.summary and composed.concluded is concluded, composed.summary


def test_words_written_with_时_are_no_circumstance():
    from assistant.compose import CIRCUMSTANCE_RE

    assert CIRCUMSTANCE_RE.search("在施工过程中发现文物的").group(1) == "施工"
    assert CIRCUMSTANCE_RE.search("办理不动产登记时，申请人提交的材料不齐全的").group(1) == "办理不动产登记"
    for case in ("修建临时建筑物的", "申请人同时申请的", "超时未办结的", "逾期不及时报告的"):
        assert CIRCUMSTANCE_RE.search(case) is None, case


def test_which_prevails_is_answered_first_by_the_one_that_prevails():
    question = "房产证和登记簿上写的不一样，以哪个为准"
    terms = {"房产证", "登记簿", "不一样", "为准"}
    code = "civil-code-property-rights.md"
    prevails = _compose(question, terms, hit("中华人民共和国民法典", "第二百一十七条", article(code, "第二百一十七条")))
    assert prevails.summary.startswith("以不动产登记簿为准。") and prevails.concluded, prevails.summary
    # 216 says what the register is, not which record wins.
    silent = _compose(question, terms, hit("中华人民共和国民法典", "第二百一十六条", article(code, "第二百一十六条")))
    assert "为准" not in silent.summary and not silent.concluded, silent.summary


def test_what_an_act_is_for_is_answered_by_its_effect_not_by_who_may_do_it():
    question = "房屋预告登记有什么用"
    terms = {"房屋", "预告登记", "有什么用"}
    may = _compose(question, terms, hit("中华人民共和国民法典", "第二百二十一条",
                                        article("civil-code-property-rights.md", "第二百二十一条")))
    assert not may.concluded, may.summary
    effect = _compose(question, terms, hit("示范条例", "第九条", "第九条 预告登记保障购房人将来取得房屋所有权。"))
    assert "保障" in effect.summary and effect.concluded, effect.summary


def test_whether_one_must_pay_for_damage_is_answered_by_who_compensates_not_by_the_prohibition():
    question = "测量标志损坏了要赔吗"
    terms = {"测量标志", "损坏", "赔"}
    prohibition = _compose(question, terms, hit("北京市测绘条例", "第三十五条",
                                                article("beijing-surveying-regulations.md", "第三十五条")))
    assert "禁止" in prohibition.summary and not prohibition.concluded, prohibition.summary
    liability = _compose(question, terms, hit("示范条例", "第九条", "第九条 损毁测量标志，造成损失的，依法承担赔偿责任。"))
    assert "赔偿" in liability.summary and liability.concluded, liability.summary


RECONSIDERATION = "中华人民共和国行政复议法"
RECONSIDERATION_20 = article("administrative-reconsideration-law-2023.md", "第二十条")
RECONSIDERATION_21 = article("administrative-reconsideration-law-2023.md", "第二十一条")
RECONSIDERATION_32 = article("administrative-reconsideration-law-2023.md", "第三十二条")
RECONSIDERATION_62 = article("administrative-reconsideration-law-2023.md", "第六十二条")
EXPROPRIATION_14 = article("housing-expropriation-compensation-regulations.md", "第十四条")
CIVIL_220 = article("civil-code-property-rights.md", "第二百二十条")
LITIGATION_45 = article("administrative-litigation-law.md", "第四十五条")
APPEAL_TERMS = {"征收", "决定", "不服", "复议", "行政复议", "申请", "处罚", "期限", "提起"}


def _reconsideration_law(act: str) -> list[Hit]:
    assert act == "复议"  # asked for the law of the remedy the caller named, not another
    return [hit(RECONSIDERATION, label, text, score=0.0) for label, text in (
        ("第二十条", RECONSIDERATION_20), ("第二十一条", RECONSIDERATION_21),
        ("第三十四条", RECONSIDERATION_34), ("第六十二条", RECONSIDERATION_62))]


def test_a_remedy_the_rule_only_names_takes_its_time_from_the_law_that_governs_it():
    # 「……可以依法申请行政复议」 sets no time; 34's 十五日 is for 起诉 after 复议, 21's 二十年 an outer bar.
    question = "对征收决定不服多长时间内申请复议"
    hits = [hit("国有土地上房屋征收与补偿条例", "第十四条", EXPROPRIATION_14), hit(RECONSIDERATION, "第三十四条",
                                                                            RECONSIDERATION_34, score=1.9)]
    composed = compose(question, analyse(question), APPEAL_TERMS, hits, remedies=_reconsideration_law)
    assert composed.summary.startswith("时限：六十日内。") and "提出行政复议申请" in composed.summary
    assert composed.summary.endswith("（《行政复议法》第二十条）") and composed.concluded
    assert [h.label for h in composed.used] == ["第十四条", "第三十四条", "第二十条"]
    without = compose(question, analyse(question), APPEAL_TERMS, hits)
    assert "六十日" not in without.summary


def test_a_decision_appealed_is_not_the_act_asked_about():
    # 「对征收决定不服」 names what is appealed; 「六十日内作出行政复议决定」 is the authority's time to decide.
    question = "对征收决定不服多长时间内申请复议"
    composed = _compose(question, APPEAL_TERMS, hit("国有土地上房屋征收与补偿条例", "第十四条", EXPROPRIATION_14),
                        hit(RECONSIDERATION, "第六十二条", RECONSIDERATION_62, score=1.9))
    assert not composed.summary.startswith("时限：") and not composed.concluded  # read out, but 需核实


def test_the_time_read_out_is_the_one_set_for_the_asked_act():
    # Retrieval ranks 34 (十五日内……提起行政诉讼) first; 20 sets the time to apply for 复议.
    question = "提起行政复议的期限是多少天"
    composed = _compose(question, APPEAL_TERMS, hit(RECONSIDERATION, "第三十四条", RECONSIDERATION_34),
                        hit(RECONSIDERATION, "第六十二条", RECONSIDERATION_62, score=1.9),
                        hit(RECONSIDERATION, "第二十条", RECONSIDERATION_20, score=1.8))
    assert composed.summary.startswith("时限：六十日内。") and composed.summary.endswith("（《行政复议法》第二十条）")


def test_naming_the_reconsideration_body_is_not_the_act_of_applying():
    # 32's 「五日内转送行政复议机关」 is a time for the authority that decided, not for the caller.
    question = "对处罚决定不服多久可以申请复议"
    composed = _compose(question, APPEAL_TERMS, hit(RECONSIDERATION, "第三十二条", RECONSIDERATION_32),
                        hit(RECONSIDERATION, "第三十四条", RECONSIDERATION_34, score=1.9),
                        hit(RECONSIDERATION, "第二十条", RECONSIDERATION_20, score=1.8))
    assert "转送" not in composed.summary and "六十日内提出行政复议申请" in composed.summary


def test_a_time_the_quoted_rule_ties_to_the_remedy_keeps_the_remedy_law_away():
    # 「……十五日内不提起诉讼的，异议登记失效」 answers how long one has to sue: 行政诉讼法 adds nothing.
    question = "异议登记后多少天不起诉就失效"
    litigation = [hit("中华人民共和国行政诉讼法", "第四十五条", LITIGATION_45, score=0.0)]
    composed = compose(question, analyse(question), {"异议登记", "登记", "起诉", "失效"},
                       [hit("中华人民共和国民法典", "第二百二十条", CIVIL_220)], remedies=lambda act: litigation)
    assert [h.label for h in composed.used] == ["第二百二十条"] and "十五日内" in composed.summary


def test_what_the_caller_disagrees_with_is_not_the_act_asked_about():
    # 「收到……答复不满意」 is what is appealed: 33's 20 working days to reply are not how long one has for 复议.
    question = "收到政府信息公开答复不满意多久能复议"
    composed = compose(question, analyse(question), {"政府信息", "信息公开", "答复", "不满意", "复议", "行政复议"},
                       [hit("中华人民共和国政府信息公开条例", "第三十三条", DISCLOSURE_33)], remedies=_reconsideration_law)
    assert composed.summary.startswith("时限：六十日内。") and composed.summary.endswith("（《行政复议法》第二十条）")


def test_an_outer_bar_is_not_the_time_one_has():
    # 21's 「……超过二十年……不予受理」 bars late applications; the time to apply is 20's 六十日.
    question = "对不动产登记结果有意见，多久内可以申请行政复议"
    hits = [hit(RECONSIDERATION, "第二十一条", RECONSIDERATION_21),
            hit("中华人民共和国民法典", "第二百二十条", CIVIL_220, score=1.9)]
    composed = compose(question, analyse(question), APPEAL_TERMS | {"不动产", "登记", "有意见"}, hits,
                       remedies=_reconsideration_law)
    assert composed.summary.startswith("时限：六十日内。") and composed.summary.endswith("（《行政复议法》第二十条）")


def test_a_lost_certificate_needs_a_rule_on_replacing_it():
    # 「……发放……证书」 says who issues it, 民法典316 what a finder does: neither says how to replace one.
    civil_333 = article("civil-code-property-rights.md", "第三百三十三条")
    question = "土地承包经营权证丢了怎么办"
    composed = _compose(question, {"土地承包经营权", "承包经营权", "经营权", "证", "丢了"},
                        hit("中华人民共和国民法典", "第三百三十三条", civil_333))
    assert "证书" in composed.summary and not composed.concluded
    reissued = hit("示范条例", "第九条", "第九条 土地承包经营权证遗失的，承包方可以向发证机关申请补发。")
    assert _compose(question, {"土地承包经营权", "承包经营权", "经营权", "证", "丢了"}, reissued).concluded


def test_a_few_words_that_ask_nothing_need_a_rule_naming_each():
    # 「占地补偿」 typed mid-call: 民法典461's 占有人……补偿金 names 补偿, not 占地.
    civil_461 = article("civil-code-property-rights.md", "第四百六十一条")
    assert not _compose("占地补偿", {"占地", "补偿"}, hit("中华人民共和国民法典", "第四百六十一条", civil_461)).concluded
    # A statute word the caller's word was expanded to counts for it (占地 → 占用土地).
    occupied = hit("示范条例", "第九条", "第九条 占用土地的，应当依法给予补偿。")
    assert _compose("占地补偿", {"占地", "补偿", "占用土地"}, occupied).concluded


def test_where_to_report_is_answered_for_the_case_the_caller_described():
    # 「对破坏、侵占湿地的行为，有权向……举报」 says where to report harm to a wetland, not sand dug at night.
    wetland_34 = article("beijing-wetland-protection-regulations.md", "第三十四条")
    question = "附近有人晚上偷偷挖沙，应该向哪个部门举报？"
    terms = {"附近", "晚上", "偷偷", "挖沙", "部门", "举报", "采砂", "砂石"}
    composed = _compose(question, terms, hit("北京市湿地保护条例", "第三十四条", wetland_34))
    assert "举报" in composed.summary and not composed.concluded
    assert _compose("破坏湿地应该向哪个部门举报？", {"破坏", "湿地", "部门", "举报"},
                    hit("北京市湿地保护条例", "第三十四条", wetland_34)).concluded


def test_a_document_the_office_issues_is_not_one_the_caller_brings():
    registration_21 = article("real-estate-registration-regulations.md", "第二十一条")
    question = "办不动产登记需要带什么证件？"
    terms = {"不动产登记", "不动产", "登记", "证件"}
    issued = _compose(question, terms, hit("不动产登记暂行条例", "第二十一条", registration_21))
    assert "核发不动产权属证书或者登记证明" in issued.summary and not issued.concluded
    assert _compose(question, terms, hit("不动产登记暂行条例", "第十六条", REGISTRATION_16)).concluded


def test_who_approves_is_answered_by_the_approval():
    # 「由谁审批」 asks of the approval: 「……向农村集体经济组织提出申请」 names a body, not who approves.
    implementing_34 = article("land-administration-law-implementing-regulations.md", "第三十四条")
    question = "宅基地由谁审批"
    composed = _compose(question, {"宅基地", "审批"}, hit("中华人民共和国土地管理法实施条例", "第三十四条", implementing_34))
    assert "审核批准" in composed.summary and "提出申请" not in composed.summary and composed.concluded


def test_an_exception_read_out_without_its_rule_concludes_nothing():
    # 北京市物业管理条例第二十六条's list ends 「……属于城市公共道路……的除外」; alone it says nothing of 楼道.
    composed = _compose("邻居占用公共楼道怎么办", {"邻居", "楼道", "公共", "占用"},
                        hit("北京市物业管理条例", "第二十六条", article("beijing-property-management-regulations.md",
                                                                     "第二十六条")))
    assert "除外（" in composed.summary and not composed.concluded


def test_a_standard_asked_for_needs_one_stated():
    # 民法典243 allows the taking (「……可以征收……房屋」); it gives no standard of compensation.
    civil_243 = article("civil-code-property-rights.md", "第二百四十三条")
    question = "集体土地上的房屋拆迁补偿标准"
    terms = {"集体土地", "房屋", "拆迁", "补偿", "标准", "征收"}
    assert not _compose(question, terms, hit("中华人民共和国民法典", "第二百四十三条", civil_243)).concluded
    stated = hit("示范条例", "第九条", "第九条 征收集体土地上的房屋，按照重置价格标准给予补偿。")
    assert _compose(question, terms, stated).concluded
