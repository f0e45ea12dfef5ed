"""Extractive answers an agent can read out: a one-sentence summary, conclusion first, then the
supporting sentences quoted exactly, one line per article, each with its [n].

Sentences are chosen by the question's words and by the kind of answer asked for
(assistant/question.py): a 期限 question takes the sentence with the time expression, a 谁
question the one naming the authority. Every kind asked for is stated when any given article
states it; a rule keeps its exception, a time limit what happens when it is missed. Lists keep
their heading and matching items (all of them for a 材料 or 哪些 question).
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from assistant.article import ITEM_RE, Unit, char_pairs, units
from assistant.numerals import cn_to_int
from assistant.question import (A_NOT_A, AMOUNT_Q_RE, ANSWER_PATTERNS, ASK_PATTERNS, DURATION, FIGURE, NUMBER, OWNER_RE,
                                UNIT, Intent, Kind)
from assistant.retrieval import Hit

CN_PREFIX = "中华人民共和国"
SUMMARY_CHARS = 60
DEADLINE_LEAD = "时限："
MAX_ITEMS = 8
MAX_TOP_UNITS = 4
ITEM_MATCH = 0.6  # an item is quoted when it matches the question at least this well as the best item
SHORT_ARTICLE_CHARS = 220
SHORT_RULE_CHARS = 8  # a clause this short ("不收取费用。") needs the matter before it
RULE_START_RE = re.compile(r"^(?:应当|可以|不得|必须|禁止|是指|包括|有权|由)")  # 「……，包括……」 follows the matter it rules on
RETRIEVAL_MARGIN = 0.35  # fused-score distance from the top within which another article may join
CLAUSE_RE = re.compile(r"[^，；：。！？]+[，；：。！？]?")
TIME_RE = re.compile(f"{DURATION}(?:内|以内|之内)?")
TIME_END_RE = re.compile(f"(?:{TIME_RE.pattern})，$")  # a clause that ends on its time limit
NEGATIVE_RE = re.compile(r"不得|禁止|严禁|不予|不能|不准|无权|不属于|无效|不收取|不允许")
# What grants or refuses permission; 不能 is left out, it also describes ("不能保障……的地区").
FORBIDS_RE = re.compile(r"不得|禁止|严禁|不予|无权|不准|不允许")
GRANTS_RE = re.compile(r"可以|准予|(?<!所)有权|(?<!不)允许")
MODAL_RE = re.compile(f"{FORBIDS_RE.pattern}|{GRANTS_RE.pattern}")
OBLIGATION_RE = re.compile(r"应当|必须|需要|须经")
REFERRAL_RE = re.compile(r"(?:依照|按照|依据)[^，；。]{0,30}规定(?:办理|执行)")  # 「依照法律规定办理」
PREDICATE_RE = re.compile(r"应当|可以|不得|必须|禁止|(?<!所)有权|责令|没收|处以|并处|吊销|由.{1,30}(?:负责|批准|审批|决定|办理|解决|处理|承担|约定|协商|确定|规定)|予以|给予|属于|"
                          r"承担[^，；。]{0,8}责任|不收取|免收|无需|不需要|是指|包括|适用(?:本|土地|有关|国家|法律|.{0,20}规定)|"
                          + REFERRAL_RE.pattern)
# Asking whether something is illegal, not mentioning a 违法建筑.
ILLEGAL_Q_RE = re.compile(r"(?:违法|违规|合法|犯法)(?:吗|么|不|的吗)|是否(?:违法|违规|合法)|算不算(?:违法|违规)|"
                          r"(?:算|属于)(?:违法|违规)")
EXCEPTION_RE = re.compile(r"^(?:但是|但|除.{0,30}外|然而)")
CONTINUATION_RE = re.compile(r"^(?:也|但是|但|除.{0,30}外|或者)")
EXCEPTED_RE = re.compile(r"除外[。；]?$")
PURPOSE_RE = re.compile(r"^为了?.{2,200}?制定本(?:法|条例|办法|规定|细则|决定)[。；]?$")
# What happens when a time limit is missed: 逾期不补正的, 期满未申请续期的.
MISSED_RE = re.compile(r"逾期|未按期|超过.{0,10}期限|(?:届满|期满).{0,20}未")
# Words that frame a question ("能不能……", "是不是……") and say nothing of its subject.
FRAME_RE = re.compile(r"不能|能不能|不是|是不是|可以|可不可以|不行|行不行|是否|能否|有没有|要不要|需不需要|会不会")
ISSUED_RE = re.compile(r"(?:核发|颁发|发放|发给|换发|补发)[^，；。]{0,20}")
SUBMIT_RE = re.compile(r"(?:提交|提供|出具|附具)[^，；。]{0,30}(?:材料|文件|证明|证书|申请书|图|报告|规划|方案)")
# The act a prohibition forbids: "不得损毁或者擅自移动……标志" → 损毁或者擅自移动……标志.
FORBIDDEN_ACT_RE = re.compile(f"(?:{FORBIDS_RE.pattern})([^，；。：]{{2,60}})")
SANCTION_MATCH = 0.5  # share of the forbidden act's character pairs a sanction must repeat
# Procedural acts a time limit is set for; a time for one is no answer to a question about another.
ACTS: dict[str, re.Pattern] = {
    "复议": re.compile(r"复议(?!机关|机构)"), "诉讼": re.compile(r"起诉|诉讼|法院|打官司|告政府"), "复查": re.compile(r"复查|复核"),
    "续期": re.compile(r"续期"), "补正": re.compile(r"补正"), "办结": re.compile(r"办结|办理完毕"),
    "答复": re.compile(r"答复|回复"), "受理": re.compile(r"受理"), "注销": re.compile(r"注销"),
    "决定": re.compile(r"作出[^，；。]{0,12}决定"),
}
SANCTION_START_RE = re.compile(r"责令|给予|没收|处以|吊销|予以")  # where a sanction begins after who imposes it
REMEDY_RE = re.compile(r"复议|诉讼|起诉|复核|复查|异议|更正|仲裁|调解|投诉|举报|申诉|鉴定")
# Callers say 多少天 of any period (「对处罚不服多少天内起诉」 is answered by 六个月), but 多少年 asks in years.
YEARS_Q_RE = re.compile(r"(?:多少|几)个?年")
# How long something lasts (有效期多久, 承包期多长): answered by a length, not by when to renew.
LENGTH_Q_RE = re.compile(r"(有效|承包|使用|出让|租赁)期(?:限)?(?:是|有|为)?(?:多久|多长|几年|多少年)")
NAMED_PERIOD_RE = re.compile(r"([\u4e00-\u9fff]{2,4}?)(?:的)?(?:期限|时间|期间)")
BARRED_RE = re.compile(r"不予受理|不予保护|不再受理")
EXTENSION_RE = re.compile(r"耽误|延长|障碍消除|中止|中断")
REMEDIES = frozenset({"复议", "诉讼", "复查"})
# What a caller disagrees with: 对/收到 …… 不服/不满意/有意见, or 不服 …… 决定/答复/处罚/结果.
DISPUTED_RE = re.compile(r"(?:对|收到)[^，。？！?!]{0,15}?(?:不服|不满意|不满|有意见|有异议|不认可)"
                         r"|不服[^，。？！?!]{0,10}?(?:决定|答复|处罚|结果|意见)")
QUESTION_CLAUSE_END_RE = re.compile(r"[，,。？?！!；;]")
ASK_CUE_RE = re.compile(r"能不能|能否|可不可以|可以|允许|行不行|准不准|违法|违规|合法|犯法|是否|算不算|[能吗么算]")
# A caller's one-character act and the statute's words for it (挪 → 移动); 挪 alone is no dictionary
# key: it would fire inside 挪用.
ACT_FORMS = {"挪": ("移动", "迁移"), "移": ("移动", "迁移", "移植"), "卖": ("出卖", "转让", "买卖"),
             "买": ("购买", "买卖", "转让"), "租": ("出租", "租赁"), "拆": ("拆除",), "砍": ("砍伐", "采伐"),
             "占": ("占用",), "盖": ("建设", "建造", "修建"), "建": ("建设", "建造", "修建")}
# A caller's word for an approval and the statutes' (要审批吗 is answered by 「经批准可以……」).
APPROVAL_FORMS = {"审批": ("批准", "审核"), "批准": ("审批", "审核"), "审核": ("审批", "批准")}
# A definition (「本条例所称……是指……」) and the questions it answers: what a word means, what counts as it.
DEFINES_RE = re.compile(r"是指|所称")
WHAT_IS_Q_RE = re.compile(r"什么是|是什么|什么叫|叫什么|指什么|什么意思|啥意思|含义|定义|怎么理解|算不算|属不属于|算是")
# 「……怎么补办」 asks how to do one act: a rule that never names it (「证书记载的事项应当与登记簿一致」)
# says nothing of how. Words that name no act of their own (怎么办, 怎么处理, 怎么算) are not asked of.
STEP_Q_RE = re.compile(r"(?:怎么|如何|怎样)(?!办[？?，。]|办$|样|回事|处理|解决|操作|弄|算|计算|规定|认定|理解|走|收|罚|处罚)"
                       r"([\u4e00-\u9fff]{1,2})(?:[？?，。！!]|$)")
LIST_HEAD_END_RE = re.compile(r"(?:包括|包含|如下|下列[^，；。：:]{0,12})$")
# A sentence that names more than one of what a 哪些 question asks: 「……批准并办理……许可证」 does too.
LISTS_RE = re.compile(r"包括|包含|下列|、[^，；。]{1,20}、|[：:]|并|以及")
OBJECT_START_RE = re.compile(r"[对向将把]")  # a clause that carries on the verb before it with its object
PLACE_RE = re.compile(r"在[^，。？?在]{1,10}?[上里内中]")  # where an act is done: 在耕地上, 在自家承包地里
PARTICLE_RE = re.compile(r"[^\u4e00-\u9fff]|[呢啊呀吧了的]")
MANNER_WORDS = frozenset({"随便", "接着", "直接", "自己", "一起", "单独", "马上", "继续", "私自", "擅自"})
# Words every rule of a kind shares with a question of that kind: they say nothing of its subject.
GENERIC_TERMS = frozenset({"规定", "法律", "法规", "有关", "相关", "国家", "依法"})
# A 谁 question's one-character act (谁来选, 谁来赔) and the statutes' words for it.
WHO_ACT_FORMS = {"选": ("选定", "选择"), "批": ("批准", "审批"), "赔": ("赔偿",),
                 "拆": ("拆除",), "修": ("修复", "修缮", "维修"), "治": ("治理",), "验": ("验收",),
                 "定": ("制定", "确定", "核定", "决定"),
                 "管": ("管理", "主管", "负责", "查处", "处理", "监督", "管辖")}
_WHO_DOES = "(?:谁|哪个部门|哪个单位)(?:来|去|负责)"
WHO_ACT_RE = re.compile(f"{_WHO_DOES}?([{''.join(WHO_ACT_FORMS)}])")
# 「……谁来复垦」 closes on a two-character act: the answer names it as the statute does.
# 「……由谁审批」 too; 谁负责 and 谁管理 ask who is in charge, not of one act, 谁承担 who pays (BEARER_RE),
# 谁能发 asks of 发 (能 is no act), and 向哪个部门投诉 names what the caller does.
WHO_ACT_WORD_RE = re.compile(f"(?<![向找到跟给去]){_WHO_DOES}?(?:能|可以|会|应该)?(?!负责|管理|处理|承担|负担|支付|缴纳|能|可|会|应)"
                             f"([\u4e00-\u9fff]{{2}})(?:[？?，。！!]|$)")
# A clause that frames a rule read out without it: a time (「……交付前」), a fronted object
# (「对正在搭建的违法建设」) or the parties a rule binds (「……的单位和个人」) says nothing yet.
FRAGMENT_RE = re.compile(r"^对|(?:前|时|之前|以前|期间|的|单位|个人|组织|人员)$")
# 多大, 几处, 多少平 ask for a quantity: a count, a measure, or the standard or cap that fixes it.
QUANTITY_Q_RE = re.compile(r"多大|多少平|多少亩|多高|多少层|多宽|多少米|多少户|(?<!好)几(?:平|亩|处|块|套|层)")
# 「……补偿标准」 asks for the standard: a rule that only allows the taking (「……可以征收……」) does not give it.
STANDARD_Q_RE = re.compile(r"标准(?:是多少|是什么|怎么定|有哪些)?[？?]?$")
QUANTITY_RE = re.compile(f"{FIGURE}(?:个)?(?:处|块|套|层|平方米|平米|亩|米|公顷|户)|不得超过|标准|限额")
GRIEVANCE_Q_RE = re.compile(r"(?:被[^，。？?]{0,8}(?:拆|收回|占|征|查封|扣|调整)|不(?:还|给|发|付|批|办|拆|赔|退|让|管)|强拆|推诿)"
                            r"[^？?]{0,12}(?:怎么办|怎么处理|如何处理)")
REDRESS_RE = re.compile(r"责令|罚款|没收|恢复|赔偿|返还|退还|无效|撤销|强制|刑事责任|处分")
# 「以哪个为准」 asks which prevails: the summary leads with the rule's 以……为准 and must say it.
PREVAILS_Q_RE = re.compile(r"以(?:哪个|哪一个|哪份|什么|谁的?)为准|(?:按|依|听)(?:哪个|谁的?)(?:算|来)?[？?]?$")
PREVAILING_RE = re.compile(r"以[^，；。：以]{1,16}为准")
PREVAILS_RE = re.compile(r"为准|优先")
# 「有什么用」 asks what an act does for the caller; an effect is said as 效力, 保障, 不发生……
EFFECT_Q_RE = re.compile(r"有(?:什么|啥)(?:用|作用|用处|效力|好处)|起(?:什么|啥)作用|管(?:什么|啥)用")
EFFECT_RE = re.compile(r"效力|作用|保障|保护|为了|用于|不得|不发生|对抗|优先")
# 「要赔吗」 asks who compensates whom.
COMPENSATION_Q_RE = re.compile(r"赔(?:吗|不赔|偿吗|钱吗)|要赔|得赔|能赔|会赔|给赔|赔多少|补偿吗|有补偿|给补偿|补不补")
COMPENSATION_RE = re.compile(r"赔偿|补偿|赔付|承担[^，；。]{0,6}(?:费用|责任|损失)")
# 「……证丢了怎么办」 asks how to have it replaced: a rule that issues it (「……发放……证书」), or one on
# returning found property (遗失物), does not say.
LOST_Q_RE = re.compile(r"丢了|丢失|遗失|弄丢")
REISSUE_RE = re.compile(r"补发|补办|补领|换发|重新(?:发放|颁发|核发|申领)|挂失|作废|遗失声明")
# What the actor is doing when a rule applies: 「勘查、开采矿产资源时发现……的」, 「在施工过程中……的」.
# 临时, 同时, 及时, 届时 … are words, not a 时 of doing.
CIRCUMSTANCE_RE = re.compile(r"(?:^|[，、])(?:在)?([^，；。：的]{2,24}?)(?:(?<![临同及届随暂适按准当定限小实平超])时(?!间|效|限|期)|过程中)")
# A surcharge for paying late (加处罚款, 滞纳金) is no answer to what the fine or fee is, only to
# what happens when it is not paid.
SURCHARGE_RE = re.compile(r"加处罚款|滞纳金")
UNPAID_Q_RE = re.compile(r"逾期|不交|不缴|没交|没缴|未交|未缴|迟交|晚交|拖欠|滞纳|不按期|不按时")
EVERY_ACT_SHARE = 0.6  # how well a sentence naming every asked act must score against the best to answer instead
MIN_SHARED = 2  # question words a sentence from another article needs before it is quoted for a missing kind
TERSE_CHARS = 8  # a question this short that asks nothing is a few words typed mid-call (「房本加名」)
ASKING_RE = re.compile(r"[吗么呢？?]")
EXCEPTION_ONLY_RE = re.compile(r"[^，；。]*除外")
# 无偿 for what the caller gets (无偿提供, 无偿使用), never for what is taken from him (无偿收回).
FREE_RE = re.compile(r"不收取费用|不得向[^，；。]{1,12}收取(?:任何)?费用|免收|免费|无偿(?:提供|使用|取得|设立|利用)")
_SUM = f"(?:{FIGURE}元|百分之[零〇一二三四五六七八九十]+)"
# How a sum is fixed, where a statute gives no figure: 「按件收取」, 「……标准由省、自治区、直辖市……确定」.
CHARGED_BY_RE = re.compile(r"按[^，；。]{1,8}收取|标准[^，；。]{0,12}由[^，；。]{2,30}(?:制定|确定|规定|公布)")
AMOUNT_RE = re.compile(f"{_SUM}(?:以上(?:{_SUM}以下)?|以下)?")  # 五千元以上一万元以下 whole, not 五千元


@dataclass(frozen=True)
class Point:
    text: str          # quoted exactly from the article
    n: int             # its [n] in the citations
    citation: str      # 《短名》第X条


@dataclass(frozen=True)
class Composition:
    summary: str
    points: list[Point]
    used: list[Hit]    # the articles quoted, in [n] order
    concluded: bool = True  # the summary states the kind of fact asked for (a time, an amount, 可以/不得)

    @property
    def text(self) -> str:
        """The readable paragraph: summary, then one line per quoted sentence."""
        return "\n".join([self.summary, *(f"{p.citation}：{p.text}[{p.n}]" for p in self.points)])


def short_title(title: str) -> str:
    return title[len(CN_PREFIX):] if title.startswith(CN_PREFIX) else title


def short_citation(hit: Hit) -> str:
    return f"《{short_title(hit.title)}》{hit.label}"


def _overlap(text: str, terms: set[str]) -> float:
    # Longer terms are more specific: 宅基地 says more than 申请. 「非住宅建设用地」 is not about 住宅.
    return sum(min(len(t), 4) for t in terms if len(t) >= 2 and t in text.replace("非" + t, ""))


def _score(text: str, terms: set[str], intent: Intent) -> float:
    bonus = 0.0
    for i, kind in enumerate(intent.kinds):
        # 「依照法律规定办理」 hands the matter to another law: it is no step of a procedure.
        pattern = OWNED_RE if kind == "who" and intent.owner else ANSWER_PATTERNS[kind]
        if pattern.search(REFERRAL_RE.sub("", text) if kind == "procedure" else text):
            bonus += 4.0 if i == 0 else 2.0
    if intent.dispute and REMEDY_RE.search(text):
        bonus += 2.0  # 「……处理决定不服的，可以……向人民法院起诉」 answers 「对处理决定不服怎么办」
    return _overlap(text, terms) + bonus


def _best_items(unit: Unit, terms: set[str], intent: Intent) -> tuple[int, ...] | None:
    """The items of a list worth quoting: those the question touches, else all (capped). A list
    of what to submit is quoted whole for a 材料 question: a missing item costs the caller a trip;
    so is any list the caller asks to have enumerated (哪些, 什么条件)."""
    if not unit.items:
        return None
    if intent.enumeration or intent.wants("materials") and ANSWER_PATTERNS["materials"].search(unit.text):
        return tuple(range(min(len(unit.items), MAX_ITEMS)))
    overlaps = [_overlap(item, terms) for item in unit.items]
    top = max(overlaps)
    matched = tuple(i for i, o in enumerate(overlaps) if o > 0 and o >= top * ITEM_MATCH)
    if matched and len(matched) < len(unit.items):
        return matched[:MAX_ITEMS]
    return tuple(range(min(len(unit.items), MAX_ITEMS)))


@dataclass(frozen=True)
class _Scored:
    unit: Unit
    score: float
    index: int


def _lead_unit(question: str, scored: list[_Scored], terms: set[str]) -> _Scored:
    """The sentence the summary comes from: the best, or the rule it qualifies when it is an
    exception, unless that exception itself grants or forbids what a 能不能 question asks
    ("……可以调整种植结构。但禁止在基本农田内挖鱼塘" answers 能不能挖鱼塘 with 不可以). Between
    sentences that answer equally well, a 能不能 question takes the one that grants or forbids
    the act asked about (「历史建筑能不能拆」: 「……不得……拆除历史建筑」, not 「……给予补助」)."""
    best = scored[0]
    if forms := _who_act_forms(question):
        # 「评估机构谁来选」 is answered by 「……由被征收人协商选定」, not by the sentence that shares
        # more of its words (房屋征收评估) and says nothing of choosing.
        best = _first_naming(scored, best, lambda text: any(f in text for f in forms))
    if not PERMISSION_Q_RE.search(question):
        return _rule_of(best, scored)
    acts = _asked_act(question, terms)
    if len(acts) > 1 and not _names_every_act(best.unit.text, acts):
        # 「能不能口头申请」: 「……也可以口头申请」 answers, not 「书面申请的，可以……」, which shares more
        # of the question's other words (行政复议申请书).
        best = _first_naming(scored, best, lambda text: _names_every_act(text, acts)
                             and bool(GRANTS_RE.search(text) or FORBIDS_RE.search(text)))
    best = next((s for s in scored if s.score == best.score and acts and MODAL_RE.search(s.unit.text)
                 and _names_act(s.unit.text, acts)), best)
    return best if MODAL_RE.search(best.unit.text) else _rule_of(best, scored)


def _first_naming(scored: list[_Scored], best: _Scored, names: Callable[[str], bool]) -> _Scored:
    """`best` when `names` accepts it, else the first sentence within EVERY_ACT_SHARE of its score
    that it accepts."""
    if names(best.unit.text):
        return best
    return next((s for s in scored if s.score >= best.score * EVERY_ACT_SHARE and names(s.unit.text)), best)


def _times_given(question: str) -> frozenset[str]:
    """The times a caller states of their case (满两年, 超过30天), as _time_key gives them."""
    return frozenset(_time_key(m.group()) for m in TIME_RE.finditer(question))


def _time_key(time: str) -> str:
    """One form for 两年, 二年 and 2年, for 30天内 and 三十日: the number and its unit."""
    m = re.fullmatch(f"({NUMBER})个?({UNIT})(?:内|以内|之内)?", time)
    if m is None:
        return time
    number = m.group(1) if m.group(1).isdigit() or m.group(1) == "半" else str(cn_to_int(m.group(1)))
    return number + m.group(2).replace("天", "日")


def _who_act_forms(question: str) -> tuple[str, ...]:
    """The statutes' words for the act a 谁 question asks about (谁来选: 选定, 选择; 谁来复垦: 复垦)."""
    if m := WHO_ACT_RE.search(question):
        return WHO_ACT_FORMS[m.group(1)]
    return (m.group(1), *APPROVAL_FORMS.get(m.group(1), ())) if (m := WHO_ACT_WORD_RE.search(question)) else ()


