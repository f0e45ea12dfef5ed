"""What a caller asks for: the kind of answer (期限, 费用, 谁负责, 能不能, 材料, 流程, 处罚, 比较)
and whether the question has several parts. It steers which sentences of an article answer
(a 期限 question needs the sentence with the time expression) and how the summary opens."""

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["deadline", "fee", "who", "yes_no", "materials", "procedure", "penalty", "compare"]

# Spoken and written cues, most specific first. A question may carry several kinds.
# 给不给, 批不批, 赔不赔: a verb, 不, the verb again, asks whether it is done. 是不是, 会不会, 算不算,
# 有没有 and 要不要 are asks of their own kinds.
A_NOT_A = r"(?![是会算有要需用得])([\u4e00-\u9fff])不\1"
ASK_PATTERNS: dict[Kind, re.Pattern] = {
    "deadline": re.compile(r"多久|多长时间|多少天|几天|几日|几个月|几年|多少年|多少个?月|年限|工作日|几个?小时|"
                           r"多少个?小时|几周|期限|时限|时效|什么时候|何时|多少日|时间|"
                           r"截止|过期|超过.{0,6}还|来得及|逾期|有效期|期(?:限|间)?(?:是|有|为)?多长"),
    "fee": re.compile(r"多少钱|费用|收费|收钱|要钱|交钱|花钱|掏钱|免费|[交缴付]费|价格|费是|税费|标准是多少|[补赔给罚交缴收付]多少"),
    "who": re.compile(r"谁|哪个部门|哪个单位|哪些部门|找哪|去哪|哪里|哪儿|哪个法院|管辖|归.{0,4}管|负责|主管"),
    # 资料 alone is no ask: 「查询不动产登记资料收费吗」 asks about a fee.
    "materials": re.compile(r"材料|证件|(?:带|准备|提交|提供|交|写|填)(?:什么|哪些|啥)|要带|(?:什么|哪些|要.{0,4})资料|证明|清单"),
    "penalty": re.compile(r"罚|后果|责任|追究|查处|没收|坐牢|会怎么?样[？?]?$|被(?:怎么|如何|怎样)?处理|会(?:怎么|如何|怎样)处理"),
    "compare": re.compile(r"还是|区别|不同(?!意)|分别|哪个(?:更|先)|和.{1,12}各"),  # 「我和妹妹都想继承」 compares nothing
    # The yes/no frame wraps most specific asks ("有没有时间要求"), so it comes after them.
    "yes_no": re.compile(r"能不能|能否|可不可以|可以.{0,12}吗|能.{0,12}吗|是否|算不算|算.{0,8}吗|是不是|"
                         r"合法吗|违法吗|违规吗|允许|行不行|有没有|要不要|需不需要|会不会|有效吗|吗[？?]?$|" + A_NOT_A),
    "procedure": re.compile(r"怎么办|如何|怎么|怎样|流程|程序|手续|步骤|办理|途径|渠道|办法|拆除"),
}

# A length of time as statutes and callers write it (30日, 三十个工作日, 二年, 半年), in one place for
# the question's kinds, the composer's time limits and retrieval's answer kinds.
NUMBER = r"[\d零〇一二两三四五六七八九十百]+|半"
# A figure as statutes write sums and counts (5000元, 一万元, 三处), up to 万.
FIGURE = r"[\d零〇一二两三四五六七八九十百千万]+"
UNIT = r"工作日|日|天|月|年|小时"
DURATION = f"(?:{NUMBER})(?:个)?(?:{UNIT})"

# What a sentence of an article must contain to answer a kind of question.
ANSWER_PATTERNS: dict[Kind, re.Pattern] = {
    "deadline": re.compile(f"{DURATION}|期限|期满|之日起|届满|及时|立即"),
    "fee": re.compile(r"费|元|收取|免收|无偿|有偿|价款|补偿款|标准|价格|百分之|倍(?:以上|以下)"),
    "who": re.compile(r"部门|人民政府|机关|机构|人民法院|委员会|组织|负责|管辖|由.{1,30}(?:审批|批准|核发|办理|登记)"),
    "yes_no": re.compile(r"不得|禁止|严禁|不予|不能|不准|无权|可以|(?<!所)有权|应当|必须|允许|准予|不属于|属于|有效|无效"),
    "materials": re.compile(r"材料|提交|提供|申请书|证明|证书|文件|资料|身份"),
    "procedure": re.compile(r"申请|审核|批准|审批|公告|登记|受理|报送|提出|办理|作出"),
    "penalty": re.compile(r"罚款|责令|没收|收缴|拘留|处分|吊销|追究|拆除|刑事责任|赔偿"),
    "compare": re.compile(r"之日起|[\d一二三四五六七八九十]+(?:个)?(?:日|月|年)|可以|应当"),
}