def _names_every_act(text: str, acts: set[str]) -> bool:
    return all(_names_act(text, {act}) for act in acts)


def _rule_of(chosen: _Scored, scored: list[_Scored]) -> _Scored:
    """The rule an exception ("但是……") qualifies: quoting the exception alone says the opposite."""
    if not EXCEPTION_RE.match(chosen.unit.text):
        return chosen
    before = next((s for s in scored if s.index == chosen.index - 1
                   and s.unit.paragraph == chosen.unit.paragraph), None)
    return before or chosen


def _ranked_units(hit: Hit, terms: set[str], intent: Intent) -> list[_Scored]:
    """The article's quotable units by how well they answer; a statement of purpose ("为了……，
    制定本条例。") answers no caller's question and is never quoted."""
    scored = [_Scored(u, _score(u.quote(), terms, intent), i) for i, u in enumerate(units(hit.text))
              if not PURPOSE_RE.match(u.text)]
    return sorted(scored, key=lambda s: (-s.score, s.index))


# 给不给 (A_NOT_A) asks whether it is done as 能不能 does.
PERMISSION_Q_RE = re.compile(r"能不能|能否|可不可以|可以.{0,12}吗|能.{0,12}吗|允许|行不行|行吗|准不准|" + A_NOT_A)
# 「……会被拆吗」 asks whether something will happen to the caller: a rule that names no such act
# (「……可以依法申请行政复议」) does not say.
WILL_Q_RE = re.compile(r"会不会|会[^，。？?]{1,10}吗")
NEED_Q_RE = re.compile(r"需要|需不需要|要不要|必须|是否要|是不是(?:要|得)|用不用|得不得|要[^，。？?]{1,8}吗")
YES_NO_ASK_RE = re.compile(f"{PERMISSION_Q_RE.pattern}|{NEED_Q_RE.pattern}|{ILLEGAL_Q_RE.pattern}")
_AUTHORITY = r"由([^，；。由]{2,30}?(?:人民法院|人民政府|主管部门|部门|机关|机构|委员会)"
TRANSITIVE_ACTS = frozenset({"责令", "组织", "实施"})
AUTHORITY_ACT_RE = re.compile(r"负责|管辖|审核批准|审查批准|审核|批准|审批|核发|办理|登记|组织|责令|决定|实施|处理")
AUTHORITY_RE = re.compile(f"{_AUTHORITY})({AUTHORITY_ACT_RE.pattern})")
# The whole name: 「城市、县人民政府城乡规划主管部门」, not its first 人民政府.
AUTHORITY_NAME_RE = re.compile(f"{_AUTHORITY}(?:[^，；。由]{{0,12}}?(?:主管部门|部门|机关|机构))?)")
# The act a 谁 question names: 「由哪个部门核发」.
ASKED_ACT_RE = re.compile(f"(?:谁|哪个部门|哪个单位|哪些部门|哪级|哪一级)[^，。？?]{{0,4}}?({AUTHORITY_ACT_RE.pattern})")
# Who pays is a 谁 question too: 「……费用由违法建设当事人承担」.
BEARER_RE = re.compile(r"由([^，；。由]{2,20}?)(承担|负担|支付|缴纳)")
CITED_RE = re.compile(r"（《[^（）]*》[^（）]*）$")  # the summary's closing （《简称》第X条）
# Someone who acts, decides or pays. Naming one proves no 谁 answer right, but a summary that
# names nobody (「……，适用本法」, 「……，从其规定」) surely does not say who.
SOMEONE_RE = re.compile(r"人民法院|政府|权人|部门|机关|机构|委员会|组织|单位|企业|公民|法人|个人|业主|村民|"
                        r"(?:权利|当事|申请|所有|使用|承包|被征收|责任|共有|继承|行为)人|(?:承包|发包)方")
# What a sentence must say to give each kind of answer, not merely touch its subject. Kinds
# without an entry (流程, 比较) are answered by any sentence about the matter.
STATES: dict[Kind, re.Pattern] = {
    "deadline": TIME_RE,
    "fee": re.compile(f"{FREE_RE.pattern}|{AMOUNT_RE.pattern}|费用|收取.{{0,10}}费|费[^，；。]{{0,6}}收取"),  # 登记费按件收取
    "who": re.compile(r"由.{1,30}(?:人民法院|人民政府|部门|机关|机构|委员会)|"
                      r"(?:人民法院|人民政府|部门|机关|机构|委员会)(?:负责|管辖|审批|批准|办理|登记|受理|组织)"),
    "penalty": re.compile(r"罚款|没收|收缴|吊销|拘留|刑事责任|处分|责令|警告"),
    # A 材料 answer names a document or the act of handing one in; 「……不动产登记资料……说明查询目的」 does not.
    "materials": re.compile(f"{SUBMIT_RE.pattern}|材料|申请书|证明|证件|身份证"),  # 「应当补发证书」 names none to bring
}
# Who owns a thing or receives a sum, for a 归谁 question: 「……的补偿费用，归其所有权人所有」, 「……属于业主
# 共有」. An authority (由……部门负责) does not answer it, nor does 「应当……支付……青苗等的补偿费用」.
# 「哪个部门」, 「找哪」 ask for a body that deals with it: 业主 or 村民 named in the rule is no answer.
BODY_Q_RE = re.compile(r"哪个部门|哪个单位|哪个机关|哪个机构|哪些部门|找哪|去哪|哪里|哪儿|归.{0,4}管")
BODY_RE = re.compile(r"人民法院|政府|部门|机关|机构|委员会|办事处|仲裁|检察院|监察")
OWNED_RE = re.compile(r"归[^，；。]{1,20}所有|属于[^，；。]{1,20}(?:所有|共有)|所有权(?:属于|归)|[由归][^，；。]{1,12}享有|归属")


def _stating(kind: Kind | None, owner: bool) -> re.Pattern | None:
    """What a sentence must say to give `kind` of answer; for a 归谁 question, whose it is."""
    return OWNED_RE if kind == "who" and owner else STATES.get(kind)  # type: ignore[arg-type]


def _acts(text: str) -> set[str]:
    return {act for act, pattern in ACTS.items() if pattern.search(text)}


def _asked_acts(question: str) -> set[str]:
    """The acts a question asks the time of; 「复议决定多久作出」 asks of the decision however worded.
    What the caller disagrees with is what they appeal, not an act they ask the time of: 「对复议决定
    不服多久起诉」 asks of 起诉, 「收到信息公开答复不满意多久能复议」 of 复议."""
    asked = DISPUTED_RE.sub("", question)
    return _acts(asked) | ({"决定"} if re.search(r"决定(?!书)", asked) else set())


def _time_for(question: str, text: str, sentence: str) -> re.Match | None:
    """The first time limit in `text` (a run of clauses of `sentence`) set for what the caller
    asked about, in the unit asked first: 「……十五日内，依法向人民法院提起行政诉讼」 is no answer to how
    long one has to apply for 复议. What a time is set for is read on in the sentence, past the end
    of the run."""
    asked = _asked_acts(question)
    offset = sentence.find(text)
    whole, at = (sentence, offset) if offset >= 0 else (text, 0)
    other = False  # a time after one set for another act qualifies that act (延长期限不得超过30日)
    found = []
    for m in TIME_RE.finditer(text):
        rest = whole[at + m.end():]
        if _makes_up_for_delay(whole, at + m.start(), question):
            continue
        if _names_another_period(whole[:at + m.start()], question):
            continue
        governed = _governed_acts(rest)
        # A time to appeal (复议, 诉讼, 复查) answers only a question about appealing: 「……十五日内，
        # 向人民法院起诉」 is not how long one has to pull down a building.
        if not asked and not governed & REMEDIES or _for_asked(asked, governed) or not governed and not other:
            found.append(m)
        other = other or bool(governed)
    return next((m for m in found if _in_asked_unit(question, m.group())), found[0] if found else None)


def _names_another_period(before: str, question: str) -> bool:
    """Whether the clause a time ends names the period it is (「征求意见期限不得少于30日」) and the
    caller asked of another: how long a 征收决定 is announced is not how long opinions are sought."""
    clause = re.split(r"[，；。：]", before)[-1]
    named = NAMED_PERIOD_RE.search(clause)
    return named is not None and named.group(1)[-2:] not in question


def _has_asked_unit(text: str, question: str) -> bool:
    """Whether the text has a time of the kind asked: in years for 「多少年」, and for 「有效期多久」 the
    length of that period."""
    length = LENGTH_Q_RE.search(question)
    return (YEARS_Q_RE.search(question) is None and length is None) or any(
        _in_asked_unit(question, m.group()) and (length is None or _lasts(text, m, length.group(1)))
        for m in TIME_RE.finditer(text))


def _lasts(text: str, time: re.Match, period: str) -> bool:
    """Whether a time is the length of the period asked (「有效期最长为3年」): said in the clause that
    names the period, and not counted back from its end (「有效期届满的30日前」 is when to renew;
    「每次延续时间不得超过2年」 is another period)."""
    clause = next((m.group() for m in CLAUSE_RE.finditer(text) if m.start() <= time.start() < m.end()), "")
    return period in clause and text[time.end():time.end() + 1] != "前" \
        and not re.search(r"(?:届满|期满)前$", text[:time.start()])


def _in_asked_unit(question: str, time: str) -> bool:
    """Whether a time is in the unit the caller asks in: 「有效期多少年」 is answered by 「最长为30年」, not
    by the 「30日前」 to apply for renewal. Any time is, when the question does not ask in years."""
    return YEARS_Q_RE.search(question) is None or _time_key(time).endswith("年")


def _governed_acts(rest: str) -> set[str]:
    """The acts a time sets the period for: read on to the sentence's end, but not into a second
    duty (「……三个工作日内将裁决书送达当事人，并告知当事人……起诉权利」 sets no time to 起诉)."""
    return _acts(re.split(r"，(?:并且?|同时)", _to_sentence_end(rest), maxsplit=1)[0])


def _periods(text: str) -> Iterator[re.Match]:
    """The times in `text` that may be a period to act in: an outer bar (「……超过五年……不予受理」)
    is not the time one has."""
    return (m for m in TIME_RE.finditer(text) if not _bars_late_claims(text, m))


def _sets_time_for_asked(question: str, text: str) -> bool:
    """Whether a time in `text` is set for an act the caller names (起诉, 复议, 续期 …): named after
    it, or, when none is named after it (「……六个月内提出」), in the case the sentence opens with
    (「……直接向人民法院提起诉讼的，」). A time in a case clause is set for no one."""
    asked = _asked_acts(question)
    return bool(asked) and any(_for_asked(asked, _governed_acts(text[m.end():]) or _acts(_case_before(text, m.start())))
                               for m in _periods(text)
                               if not _in_case(text, m.start()) and not _makes_up_for_delay(text, m.start(), question))