# Cues a question is about the caller's own file (needs a clerk with access, not a statute).
OWN_CASE_RE = re.compile(r"我(?:的|家的?|们的?|申请的|提交的|交的|报的|办的)|本人的")
CASE_STATUS_RE = re.compile(r"办理进度|审批进度|申请进度|审核进度|进度|办到哪|到哪一步|到哪了|审核通过了吗|批下来了吗|"
                            r"有结果了吗|什么时候有结果|办结了吗|受理编号|受理号|工单")
# "Will OUR area be demolished?": only the published decision can say, never a statute.
PREDICTION_RE = re.compile(r"给句准话|到底(?:拆不拆|征不征|批不批|能不能批)|(?:会不会|是不是要)(?:被)?(?:拆|征收|征地)|"
                           r"什么时候(?:拆|征收|征地)|(?:拆|征)不(?:拆|征)")
OWN_PLACE_RE = re.compile(r"我们|我家|咱们|这片|我们村|我们小区|我这")
# A rule asked in general: how long (多少天内办结), what the procedure is, what is required.
GENERAL_RE = re.compile(r"一般|通常|多久|期限|时限|规定|流程|需要|怎么|多少天|几天|多长时间|多少个?工作日|几个工作日|多少日")
# Disagreeing with a decision: what is asked is the remedy, whatever the decision was.
DISPUTE_RE = re.compile(r"不服|有异议|不认可|不同意|不满意")
# A sanction already imposed, the subject of another question (「处罚还执行吗」, 「罚款交到哪里」) …
IMPOSED_RE = re.compile(r"(?:处罚|罚款|罚单)(?:决定书?)?(?:还|能否|能不能|能|可以|可不可以|要不要|需要|怎么交|怎么缴|交到|"
                        r"缴到|交给|停止|暂缓|执行|减免|分期|撤销)")
# … unless the sanction itself is asked about too (「会被罚款吗」, 「罚多少」).
SANCTION_ASKED_RE = re.compile(r"怎么处罚|如何处罚|怎么罚|被罚|会罚|罚多少|罚款多少|处罚标准|罚款标准|后果|坐牢|追究")
# How much, not whether (「交多少诉讼费」, 「罚多少」): only an amount, or 不收费, answers it.
AMOUNT_Q_RE = re.compile(r"多少钱|[补赔给罚交缴收付]多少|标准是多少|多少一平|几块钱")
# 「……归谁」, 「是谁的」, 「补偿款给谁」: who owns a thing or receives a sum, not which authority acts (归谁管).
OWNER_RE = re.compile(r"归谁(?!管|负责)|属于谁|是谁的|谁所有|谁享有|(?:钱|款|费)[^，。？?]{0,4}给谁|归[^，。？?]{1,8}还是")
# "Which ones": the caller wants every item of a list, not the one that shares their words.
ENUMERATION_RE = re.compile(r"哪些|哪几|什么内容|包括什么|包含什么|有什么(?:条件|要求|情形)|什么条件|都有什么|都要什么")


@dataclass(frozen=True)
class Intent:
    kinds: tuple[Kind, ...]
    parts: int              # how many questions the caller put in one (？ and 还/另外 joins)
    personal_case: bool     # "where is MY application", "will OUR block be demolished" — a clerk must answer
    enumeration: bool = False  # "哪些/什么条件": every item of a list answers
    dispute: bool = False  # "对……不服": the caller disagrees with a decision and asks where to turn
    owner: bool = False  # "归谁": the 谁 asked is an owner or a payee

    @property
    def primary(self) -> Kind | None:
        return self.kinds[0] if self.kinds else None

    def wants(self, kind: Kind) -> bool:
        return kind in self.kinds


def analyse(question: str) -> Intent:
    """The kinds of answer asked for, in order of how specific they are."""
    kinds = tuple(k for k, pattern in ASK_PATTERNS.items() if pattern.search(question))
    owner = bool(OWNER_RE.search(question))
    if owner and "who" not in kinds:
        kinds = ("who", *kinds)  # 「车库归开发商还是业主」 asks who owns it, whoever it names
    dispute = bool(DISPUTE_RE.search(question))
    if dispute or IMPOSED_RE.search(question) and not SANCTION_ASKED_RE.search(question):
        # 「对罚款不服」 appeals a sanction and 「罚款能分期交吗」 asks how to meet one: neither asks what it is.
        kinds = tuple(k for k in kinds if k != "penalty")
    # 怎么 also opens yes/no and deadline questions ("怎么才能…多久"); the specific kind wins.
    if "procedure" in kinds and len(kinds) > 1 and not re.search(r"流程|程序|手续|步骤", question):
        kinds = tuple(k for k in kinds if k != "procedure")
    parts = max(1, len([p for p in re.split(r"[？?]|另外|还有|同时|以及", question) if len(p.strip()) >= 4]))
    personal = bool(CASE_STATUS_RE.search(question)) and (
        bool(OWN_CASE_RE.search(question)) or not GENERAL_RE.search(question)) or (
        bool(PREDICTION_RE.search(question)) and bool(OWN_PLACE_RE.search(question)))
    return Intent(kinds, parts, personal, bool(ENUMERATION_RE.search(question)), dispute, owner)