def _times_asked_act(question: str, text: str) -> bool:
    """Whether a time in `text` is tied to an act the caller names, even as the case a rule applies
    in (「……十五日内不提起诉讼的，异议登记失效」 answers how long one has to sue)."""
    asked = _asked_acts(question)
    return any(_for_asked(asked, _governed_acts(text[m.end():])) for m in _periods(text))


def _in_case(text: str, at: int) -> bool:
    """Whether position `at` lies in a case clause: 「行政机关……两个月内不履行的，」 describes when the
    rule applies, it sets no time for the caller."""
    return any(m.start() <= at < m.end() and _is_condition(m.group()) for m in CLAUSE_RE.finditer(text))


def _for_asked(asked: set[str], governed: set[str]) -> bool:
    """Whether acts a time is set for are those asked about: 「……六十日内作出行政复议决定」 is the
    authority's time to decide 复议, no answer to how long one has to apply for it."""
    return bool(asked & governed) and ("决定" in asked or "决定" not in governed)


def _case_before(text: str, at: int) -> str:
    """The case clauses (「……的，」) of the sentence before position `at`."""
    start = max(text.rfind("。", 0, at), text.rfind("；", 0, at)) + 1
    return "".join(c for c in _clauses(text[start:at]) if _is_condition(c))


def _makes_up_for_delay(text: str, at: int, question: str) -> bool:
    """Whether the time at `at` is one to make up for a missed period (「……耽误起诉期限的，在障碍消除后
    十日内，可以申请延长期限」), which is not the period, unless the caller asks about the delay."""
    clause = next((m.group() for m in CLAUSE_RE.finditer(text) if m.start() <= at < m.end()), "")
    return bool(EXTENSION_RE.search(clause)) and not EXTENSION_RE.search(question)


def _bars_late_claims(text: str, time: re.Match) -> bool:
    """Whether the time is an outer bar (「……之日起超过二十年……，人民法院不予受理」), which is not the
    period one has to act in."""
    return text[max(0, time.start() - 2):time.start()] == "超过" and bool(BARRED_RE.search(_to_sentence_end(text[time.end():])))


def _governs_subject(modal: re.Pattern, clause: str, subject: set[str]) -> bool:
    """Whether the clause's 可以/不得 governs something the caller asked about: 「其宅基地的面积不得
    超过……标准」 says 不得, but not about selling a 宅基地. What follows the modal is read, or the
    whole clause when the modal ends it (「……再申请宅基地的，不予批准」)."""
    m = modal.search(clause)
    if m is None:
        return False
    governed = clause[m.end():]
    if len(governed.rstrip("，；：。")) < 4:
        governed = clause
    return any(t in governed for t in subject)


def _to_sentence_end(text: str) -> str:
    return re.split(r"[。；]", text, maxsplit=1)[0]


def _clause_before(question: str, ask: re.Match) -> str:
    """The clause of the question that holds the ask, up to the ask."""
    return QUESTION_CLAUSE_END_RE.split(question[:ask.start()])[-1]


def _item_touched(unit: Unit, terms: set[str]) -> str:
    """The list item the question touches most, else the first."""
    return max(unit.items, key=lambda i: _overlap(i, terms))


def _authority_for_asked_act(question: str, sentence: str) -> str:
    """「由……主管部门依据……核定……，核发建设用地规划许可证」: who does the act the caller names
    (核发), when the sentence says 由 whom and the act comes later in it."""
    asked = ASKED_ACT_RE.search(question)
    act = asked.group(1) if asked else ""
    for by in AUTHORITY_NAME_RE.finditer(sentence) if act else ():
        if act in _to_sentence_end(sentence[by.end():]):
            return f"由{by.group(1)}{act}。"
    return ""


def _about_asked(question: str, unit_text: str, terms: set[str]) -> bool:
    """Whether the sentence is about what the caller asks 能不能/是否 of: when the asking clause
    names it before the ask (「地下室能单独办产权证吗」), the sentence has one of those words, a
    statute word the caller's words were expanded to, or two of the question's own words (a
    compound such as 调整承包地 counts for its parts).
    可以/不可以 is read out as the answer, and 「……可以制作、颁发统一的房地产权证书」 says nothing of
    a 地下室."""
    ask = YES_NO_ASK_RE.search(question)
    if ask is None:
        return True
    asking = _clause_before(question, ask)
    own = _own_words(question, terms)
    named = {t for t in own if t in asking}
    shared = [t for t in own if t in unit_text]
    return (not named or _names(unit_text, named) or any(t in unit_text for t in _expanded(question, terms))
            or len(shared) >= MIN_SHARED or any(len(t) >= 5 for t in shared))


def _expanded(question: str, terms: set[str]) -> set[str]:
    """The statute words the caller's words were expanded to through the dictionary (挪走 → 移动)."""
    return {t for t in _subject_terms(terms) if t not in question}


def _names_each(question: str, text: str, terms: set[str]) -> bool:
    """Whether `text` names each of the caller's own words, or a statute word sharing a character
    with it that it was expanded to (占地 → 占用土地)."""
    expanded = [t for t in _expanded(question, terms) if t in text]
    return all(w in text or any(set(w) & set(e) for e in expanded) for w in _own_words(question, terms))


def _own_words(question: str, terms: set[str]) -> set[str]:
    """The caller's own subject words, longest only: 产权证, not also 产权 and 权证."""
    words = {t for t in _subject_terms(terms) if t in question and not FRAME_RE.fullmatch(t) and t != "需要"}
    return {t for t in words if not any(t != w and t in w for w in words)}


def _names(text: str, words: set[str]) -> bool:
    # A longer word is named in part too: 行政诉讼 by 行政案件 and 诉讼费用.
    return any(t in text or len(t) > 2 and bool(char_pairs(t) & char_pairs(text)) for t in words)


def _asked_act(question: str, terms: set[str]) -> set[str]:
    """The caller's words for what they ask may be done: read in the ask (能……吗), or, when the ask
    closes the question (……允许吗, ……是否合法), in the clause before it. Where it is done (在林地里)
    and how (随便) name no act."""
    ask = PERMISSION_Q_RE.search(question) or ILLEGAL_Q_RE.search(question)
    if ask is None:
        return set()
    own = _own_words(question, terms)
    rest = ASK_CUE_RE.sub(" ", QUESTION_CLAUSE_END_RE.split(question[ask.start():], maxsplit=1)[0])
    if not any(t in rest for t in own):
        # A one-character act (「历史建筑能不能拆」) is no word of the index, but it is the act asked about.
        if verb := PARTICLE_RE.sub("", rest):
            return {verb}
        rest = _clause_before(question, ask)
    acts = {t for t in own if t in rest and not _is_place(question, t) and t not in MANNER_WORDS}
    if not acts and (place := PLACE_RE.match(rest)) and 2 <= len(verb := PARTICLE_RE.sub("", rest[place.end():])) <= 4:
        # 「在耕地上建坟可以吗」: what follows the place is the act, though no word of the index (建坟).
        return {verb}
    return acts


def _will_acts(question: str, will: re.Match, terms: set[str]) -> set[str]:
    """What a 会……吗 question asks will happen: its own words from 会 to the clause's end, else the
    one-character act (「会被拆吗」: 拆)."""
    rest = QUESTION_CLAUSE_END_RE.split(question[will.start():], maxsplit=1)[0]
    acts = {t for t in _own_words(question, terms) if t in rest and t not in MANNER_WORDS}
    verb = PARTICLE_RE.sub("", re.sub(r"会不会|会|被|吗|么", "", rest))
    return acts or ({verb} if verb else set())


def _is_place(question: str, word: str) -> bool:
    return f"在{word}" in question or any(word in m.group() for m in PLACE_RE.finditer(question))


def _names_asked_act(question: str, clause: str, terms: set[str]) -> bool:
    """Whether the clause names what the caller asks may be done: 「能不能在上面盖几间房子」 asks
    about 房子, and 「承包方可以……流转林地经营权」 grants something else."""
    acts = _asked_act(question, terms)
    return not acts or _names_act(clause, acts) or any(t in clause for t in _expanded(question, terms))


def _names_act(text: str, acts: set[str]) -> bool:
    return _names(text, acts) or any(form in text for act in acts for form in ACT_FORMS.get(act, ()))


def _unasked_condition(question: str, clause: str, terms: set[str]) -> bool:
    """Whether the 可以/不得 holds only in a case the caller did not describe: 「采矿权人被吊销采矿
    许可证的，……2年内不得再申请采矿权」 is no 不可以 to 「个人可以申请采矿权吗」. The case is described
    by the caller's own words besides the act asked about and where it is done; a 违法吗 question
    describes nothing else, so it is not asked of it."""
    if not PERMISSION_Q_RE.search(question):
        return False
    conditions = _case_before_rule(clause, MODAL_RE)
    if not conditions:
        return False
    acts = _asked_act(question, terms)
    case = {t for t in _own_words(question, terms) if t not in acts and not _is_place(question, t)}
    return not _names(conditions, case)


def _case_not_described(question: str, sentence: str, terms: set[str]) -> bool:
    """Whether the sentence's rule holds only in a case (「……的，」 before its 应当/可以) that names none
    of the caller's own words."""
    conditions = _case_before_rule(sentence, MODAL_RE, OBLIGATION_RE)
    return bool(conditions) and not _names(conditions, _own_words(question, terms))


def _unasked_circumstance(question: str, sentence: str, terms: set[str]) -> bool:
    """Whether the sentence's rule holds while the actor does something (「……时」, 「在……过程中」 in its
    case clauses) that names none of the caller's own words."""
    case = _case_before_rule(sentence, MODAL_RE, OBLIGATION_RE)
    return any(not _names(m.group(1), _own_words(question, terms)) for m in CIRCUMSTANCE_RE.finditer(case))


def _case_before_rule(text: str, *rule: re.Pattern) -> str:
    """The case clauses (「……的，」) before the first clause that states the rule (one matching `rule`),
    the exception left out."""
    parts = _clauses(_rule_part(text))
    first = next((i for i, p in enumerate(parts) if any(r.search(p) for r in rule)), 0)
    return "".join(p for p in parts[:first] if _is_condition(p) or p.startswith("对"))


def _names_what_is_needed(question: str, clause: str, terms: set[str]) -> bool:
    """Whether an obligation is about what the caller asks is needed: 「征地之前要不要听证」 asks about
    a 听证, and 「……应当……公告」 is no 需要 to it."""
    needed = _needed(question, terms)
    return not needed or _names_needed(clause, needed)


def _names_needed(text: str, needed: frozenset[str]) -> bool:
    return _names(text, set(needed)) or any(form in text for n in needed for form in APPROVAL_FORMS.get(n, ()))


def _needed(question: str, terms: set[str]) -> frozenset[str]:
    """What a 要……吗 question asks is needed, named after the ask (「改变土地用途要批准吗」: 批准)."""
    ask = NEED_Q_RE.search(question)
    return frozenset(t for t in _own_words(question, terms) if t in question[ask.start():]) if ask else frozenset()


def _rule_part(clause: str) -> str:
    """The clauses that state the rule, without its exception: 「……，但是法律规定可以抵押的除外」
    says 可以 of the exception, not of what the rule forbids."""
    kept = [c for c in _clauses(clause) if not (EXCEPTION_RE.match(c) or EXCEPTED_RE.search(c.rstrip("，；：")))]
    return "".join(kept) if kept else clause


def _lead(clause: str, unit_text: str, question: str, intent: Intent, subject: set[str],
          terms: set[str]) -> str:
    """The conclusion an agent says first: 可以/不可以, N日内, 由X部门, 不收费. A 可以/不可以 only
    from a clause whose modal governs one of the `subject` words, never from its exception."""
    kind = intent.primary
    if kind == "deadline" and (m := _time_for(question, clause, unit_text) or _time_for(question, unit_text, unit_text)):
        return f"{DEADLINE_LEAD}{m.group(0)}。"
    if kind == "fee":
        if FREE_RE.search(clause):
            return "不收费。"
        if (m := AMOUNT_RE.search(clause)) and "百分之" not in m.group(0):
            # A share (百分之五以上) says nothing without what it is a share of: the clause says it.
            return f"金额：{m.group(0)}。"
    # 「费用由谁承担」 asks who, not how much.
    if kind == "who" or kind == "fee" and intent.wants("who"):
        if m := AUTHORITY_RE.search(clause) or BEARER_RE.search(clause):
            # 「由……部门责令。」 says nothing of what is ordered: an act that needs its object keeps it.
            done = m.group(2) + (re.split(r"[，；。：]", clause[m.end():], maxsplit=1)[0]
                                 if m.group(2) in TRANSITIVE_ACTS else "")
            return f"由{m.group(1)}{done}。"
        if by := _authority_for_asked_act(question, unit_text):
            return by
    if kind == "yes_no" and _about_asked(question, unit_text, terms) and not _unasked_condition(question, clause, terms):
        clause = _rule_part(clause)
        if ILLEGAL_Q_RE.search(question) and _governs_subject(NEGATIVE_RE, clause, subject) \
                and _names_asked_act(question, clause, terms):
            return "属于违法行为。"
        if PERMISSION_Q_RE.search(question) and _names_asked_act(question, clause, terms):
            if _governs_subject(FORBIDS_RE, clause, subject):
                return "不可以。"
            if _governs_subject(GRANTS_RE, clause, subject):
                return "可以。"
        if NEED_Q_RE.search(question) and _governs_subject(OBLIGATION_RE, clause, subject) \
                and _names_what_is_needed(question, clause, terms):
            return "需要。"
    if PREVAILS_Q_RE.search(question) and (m := PREVAILING_RE.search(unit_text)):
        return f"{m.group(0)}。"
    return ""


def _clauses(text: str) -> list[str]:
    return [c for c in CLAUSE_RE.findall(text) if c.strip()]


def _is_condition(clause: str) -> bool:
    """A "……的，" clause frames the rule; the clause after it answers. A clause that ends its
    sentence or its rule (「……用于其他目的；」) frames nothing, and 目的 or 标的 is a noun."""
    bare = clause.rstrip("，；：。")
    return bare.endswith("的") and not bare.endswith(("目的", "标的")) and not clause.endswith(("；", "。"))


def _conditions(parts: list[str]) -> list[bool]:
    """Which parts frame the rule: each "……的，" and the alternatives it closes
    (「……登记错误给他人造成损害，或者……造成损害的，」)."""
    flags = [_is_condition(p) for p in parts]
    for i in range(len(parts) - 2, -1, -1):
        if flags[i + 1] and parts[i].endswith("，") and parts[i + 1].startswith(("或者", "并且", "且")):
            flags[i] = True
    return flags


def _answer_clause(text: str, terms: set[str], intent: Intent, extend: bool = True,
                   needed: frozenset[str] = frozenset(), acts: frozenset[str] = frozenset(),
                   times: frozenset[str] = frozenset()) -> str:
    """The shortest run of clauses that carries the answer: the best clause, with its
    condition ("……的，") before it, or its consequence after it when it is the condition or
    (with `extend`) only names the matter; with `extend`, also the rule an alternative or
    exception continues, and the alternative or exception that continues it."""
    clauses = _clauses(text)
    if not clauses:
        return text
    # Between rules that answer alike, the one whose condition names the question's words:
    # 「……合法建筑……的，应当给予补偿；……违法建筑……的，不予补偿」 answers a 违法建筑 question second.
    def condition(i: int) -> float:
        return _overlap(clauses[i - 1], terms) if i > 0 and _is_condition(clauses[i - 1]) else 0.0

    # Then the one that gives the kind of answer asked for: 不收取费用 over the matter it rules on.
    def states(i: int) -> bool:
        return (pattern := _stating(intent.primary, intent.owner)) is not None and pattern.search(clauses[i]) is not None

    # What a 要……吗 question asks is needed (批准) first: 「……需要改变土地用途的，应当依法经……批准」
    # answers 改变用途要批准吗, 「不得改变土地用途」 shares more words and does not.
    # So is the clause that names every act a 能不能 question asks about (口头 and 申请), and the rule
    # for the case whose time the caller gives (满两年: 「满二年未动工开发的，可以无偿收回……」).
    def case_named(i: int) -> bool:
        return bool(times) and i > 0 and _is_condition(clauses[i - 1]) and any(
            _time_key(m.group()) in times for m in TIME_RE.finditer(clauses[i - 1]))

    best = max(range(len(clauses)), key=lambda i: (bool(acts) and _names_every_act(clauses[i], set(acts)),
                                                   bool(needed) and _names_needed(clauses[i], needed),
                                                   case_named(i), _score(clauses[i], terms, intent), condition(i),
                                                   states(i), -i))
    # A time, an amount or a sanction is the answer itself: the clause that has one comes first,
    # unless the best is a case whose consequence states it (「……的，给予警告」) or a list item,
    # which is read with its heading's rule.
    consequence = _is_condition(clauses[best]) and best + 1 < len(clauses) and states(best + 1)
    if (_conclusive(intent.primary, "") or intent.owner and intent.primary == "who") and not states(best) \
            and not consequence \
            and not ITEM_RE.match(clauses[best]) and any(states(i) for i in range(len(clauses))):
        best = max((i for i in range(len(clauses)) if states(i)),
                   key=lambda i: (_score(clauses[i], terms, intent), condition(i), -i))
    start, end = best, best + 1

    if _is_condition(clauses[best]) and best + 1 < len(clauses):
        while end < len(clauses) and _is_condition(clauses[end - 1]):
            end += 1  # "……确需变更的，变更内容不符合……的，" : the rule follows the last condition
    elif extend and not PREDICATE_RE.search(clauses[best]) and (rule := _rule_after(clauses, best)) is not None:
        end = rule + 1  # "征收……房屋，" only names the matter; "应当……给予公平补偿" is the rule
    elif best > 0 and _is_condition(clauses[best - 1]):
        start = best - 1
    elif best > 0 and len(clauses[best].rstrip("，；：。")) <= SHORT_RULE_CHARS \
            and not clauses[best - 1].endswith(("。", "；")):
        start = best - 1  # 「不收取费用」 alone says nothing of what is free: 「……提供政府信息，」 comes with it
    elif best > 0 and extend and not PREDICATE_RE.search(clauses[best]) and PREDICATE_RE.search(clauses[best - 1]) \
            and not clauses[best - 1].endswith(("。", "；")):
        start = best - 1  # 「也可以保留土地承包权，流转其承包地的土地经营权」: the verb before governs it
    elif extend and not PREDICATE_RE.search(clauses[best]) and clauses[best].endswith("，") \
            and best + 1 < len(clauses) and not _is_condition(clauses[best + 1]):
        end = best + 2  # 「行政机关公开政府信息，」 is a subject: 「采取……的方式」 says what of it
    elif extend and best > 0 and RULE_START_RE.match(clauses[best]) and clauses[best - 1].endswith("，") \
            and not PREDICATE_RE.search(clauses[best - 1]) and not _is_condition(clauses[best - 1]):
        start = best - 1  # 「必须先经……批准」 rules on the matter before it: 「在河道内开采砂、石，」
    elif intent.parts > 1 and best > 0 and _overlap(clauses[best - 1], terms) > 0:
        start = best - 1  # a two-part question: the clause before may answer the other part
    elif extend and clauses[best].endswith("，") and best + 1 < len(clauses) \
            and OBJECT_START_RE.match(clauses[best + 1]) and not _is_condition(clauses[best + 1]):
        end = best + 2  # 「居住权人有权按照合同约定，」 has not said to what: 「对他人的住宅享有……」
    if end < len(clauses) and TIME_END_RE.search(clauses[end - 1]):
        end += 1  # 「……三十日内，」 sets the time for the act that follows: 「向人民法院起诉」
    if intent.primary == "penalty" and STATES["penalty"].search(clauses[end - 1]):
        # 「给予警告，责令改正，可以并处……罚款；」 is one sanction: its first clause alone understates it.
        end = _sanction_end(clauses, end - 1)
    # "也可以……", "但是……": an alternative or an exception belongs with the rule it continues.
    while extend and start > 0 and CONTINUATION_RE.match(clauses[start]):
        start -= 1
    while extend and end < len(clauses) and CONTINUATION_RE.match(clauses[end]):
        end += 2 if len(clauses[end].rstrip("，；：")) <= 2 else 1  # "但是，" alone says nothing
    if not extend and clauses[start].startswith("或者") and _is_condition(clauses[start]):
        # One of several cases (「……拒不交出土地的，……期满拒不归还的，或者……的，」) with the rule:
        # the one the question names most, never a dangling 「或者……」.
        first = start
        while first > 0 and _is_condition(clauses[first - 1]):
            first -= 1
        case = max(range(first, start + 1), key=lambda i: (_overlap(clauses[i], terms), -i))
        return (clauses[case].removeprefix("或者") + "".join(clauses[start + 1:end])).rstrip("，；：。")
    return "".join(clauses[start:end]).rstrip("，；：。")


def _rule_after(clauses: list[str], matter: int) -> int | None:
    """The clause that rules on the matter named at `matter`: the next one, or the first after
    the conditions between (「……使用年限届满，土地使用者需要继续使用土地的，应当……申请续期」).
    A clause that ends its sentence names no matter for the next."""
    if not clauses[matter].endswith("，"):
        return None
    for i in range(matter + 1, len(clauses)):
        if PREDICATE_RE.search(clauses[i]):
            return i
        if not _is_condition(clauses[i]):
            return None
    return None


def _fit(clause: str, budget: int, terms: set[str], intent: Intent) -> str:
    """The clause within budget: whole, else its best part, else cut at a word boundary. A part
    that only names the matter its next part rules on (「本条例所称地质灾害，包括……」) is never the whole
    answer: then the clause, matter and rule, is cut."""
    if len(clause) <= budget:
        return clause
    if intent.primary == "penalty" and (sanction := _sanction_part(clause, budget)):
        return sanction
    parts = _clauses(clause)
    # A list's heading with its item (「……下列工作：……」) is cut as one: either alone says nothing.
    if len(parts) > 1 and not any(c.endswith(("：", ":")) for c in parts):
        answers = [c for c, framing in zip(parts, _conditions(parts)) if not framing] or parts
        chosen = max(answers, key=lambda c: _score(c, terms, intent))
        best = chosen.rstrip("，；：。")
        after = parts.index(chosen) + 1
        bare = (not PREDICATE_RE.search(best) and chosen.endswith("，") and after < len(parts)
                and RULE_START_RE.match(parts[after]) is not None)
        rule = _rule_after(parts, after - 1)
        if not bare and not PREDICATE_RE.search(best) and rule is not None and rule > after:
            # The matter alone (「……使用年限届满，」), its rule conditions away: the rule says more.
            best = parts[rule].rstrip("，；：。")
        elif TIME_END_RE.search(chosen) and after < len(parts) \
                and len(timed := (chosen + parts[after]).rstrip("，；：。")) <= budget:
            best = timed  # the time with the act it is set for (「……十五日内，向人民法院起诉」)
        if len(best) <= budget and not bare:
            return best
        if not bare:
            clause = best
    cut = clause[: budget - 1]
    boundary = max(cut.rfind("、"), cut.rfind("的"), cut.rfind("或者"), cut.rfind("和"))
    return (cut[:boundary] if boundary >= budget // 2 else cut) + "…"


def _sanction_part(clause: str, budget: int) -> str:
    """The clause's sanction (「责令限期改正或者治理，可以并处罚款」) without the case it is for and,
    when need be, without who imposes it; as many of its clauses as fit, first first. 「可以并处
    罚款」 alone sounds like a mere fine and drops the order to undo the harm."""
    parts = _clauses(clause)
    framing = _conditions(parts)
    first = next((i for i, p in enumerate(parts) if not framing[i] and STATES["penalty"].search(p)), None)
    if first is None:
        return ""
    run = parts[first:_sanction_end(parts, first)]
    if len("".join(run).rstrip("，；：。")) > budget and run[0].startswith("由") \
            and (m := SANCTION_START_RE.search(run[0])):
        run[0] = run[0][m.start():]
    fitting = ""
    for part in run:
        if len((fitting + part).rstrip("，；：。")) > budget:
            break
        fitting += part
    return fitting.rstrip("，；：。")


def _sanction_end(clauses: list[str], first: int) -> int:
    """The end of the run of clauses from `first` that sanction one case: it stops at 「；」."""
    end = first + 1
    while end < len(clauses) and clauses[end - 1].endswith("，") and STATES["penalty"].search(clauses[end]):
        end += 1
    return end


# "有下列行为之一的，由……责令限期拆除，可以并处……罚款：": the heading holds the rule, the items the cases.
LIST_CASES_RE = re.compile(r"^.*?下列[^，：]{0,12}之一的，(?P<rule>[^：]+)：?$")


EXCEPTIONS_LIST_RE = re.compile(r"^(?P<rule>[^；。：]+)[；，]但(?:是)?[，,]?有?下列[^，：]{0,12}之一的")


def _as_sentence(unit: Unit, terms: set[str], intent: Intent) -> str:
    """What the summary reads from: the unit, or for a list of cases that share one rule, the
    case the question is about (by its words first) followed by that rule
    (……超过批准期限不拆除的，由……责令限期拆除)."""
    m = LIST_CASES_RE.match(unit.text)
    if not (m and unit.items) or intent.enumeration:  # "哪些情形……" asks for every case, not one
        return unit.quote()
    if exceptions := EXCEPTIONS_LIST_RE.match(unit.text):
        # 「……不停止执行；但是有下列情形之一的，应当停止执行：」: the cases are exceptions to the rule
        # before them, which is the answer; one case read out alone says the opposite.
        return exceptions.group("rule") + "。"
    case = max(unit.items, key=lambda item: (_overlap(item, terms), _score(item, terms, intent)))
    case = ITEM_RE.sub("", case).rstrip("；;。 ")
    # Each item is one of the 行为 the heading names: "……标志" reads as the case "……标志的".
    return f"{case if case.endswith('的') else case + '的'}，{m.group('rule').rstrip(':')}。"


# "下列财产不得抵押：": the heading's rule holds for each item, read as 「宅基地……的使用权不得抵押」.
ITEM_RULE_RE = re.compile(r"^(?P<pre>[^：]*?)下列[^：，；]{0,8}?(?P<rule>(?:不得|禁止|严禁|不予|可以|应当|必须)[^：，；]*)[：:]$")


def _item_sentence(unit: Unit, clause: str) -> str | None:
    """A list item read with the rule its heading states of every item, when the item (up to its
    first comma) states none of its own."""
    m = ITEM_RULE_RE.match(unit.text)
    if m is None:
        return None
    main, comma, rest = ITEM_RE.sub("", clause).partition("，")
    if PREDICATE_RE.search(main):
        return None
    return f"{m.group('pre')}{main.rstrip('；;。')}{m.group('rule')}{comma}{rest}".rstrip("；;。")


# "申请人应当提交下列材料，并对……负责：": what the list is of, said before 下列 by a verb of listing.
LIST_OF_RE = re.compile(r"^(?P<head>[^：]*?(?:提交|提供|包括|包含|具备|具有|符合|载明|写明|公开))[，,]?下列(?!.{0,12}之一)")


def _list_body(unit: Unit, budget: int) -> str | None:
    """A list asked for whole (材料, 哪些) as one line: 「申请人应当提交：登记申请书；……等」,
    「不动产登记机构应当不予登记的情形：……等」; None when not even one item fits."""
    if cases := LIST_CASES_RE.match(unit.text):
        head = f"{cases.group('rule').rstrip(':：')}的情形"  # 「……不予登记的情形：……」
    elif (m := LIST_OF_RE.match(unit.text)) and m.group("head"):
        head = m.group("head")
    else:
        return None
    body = f"{head}："
    items = [ITEM_RE.sub("", item).rstrip("；;。 ") for item in unit.items]
    for i, item in enumerate(items):
        more = "等" if i + 1 < len(items) else ""
        if len(body) + len(item) + len(more) + 1 > budget:
            return body.rstrip("；") + "等" if i else None
        body += f"{item}；"
    return body.rstrip("；")


def _with_heading(unit: Unit, item: str) -> str:
    """A list item read as the heading says it: 「承包方享有下列权利：依法享有……」."""
    return f"{unit.text.rstrip('：: ')}：{ITEM_RE.sub('', item)}"


def summarise(question: str, hit: Hit, unit: Unit, terms: set[str], intent: Intent) -> str:
    """One sentence of at most SUMMARY_CHARS, conclusion first, the law by its short name."""
    cite = f"（{short_citation(hit)}）"
    if unit.items and (intent.enumeration or intent.primary == "materials"):
        if (listed := _list_body(unit, SUMMARY_CHARS - len(cite))) is not None:
            return f"{listed}{cite}"
    text = _as_sentence(unit, terms, intent)
    # The law's own subject (地质灾害 in 地质灾害防治条例) is in every clause of it: it says nothing
    # of whether a clause is about what was asked.
    subject = {t for t in _subject_terms(terms) if t not in hit.title}
    # Nor does that subject choose the clause when only the dictionary brought it (地灾 → 地质灾害).
    clause_terms = {t for t in terms if t in question or t not in hit.title}
    tried = []
    # What a 要……吗 question asks is needed (批准), or the act a 谁 question asks who does (审批); the
    # acts a 能不能 question names when it names several; the times the caller gives of their case.
    wanted = _needed(question, terms) | frozenset(_who_act_forms(question))
    acts = _asked_act(question, terms) if PERMISSION_Q_RE.search(question) else set()
    several_acts = frozenset(acts) if len(acts) > 1 else frozenset()
    times = _times_given(question)
    for extend in (True, False):
        # The matter with its rule when both fit whole; cut, the rule could lose its subject.
        clause = _answer_clause(text, clause_terms, intent, extend, wanted, several_acts, times)
        if unit.items and ITEM_RULE_RE.match(unit.text) and clause in unit.text:
            # The heading's rule alone (「下列财产不得抵押」) leaves out what the caller asked about.
            item = _item_touched(unit, terms)
            if _overlap(item, terms) > 0:
                clause = item
        if unit.items and ITEM_RE.match(clause):
            if (sentence := _item_sentence(unit, clause)) is not None:
                clause = sentence
            elif "，" not in clause and not PREDICATE_RE.search(clause):
                # An item that is a bare name (「(二)历史文化街区」) is no answer read out alone: the
                # heading says what the list is for.
                clause = _answer_clause(unit.text, terms, intent, extend)
            else:
                # Nor is an item that rules (「（一）依法享有……的权利」): the heading says whose right it is.
                clause = _with_heading(unit, clause)
        lead = _lead(clause, text, question, intent, subject, terms)
        said = lead.removeprefix("金额：").rstrip("。") if lead.startswith(("由", "金额：")) else ""
        if said and said in clause and len(clause) + len(cite) <= SUMMARY_CHARS:
            lead = ""  # the clause, read out whole, says who or how much itself: 「……，由乡（镇）人民政府审核批准」
        tried.append((clause, lead))
        if len(lead) + len(clause) + len(cite) <= SUMMARY_CHARS and (
                extend or PREDICATE_RE.search(clause) or not PREDICATE_RE.search(tried[0][0])):
            break
    else:
        # Neither fits whole, or only the matter alone does (「本条例所称地质灾害」 says nothing): the
        # shorter run when it has its rule, else the rule cut to fit.
        clause, lead = tried[1] if PREDICATE_RE.search(tried[1][0]) else tried[0]
    who = lead.rstrip("。") if lead.startswith("由") else ""
    if who and who in clause and len(before := clause[:clause.find(who)].rstrip("，；")) >= SHORT_RULE_CHARS:
        clause = before  # cut, the clause would say who again after the lead has: the matter instead
    if unit.items and "下列" in clause and clause in unit.text:
        # A heading read out alone (「矿山企业应当完成下列工作」, 「下列不动产权利」) says nothing: the
        # heading whole, then the item the question touches most, else the first, says what the list is.
        item = _item_touched(unit, terms)
        clause = _with_heading(unit, item).rstrip("；;。")
    if intent.primary == "deadline" and not lead and (m := TIME_RE.search(clause)) and clause in text \
            and (timed := _to_sentence_end(text[text.find(clause) + m.start():])) != m.group(0):
        # A time set for another act than the one asked about is read with that act, never alone:
        # 「……十五日内，依法向人民法院提起行政诉讼」, not 「……十五日内」 to a question about 复议. A time
        # that ends its sentence (「征求意见期限不得少于30日」) is read with the period it names.
        clause = "…" + timed
    # A law the rule refers to is named short too: 《物权法》, not 《中华人民共和国物权法》.
    clause = clause.replace("《" + CN_PREFIX, "《")
    budget = SUMMARY_CHARS - len(cite) - len(lead)
    # "但禁止……" read out after its conclusion: the 但 points back to a sentence not read.
    clause = re.sub(r"^(?:但是|但)[，,]?", "", clause)
    body = re.sub(r"^(?:并且|并)", "", _fit(clause, budget, terms, intent)) if budget >= 8 else ""
    summary = f"{lead}{body}{cite}"
    return summary if len(summary) <= SUMMARY_CHARS else f"{lead}{cite}"[:SUMMARY_CHARS]


def _states(kind: Kind, text: str, question: str) -> bool:
    """Whether a quote gives the kind of answer asked for, not merely touches its subject:
    a 期限 answer has a time expression, a 能不能 answer says 可以 or 不得."""
    if kind == "yes_no":
        if PERMISSION_Q_RE.search(question):
            return bool(MODAL_RE.search(text))
        return bool(ANSWER_PATTERNS[kind].search(text))
    if kind == "deadline":
        return any(not _makes_up_for_delay(text, m.start(), question) and not _bars_late_claims(text, m)
                   for m in TIME_RE.finditer(text))
    if kind == "fee" and AMOUNT_Q_RE.search(question):
        # 「应当收取诉讼费用」 says that it costs, not how much; 「按件收取」 says how it is charged.
        return _says_price(text) or bool(CHARGED_BY_RE.search(text))
    pattern = _stating(kind, OWNER_RE.search(question) is not None)
    return pattern is None or bool(pattern.search(text))


def _concludes(kind: Kind | None, summary: str, question: str) -> bool:
    """Whether a summary gives the kind of answer asked for, as far as a sentence can show it."""
    body = CITED_RE.sub("", summary)
    if body.endswith("…") and not PREDICATE_RE.search(body):
        return False  # cut before its rule (「征收农村集体土地时未就被征收土地上…」): it concludes nothing
    if LIST_HEAD_END_RE.search(body):
        return False  # 「……给予的补偿包括」: a list's heading without its items says nothing yet
    if FRAGMENT_RE.search(body.rstrip("，；：。…")) and not PREDICATE_RE.search(body):
        return False
    if EXCEPTION_ONLY_RE.fullmatch(body.rstrip("。…；，")):
        return False  # 「属于城市公共道路……的除外」: an exception read out without its rule
    if DEFINES_RE.search(body) and not WHAT_IS_Q_RE.search(question):
        return False  # 「……是指……」 says what a word means, which only 什么是 asks
    if kind == "who":
        # 谁来定 is answered by whoever 制定/确定 it, not by anyone the sentence names.
        forms = _who_act_forms(question)
        named = OWNED_RE if OWNER_RE.search(question) else BODY_RE if BODY_Q_RE.search(question) else SOMEONE_RE
        return bool(named.search(body)) and (not forms or any(f in body for f in forms))
    if kind == "deadline":
        # A time read out without 时限 first is set for another act (「…十五日内，向人民法院起诉」 to
        # how long one has to pull a building down); one in another unit or for another period
        # (「届满前一年申请续期」 to how long a land grant lasts) is not the one asked.
        return summary.startswith(DEADLINE_LEAD) and _has_asked_unit(body, question)
    if kind == "materials":
        # What the office issues (「……核发不动产权属证书或者登记证明」) is not what the caller brings.
        return _states(kind, ISSUED_RE.sub("", body), question)
    return not _conclusive(kind, question) or _states(kind, summary, question)


def _says_price(text: str) -> bool:
    return bool(FREE_RE.search(text) or AMOUNT_RE.search(text))


def _conclusive(kind: Kind | None, question: str) -> bool:
    """Kinds whose answer is unmistakable in a sentence: a time, an amount, a sanction, a document to
    hand in, 可以/不得 to a permission question, whose a thing is to a 归谁 question. "由……负责" or
    "属于" are not: they also name who or what is asked about."""
    return kind in ("deadline", "fee", "penalty", "materials") or (
        kind == "yes_no" and bool(PERMISSION_Q_RE.search(question))) or (
        kind == "who" and bool(OWNER_RE.search(question)))


def _subject_terms(terms: set[str]) -> set[str]:
    """The question's words that name its subject: the kinds' cue words (期限, 费用, 谁) and words
    of any rule (规定, 依法) do not, or a 期限 question would take any article's time limit as its
    answer."""
    return {t for t in terms if len(t) >= 2 and t not in GENERIC_TERMS
            and not any(p.fullmatch(t) for p in ASK_PATTERNS.values())}


def _shared(text: str, terms: set[str]) -> int:
    return sum(1 for t in _subject_terms(terms) if t in text)


def _exception_after(chosen: _Scored, scored: list[_Scored]) -> _Scored | None:
    """The exception that follows a rule in its 款 ("但是……", "……除外。"): without it the rule
    reads as absolute."""
    after = next((s for s in scored if s.index == chosen.index + 1), None)
    if after and after.unit.paragraph == chosen.unit.paragraph and (
            EXCEPTION_RE.match(after.unit.text) or EXCEPTED_RE.search(after.unit.text)):
        return after
    return None


def _with_context(chosen: _Scored, scored: list[_Scored]) -> list[_Scored]:
    """A quote with the rule it qualifies and the exception that qualifies it."""
    rule = _rule_of(chosen, scored)
    exception = _exception_after(rule, scored) if rule is chosen else None
    return [s for s in (rule, chosen, exception) if s is not None]


def _asked_in_stating_clause(kind: Kind, text: str, terms: set[str]) -> float:
    """How much of the question the clause that holds a time limit names: 「……并至少每三年调整……」
    answers how often 标准 are 调整, 「公告时间不少于三十日」 does not. 0 for other kinds."""
    if kind != "deadline":
        return 0.0
    return max((_overlap(c, _subject_terms(terms)) for c in _clauses(text) if TIME_RE.search(c)), default=0.0)


def _missing_kind_quote(kind: Kind, question: str, terms: set[str],
                        ranked: list[tuple[Hit, list[_Scored]]]) -> tuple[int, _Scored] | None:
    """The best sentence of any given article that states `kind` and shares at least two of the
    question's words, by its own score, then by retrieval order."""
    found = [(a, s) for a, (_, scored) in enumerate(ranked) for s in scored
             if _states(kind, s.unit.quote(), question) and _shared(s.unit.quote(), terms) >= MIN_SHARED]
    return min(found, key=lambda f: (-f[1].score, f[0]), default=None)


def _answering(scored: list[_Scored], first: bool) -> list[_Scored]:
    """An article's sentences that answer: its best and those scoring at least half as well
    (a rule's other half, 拒不交纳的……, often sits in the next sentence); the first article
    whole when short."""
    best = scored[0]
    whole = first and sum(len(s.unit.quote()) for s in scored) <= SHORT_ARTICLE_CHARS
    return [best, *(s for s in scored[1:MAX_TOP_UNITS] if whole or s.score >= max(best.score * 0.5, 1.0))]


def _sanction_for(act: str, label: str, sanctions: list[Hit]) -> tuple[Hit, _Scored, tuple[int, ...] | None] | None:
    """The sentence (or list item, with its heading) of a sanction article for breaking the
    article `label`: one that cites it ("违反本条例第十二条规定"), else the one that names the
    forbidden act best, repeating at least SANCTION_MATCH of its character pairs."""
    wanted = char_pairs(act)
    cites = re.compile(f"违反本(?:法|条例|办法|规定|细则){label}")
    candidates = [(1.0 if cites.search(unit.text) else len(wanted & char_pairs(piece)) / len(wanted),
                   hit, _Scored(unit, 0.0, i), keep)
                  for hit in sanctions for i, unit in enumerate(units(hit.text)) if STATES["penalty"].search(unit.text)
                  for keep, piece in ([(None, unit.text)] if not unit.items
                                      else [((j,), item) for j, item in enumerate(unit.items)])]
    best = max(candidates, key=lambda c: c[0], default=None)
    return best[1:] if best is not None and best[0] >= SANCTION_MATCH else None


def _sanction_of_prohibition(taken: dict[int, dict[int, _Scored]], top_hit: Hit,
                             sanctions: Callable[[Hit], list[Hit]]) -> tuple[Hit, _Scored, tuple[int, ...] | None] | None:
    """The sanction for the first act the top article's quotes forbid, unless a quote already
    states one."""
    if any(STATES["penalty"].search(s.unit.quote()) for quotes in taken.values() for s in quotes.values()):
        return None
    forbidding = next((m.group(1) for s in sorted(taken[0].values(), key=lambda s: s.index)
                       if (m := FORBIDDEN_ACT_RE.search(s.unit.text))), None)
    return _sanction_for(forbidding, top_hit.label, sanctions(top_hit)) if forbidding else None


def _take_remedy_time(question: str, intent: Intent, terms: set[str], ranked: list[tuple[Hit, list[_Scored]]],
                      take: Callable[[int, list[_Scored]], None], remedies: Callable[[str], list[Hit]]) -> None:
    """How long one has to seek a remedy the quoted rules only name (「可以依法申请行政复议」) is for
    the law that governs it to say: the first of its sentences that sets the time for the asked
    remedy is quoted (a law states the general period before its exceptions), from a retrieved
    article of that law or from one the search did not reach."""
    for act in sorted(_asked_acts(question) & REMEDIES):
        found = next(((hit, scored, s) for hit in remedies(act) if (scored := _ranked_units(hit, terms, intent))
                      for s in sorted(scored, key=lambda s: s.index) if _sets_time_for_asked(question, s.unit.quote())),
                     None)
        if found is None:
            continue
        hit, scored, chosen = found
        a = next((a for a, (h, _) in enumerate(ranked) if h.passage_id == hit.passage_id), None)
        if a is None:
            ranked.append((hit, scored))
            a = len(ranked) - 1
        take(a, [next(s for s in ranked[a][1] if s.index == chosen.index)])
        return


def compose(question: str, intent: Intent, terms: set[str], hits: list[Hit],
            max_articles: int = 3, sanctions: Callable[[Hit], list[Hit]] | None = None,
            remedies: Callable[[str], list[Hit]] | None = None) -> Composition:
    """Summary from the best article; points from every article the question needs.
    `sanctions(hit)` gives the articles of the hit's law that sanction breaking it, `remedies(act)`
    those of the law that governs a remedy (复议, 诉讼)."""
    if not hits:
        return Composition("", [], [])
    terms = {t for t in terms if not FRAME_RE.fullmatch(t)}
    if intent.wants("who"):
        # 「哪个部门负责」 asks who; its 部门 and 负责 name no subject, or 「……主管部门指定办理」 of an
        # exception outscores the rule 「……由……登记机构办理」.
        cues = [m.group() for m in ASK_PATTERNS["who"].finditer(question)]
        terms = {t for t in terms if not any(t in cue for cue in cues)}
    terms |= {t.replace("两", "二") for t in terms if "两" in t}  # 满两年 is the statute's 满二年
    ranked = [(hit, _ranked_units(hit, terms, intent)) for hit in hits[:max_articles]]
    ranked = [(h, r) for h, r in ranked if r]
    if not ranked:
        return Composition("", [], [])
    top_hit, top_units = ranked[0]
    taken: dict[int, dict[int, _Scored]] = {}

    def take(a: int, chosen: list[_Scored]) -> None:
        for s in chosen:
            for c in _with_context(s, ranked[a][1]):
                taken.setdefault(a, {})[c.index] = c

    take(0, _answering(top_units, first=True))
    # Another article earns lines when the question has several parts or kinds, or when it
    # answers the question as well as the first does (the same rule in national and Beijing law).
    several = intent.parts > 1 or intent.wants("compare")
    for a, (hit, scored) in enumerate(ranked[1:], start=1):
        if (hit.score >= top_hit.score - RETRIEVAL_MARGIN and scored[0].score > 0
                and scored[0].score >= top_units[0].score * (0.6 if several else 0.9)):
            take(a, _answering(scored, first=False))

    # Every kind asked for is stated: a 期限 question quotes a time limit even when it sits in
    # the second or third article, a 能不能 question a 可以/不得 sentence.
    for kind in intent.kinds:
        if any(_states(kind, s.unit.quote(), question) for quotes in taken.values() for s in quotes.values()):
            continue
        found = _missing_kind_quote(kind, question, terms, ranked)
        if found is None:
            continue
        a, chosen = found
        take(a, [chosen] if a in taken else [chosen, *_answering(ranked[a][1], first=False)])

    # A time for the act asked about (起诉) comes from a retrieved article of the same law that sets
    # one, when the quoted ones only set times for other acts (「行政机关……两个月内不履行的」).
    if intent.primary == "deadline" and not any(_sets_time_for_asked(question, s.unit.quote())
                                                for quotes in taken.values() for s in quotes.values()):
        timed = [(a, s) for a, (hit, scored) in enumerate(ranked) if a not in taken and hit.title == top_hit.title
                 for s in scored
                 if _sets_time_for_asked(question, s.unit.quote()) and _shared(s.unit.quote(), terms) >= MIN_SHARED]
        if timed:
            a, chosen = min(timed, key=lambda f: (-f[1].score, f[0]))
            take(a, [chosen])
        elif remedies is not None and not any(_times_asked_act(question, s.unit.quote())
                                              for quotes in taken.values() for s in quotes.values()):
            _take_remedy_time(question, intent, terms, ranked, take, remedies)

    # A 材料 question hears every sentence of a quoted article that says what to submit: the one
    # that adds a document in some cases (还应当提交……) sits apart from the general list.
    if intent.wants("materials"):
        for a in list(taken):
            take(a, [s for s in ranked[a][1] if SUBMIT_RE.search(s.unit.text)])

    # A time limit comes with what happens when it is missed (逾期不补正的，视为放弃).
    if intent.wants("deadline"):
        for a, quotes in list(taken.items()):
            if any(TIME_RE.search(s.unit.quote()) for s in quotes.values()):
                take(a, [s for s in ranked[a][1] if MISSED_RE.search(s.unit.text)])

    # "能不能……" answered 不可以 (or a 处罚 question answered by the prohibition alone) comes with
    # what breaking the rule costs, from the same law's 法律责任 chapter.
    sanction: tuple[int, _Scored] | None = None
    if sanctions is not None and (intent.wants("yes_no") or intent.wants("penalty")):
        found = _sanction_of_prohibition(taken, top_hit, sanctions)
        if found is not None:
            hit, chosen, items = found
            if items is not None:  # one case of a list of cases: its heading and that item
                chosen = replace(chosen, unit=replace(chosen.unit, items=tuple(chosen.unit.items[i] for i in items)))
            a = next((a for a, (h, _) in enumerate(ranked) if h.passage_id == hit.passage_id), None)
            if a is None:
                ranked.append((hit, [chosen]))
                a = len(ranked) - 1
            taken.setdefault(a, {})[chosen.index] = chosen
            sanction = (a, chosen)

    order = sorted(taken)
    points = [Point(s.unit.quote(_best_items(s.unit, terms, intent)), n, short_citation(ranked[a][0]))
              for n, a in enumerate(order, start=1)
              for s in sorted(taken[a].values(), key=lambda s: s.index)]
    # The conclusion comes from the sentence that gives the kind of answer asked for: the top
    # article's best when it does, else the best quoted one that does. A 可以/不可以 is read
    # out as the answer, so it is taken from another article only for a time or an amount.
    source, lead = 0, _lead_unit(question, top_units, terms)
    # A time set for another act than the one asked (「……十五日内……提起行政诉讼」 to a 复议 question)
    # gives way to a quoted one set for it.
    other_act = intent.primary == "deadline" and not _sets_time_for_asked(question, lead.unit.quote()) and any(
        _sets_time_for_asked(question, s.unit.quote()) for a in order for s in taken[a].values())
    if _conclusive(intent.primary, question) and (other_act or not _states(intent.primary, lead.unit.quote(), question)):
        # Another article's time or amount is read out only when it is about the caller's subject:
        # 耽误起诉期限……十日内 is no answer to how long a 过户 takes.
        stating = [(a, s) for a in order for s in taken[a].values()
                   if _states(intent.primary, s.unit.quote(), question) and (
                       a == 0 or intent.primary != "yes_no" and _shared(s.unit.quote(), terms) >= MIN_SHARED)]
        if stating:
            source, chosen = min(stating, key=lambda f: (
                not (intent.primary == "deadline" and _sets_time_for_asked(question, f[1].unit.quote())),
                -_asked_in_stating_clause(intent.primary, f[1].unit.quote(), terms), -f[1].score, f[0]))
            lead = _rule_of(chosen, ranked[source][1])
    if intent.primary == "deadline" and not _has_asked_unit(lead.unit.quote(), question):
        # 「多少年」 is answered in years: the quoted sentence that gives one, of this article or of
        # another about the caller's subject.
        in_unit = [(a, s) for a in order for s in taken[a].values() if _has_asked_unit(s.unit.quote(), question)
                   and (a == source or _shared(s.unit.quote(), terms) >= MIN_SHARED)]
        if in_unit:
            source, chosen = min(in_unit, key=lambda f: (f[0] != source, -f[1].score, f[0]))
            lead = _rule_of(chosen, ranked[source][1])
    if intent.primary == "fee" and not _says_price(lead.unit.quote()):
        # 「不收取费用」 or an amount answers a 费用 question; 「收取信息处理费的具体办法由……制定」 only
        # names a fee, however many of the question's words it shares. This article's, else another
        # quoted one's of the same law about the caller's subject: 「……摊派费用……」 does not say
        # whether 复议 costs, and 政府信息 being free says nothing of 不动产登记资料.
        law = ranked[source][0].title
        priced = [(a, s) for a in order for s in taken[a].values() if _says_price(s.unit.quote()) and (
            a == source or ranked[a][0].title == law and _shared(s.unit.quote(), terms) >= MIN_SHARED)]
        if priced:
            source, chosen = min(priced, key=lambda f: (f[0] != source, -f[1].score, f[1].index))
            lead = _rule_of(chosen, ranked[source][1])
    if intent.primary == "penalty" and sanction is not None:
        # 「……怎么处罚」 answered by a prohibition: what is read out is the sanction for breaking it.
        source, lead = sanction
    summary = summarise(question, ranked[source][0], lead.unit, terms, intent)
    concluded = _answers_as_asked(question, intent, summary, lead.unit.quote(), lead.unit.items, terms)
    return Composition(summary, points, [ranked[a][0] for a in order], concluded)


def _answers_as_asked(question: str, intent: Intent, summary: str, rule: str, items: tuple[str, ...],
                      terms: set[str]) -> bool:
    """Whether the summary, read from the sentence `rule`, answers what the caller asked, as far as
    sentences can show it: the kind of answer (_concludes), and what each kind of question needs
    named besides."""
    body = CITED_RE.sub("", summary)
    if not _concludes(intent.primary, summary, question):
        return False
    # A caller who disagrees (不服, 有异议) asks where to turn: a sentence that names no remedy does not say.
    if intent.dispute and not REMEDY_RE.search(rule):
        return False
    # Nor does one that names nothing of what a 要……吗 question asks is needed (审批, 登报), or a 可以
    # about another act than the one a 能不能 or 违法吗 question asks of (盖大棚: 「……可以……将承包地交回」).
    if intent.primary == "yes_no":
        if PERMISSION_Q_RE.search(question) or ILLEGAL_Q_RE.search(question):
            if not _names_asked_act(question, body, terms):
                return False
        elif will := WILL_Q_RE.search(question):
            if not _names_act(body, _will_acts(question, will, terms)):
                return False
        elif needed := _needed(question, terms):
            # What is needed is named last (「需要说明用途吗」: 用途), and the rule read out must name it:
            # 「……说明理由」 names the act, not the thing.
            if not (_names_needed(body, needed) and _names_needed(rule, frozenset({max(needed, key=question.rfind)}))):
                return False
    # A 哪些 question with no other kind is answered by a list, not by one rule about the matter.
    if not intent.kinds and intent.enumeration and not items and not LISTS_RE.search(body):
        return False
    # A time read out for none of the acts the caller names (注销: 「……十日内……受偿」) is another act's.
    asked = _asked_acts(question) if intent.primary == "deadline" else set()
    if asked and not _acts(body) & asked and not _sets_time_for_asked(question, rule):
        return False
    # 「……被收回了怎么办」, 「……到期不还怎么办」: a wrong done to the caller is answered by where to turn or
    # what the wrongdoer faces, not by another rule about the matter (「临时用地由……批准」).
    if GRIEVANCE_Q_RE.search(question) and not (REMEDY_RE.search(rule) or REDRESS_RE.search(rule)):
        return False
    if intent.primary == "procedure":
        step = STEP_Q_RE.search(question)
        if step and step.group(1) not in body and step.group(1) not in rule:
            return False
    # A how-to, 谁 or 哪个部门 question is not answered by a rule for a case the caller never described:
    # 「……怎么过户」 by 「因处分抵押房地产而取得……的，应当……办理过户登记」, where to report sand dug at night by
    # 「对破坏、侵占湿地的行为，有权向……举报」.
    if ((intent.primary == "procedure" or intent.wants("who") or BODY_Q_RE.search(question))
            and _case_not_described(question, rule, terms)):
        return False
    if SURCHARGE_RE.search(body) and not UNPAID_Q_RE.search(question):
        return False
    # 「以哪个为准」 asks which prevails: 「……应当与不动产登记簿一致」 does not say, 「……以不动产登记簿为准」 does.
    if PREVAILS_Q_RE.search(question) and not PREVAILS_RE.search(body):
        return False
    # 「有什么用」 asks what the act does for the caller: 「……可以申请预告登记」 only says that it may be done.
    if EFFECT_Q_RE.search(question) and not EFFECT_RE.search(body):
        return False
    # 「要赔吗」 is answered by who compensates whom, not by the prohibition that was broken.
    if COMPENSATION_Q_RE.search(question) and not COMPENSATION_RE.search(body):
        return False
    # A few words that ask nothing (「占地补偿」, 「林地改耕地」) are answered only by a rule that names each
    # of them, itself or through the statute word it was expanded to: 「占有人……补偿金」 names 补偿, not 占地.
    if (not intent.kinds and len(question) <= TERSE_CHARS and not ASKING_RE.search(question)
            and not QUANTITY_Q_RE.search(question) and not _names_each(question, rule, terms)):
        return False
    if STANDARD_Q_RE.search(question) and not (QUANTITY_RE.search(body) or _says_price(body)):
        return False
    # 「……证丢了怎么办」 needs a rule on replacing it, not one on issuing it.
    if LOST_Q_RE.search(question) and not REISSUE_RE.search(rule):
        return False
    # A rule for what happens while doing something (勘查、开采矿产资源时发现文物的) is no answer to a
    # caller who never said they were doing it (「发现古墓葬应该报告给谁」).
    if _unasked_circumstance(question, rule, terms):
        return False
    # 「期限能延长吗」 is answered by the rule that extends it, not by the period itself.
    if EXTENSION_RE.search(question) and not EXTENSION_RE.search(rule):
        return False
    return not (QUANTITY_Q_RE.search(question) and not QUANTITY_RE.search(body))
