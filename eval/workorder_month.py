"""A synthetic month of 12345 接诉即办 work orders for the planning & natural-resources desk.

Writes what the 12345 platform's work-order export looks like (the 20 Chinese columns in HEADERS,
in that order) for one calendar month, for benchmarks (classification, redaction, import
throughput) and for the monthly report's demo. No real citizen data is involved: names and
phone numbers are random, and 诉求内容 is recombined from the "train" rows of the hand-labelled
set eval/sets/workorders.jsonl (never its "heldout" rows, which stay unseen for evaluation),
with new addresses, numbers, names and phone numbers, so the category mix follows the labelled
set's skew.

    python -m eval.workorder_month --month 2026-11 --orders 3000 --out /tmp/m.csv
    python -m eval.workorder_month --month 2026-11 --orders 3000 --out /tmp/m.xlsx --seed 7

The month is exported as seen on the morning after it ends: orders from the last days are still
open (待接单/办理中), older ones are mostly answered, called back (回访) and archived.
Output is UTF-8 CSV with a BOM (opens in Excel) or XLSX; the same seed gives the same file.
`generate()` returns the rows with their labels (keys `_l1`, `_l2`, `_l3`, not written) for
benchmarks that need ground truth.
"""

import argparse
import bisect
import calendar
import csv
import datetime as dt
import json
import random
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
LABELLED = PROJECT_ROOT / "eval" / "sets" / "workorders.jsonl"

HEADERS = ["工单编号", "受理时间", "来源渠道", "诉求人", "联系电话", "诉求地址", "所属区", "街道乡镇", "诉求类型",
           "诉求内容", "派单单位", "承办单位", "办理时限", "工单状态", "答复时间", "答复内容", "回访联系情况",
           "回访解决情况", "回访满意度", "是否重复件"]
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
DISPATCHER = "市12345热线服务中心"
CHANNELS = {"电话": 70, "网络": 10, "APP": 9, "微信": 9, "领导信箱": 2}
REPEAT_SHARE = 0.10
LATE_SHARE = 0.055        # replies planned after 办理时限; moving replies into office hours adds ~2 points
UNREACHED_SHARE = 0.07     # 回访未联系上: 解决情况 and 满意度 stay empty, as in the platform

# --------------------------------------------------------------------------------------------
# Places: districts with resident population (10k, 2020 census, rounded) and their 街道/乡镇.
# --------------------------------------------------------------------------------------------
DISTRICTS = {
    "东城": (71, "东华门街道 景山街道 交道口街道 安定门街道 北新桥街道 东四街道 朝阳门街道 建国门街道 东直门街道 "
                 "和平里街道 前门街道 崇文门外街道 东花市街道 龙潭街道 体育馆路街道 天坛街道 永定门外街道"),
    "西城": (110, "西长安街街道 新街口街道 月坛街道 展览路街道 德胜街道 金融街街道 什刹海街道 大栅栏街道 天桥街道 "
                  "椿树街道 陶然亭街道 广安门内街道 牛街街道 白纸坊街道 广安门外街道"),
    "朝阳": (345, "建外街道 朝外街道 呼家楼街道 三里屯街道 左家庄街道 香河园街道 和平街街道 安贞街道 亚运村街道 "
                  "小关街道 酒仙桥街道 麦子店街道 团结湖街道 六里屯街道 八里庄街道 双井街道 劲松街道 潘家园街道 "
                  "垡头街道 大屯街道 望京街道 奥运村街道 东湖街道 首都机场街道 南磨房乡 高碑店乡 将台乡 太阳宫乡 "
                  "小红门乡 十八里店乡 平房乡 东风乡 来广营乡 常营乡 三间房乡 管庄乡 金盏乡 孙河乡 崔各庄乡 东坝乡 "
                  "黑庄户乡 豆各庄乡 王四营乡"),
    "海淀": (313, "万寿路街道 永定路街道 羊坊店街道 甘家口街道 八里庄街道 紫竹院街道 北下关街道 北太平庄街道 "
                  "学院路街道 中关村街道 海淀街道 青龙桥街道 清华园街道 燕园街道 香山街道 清河街道 花园路街道 "
                  "西三旗街道 马连洼街道 田村路街道 上地街道 曙光街道 温泉镇 四季青镇 西北旺镇 苏家坨镇 上庄镇"),
    "丰台": (202, "右安门街道 太平桥街道 西罗园街道 大红门街道 南苑街道 东高地街道 东铁匠营街道 六里桥街道 "
                  "丰台街道 新村街道 长辛店街道 云岗街道 方庄街道 宛平街道 马家堡街道 和义街道 卢沟桥街道 花乡街道 "
                  "成寿寺街道 石榴庄街道 玉泉营街道 看丹街道 五里店街道 青塔街道 北宫镇 王佐镇 长辛店镇"),
    "石景山": (57, "八宝山街道 老山街道 八角街道 古城街道 苹果园街道 金顶街街道 广宁街道 五里坨街道 鲁谷街道"),
    "门头沟": (39, "大峪街道 城子街道 东辛房街道 大台街道 王平镇 永定镇 龙泉镇 潭柘寺镇 军庄镇 妙峰山镇 雁翅镇 "
                   "斋堂镇 清水镇"),
    "房山": (131, "城关街道 新镇街道 向阳街道 东风街道 迎风街道 星城街道 拱辰街道 西潞街道 长阳镇 良乡镇 周口店镇 "
                  "琉璃河镇 阎村镇 窦店镇 石楼镇 河北镇 青龙湖镇 韩村河镇 长沟镇 大石窝镇 张坊镇 十渡镇 霞云岭乡 "
                  "史家营乡 大安山乡 佛子庄乡 南窖乡 蒲洼乡"),
    "通州": (184, "中仓街道 新华街道 北苑街道 玉桥街道 潞源街道 通运街道 文景街道 九棵树街道 临河里街道 杨庄街道 "
                  "潞邑街道 永顺镇 梨园镇 宋庄镇 张家湾镇 漷县镇 马驹桥镇 西集镇 台湖镇 永乐店镇 潞城镇 于家务回族乡"),
    "顺义": (132, "胜利街道 光明街道 石园街道 空港街道 双丰街道 旺泉街道 仁和镇 后沙峪镇 天竺镇 杨镇 牛栏山镇 "
                  "南法信镇 马坡镇 李桥镇 李遂镇 南彩镇 北务镇 大孙各庄镇 高丽营镇 木林镇 北小营镇 北石槽镇 "
                  "赵全营镇 龙湾屯镇 张镇"),
    "昌平": (227, "城北街道 城南街道 回龙观街道 龙泽园街道 史各庄街道 天通苑北街道 天通苑南街道 霍营街道 东小口镇 "
                  "北七家镇 阳坊镇 小汤山镇 南邵镇 崔村镇 百善镇 沙河镇 马池口镇 南口镇 流村镇 兴寿镇 延寿镇 十三陵镇"),
    "大兴": (199, "兴丰街道 林校路街道 清源街道 观音寺街道 天宫院街道 高米店街道 荣华街道 博兴街道 亦庄镇 旧宫镇 "
                  "西红门镇 瀛海镇 黄村镇 魏善庄镇 庞各庄镇 榆垡镇 礼贤镇 安定镇 采育镇 青云店镇 长子营镇 北臧村镇"),
    "怀柔": (44, "泉河街道 龙山街道 怀柔镇 雁栖镇 庙城镇 北房镇 杨宋镇 桥梓镇 怀北镇 汤河口镇 渤海镇 九渡河镇 "
                 "琉璃庙镇 宝山镇 长哨营满族乡 喇叭沟门满族乡"),
    "平谷": (46, "滨河街道 兴谷街道 平谷镇 峪口镇 马坊镇 金海湖镇 东高村镇 山东庄镇 南独乐河镇 大华山镇 夏各庄镇 "
                 "马昌营镇 王辛庄镇 大兴庄镇 刘家店镇 镇罗营镇 黄松峪乡 熊儿寨乡"),
    "密云": (53, "鼓楼街道 果园街道 密云镇 溪翁庄镇 西田各庄镇 十里堡镇 河南寨镇 巨各庄镇 穆家峪镇 太师屯镇 高岭镇 "
                 "不老屯镇 冯家峪镇 古北口镇 大城子镇 东邵渠镇 北庄镇 新城子镇 石城镇"),
    "延庆": (35, "百泉街道 香水园街道 儒林街道 延庆镇 康庄镇 八达岭镇 永宁镇 旧县镇 张山营镇 四海镇 千家店镇 "
                 "沈家营镇 大榆树镇 井庄镇 刘斌堡乡 大庄科乡 香营乡 珍珠泉乡"),
}
# Where village-type orders happen: population × a rough rural share, for villages in general and
# for mountain villages (地质灾害, 矿山, 山林).
RURAL_SHARE = {"朝阳": 0.15, "海淀": 0.1, "丰台": 0.1, "昌平": 0.35, "大兴": 0.4, "通州": 0.4, "顺义": 0.45,
               "房山": 0.5, "门头沟": 0.4, "怀柔": 0.5, "平谷": 0.6, "密云": 0.6, "延庆": 0.6}
MOUNTAIN_SHARE = {"门头沟": 0.9, "房山": 0.4, "怀柔": 0.7, "密云": 0.6, "延庆": 0.6, "平谷": 0.5, "昌平": 0.15,
                  "海淀": 0.03}
MOUNTAIN_L1 = {"地质灾害", "矿产资源", "林草湿地"}
OLD_TOWN = {"东城": 1, "西城": 1}
OLD_TOWN_RE = re.compile("胡同|四合院|大杂院|平房|院内")

VILLAGE_HEADS = list("东西南北前后大小上下中新")
VILLAGE_CORES = ["辛庄", "营", "各庄", "店", "屯", "坨", "河", "沟", "峪", "台", "堡", "务", "关", "柳树", "王庄",
                 "马坊", "石门", "白庙", "高庄", "桃园", "杏园", "柳营", "枣林", "槐树", "梨园", "马各庄", "赵家务",
                 "刘家河", "孙庄", "杨庄", "张家湾", "吴庄", "韩营", "周庄", "石窝", "水峪", "土城", "沙岭", "水泉"]
ESTATE_HEADS = ["金隅", "融泽", "华润", "阳光", "锦绣", "和谐", "幸福", "富力", "首开", "万科", "龙湖", "保利", "远洋",
                "翠微", "美林", "星河", "枫林", "嘉和", "康乐", "安华", "建新", "团结", "光华", "永安", "育新", "绿园",
                "丽景", "怡海", "清馨", "东方", "天恒", "京华", "晨光", "瑞祥", "合生", "燕京", "润泽", "春晖"]
ESTATE_TAILS = ["家园", "花园", "小区", "嘉园", "新城", "雅苑", "佳苑", "丽苑", "名苑", "公寓", "新村", "里"]
STEM_TAILS = ["北里", "南里", "东里", "西里", "一区", "二区", "三区", "小区", "家园", "新村"]
LOCALITY_SPOT_RE = re.compile(r"([一二三四五六七八九十]区)?(\d+号楼|\d+号院|\d+号|底商|东侧|西侧|南侧|北侧|西门|小区内|"
                              r"南门外|附近|院内)$")
VILLAGE_SPOTS = ["村东", "村西", "村南", "村北", "东街", "西街", "南街", "北街", "村委会附近", "村口"]
ESTATE_SPOTS = ["底商", "东侧", "西门", "小区内", "南门外", "北侧"]

SURNAMES = ("王 李 张 刘 陈 杨 赵 黄 周 吴 徐 孙 胡 朱 高 林 何 郭 马 罗 梁 宋 郑 谢 韩 唐 冯 于 董 程 曹 袁 邓 许 "
            "傅 沈 曾 彭 吕 苏 卢 蒋 蔡 贾 丁 魏 薛 叶 阎 余 潘 杜 戴 夏 钟 汪 田 任 姜 范 方 石 姚 谭 廖 邹 熊 金 "
            "陆 郝 孔 白 崔 康 毛 邱 秦 江 史 顾 侯 邵 孟 龙 万 段 雷 钱 汤 尹 黎 易 常 武 乔 贺 赖 龚 文").split()
GIVEN = ("伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀兰 霞 平 刚 桂英 建国 建华 国强 淑珍 玉兰 志强 秀英 "
         "海燕 丽娟 红梅 春生 德明 子涵 宇轩 梓萱 浩然 欣怡 佳怡 思远 晓东 立新 卫东 凤兰 桂芝 宝山 振华 永利 "
         "雪梅 学军 晓燕 金凤 玉珍 文博 一鸣 雨桐 婷 鹏 辉 斌 宁 琳 颖 瑞 凯 健 峰 蕾 颖慧 淑华 秋菊").split()
MOBILE_PREFIXES = ("130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 176 177 178 "
                   "180 181 182 183 185 186 187 188 189 191 198 199").split()

# --------------------------------------------------------------------------------------------
# Contents: spoken openers and closers added around recombined fragments.
# --------------------------------------------------------------------------------------------
OPENERS = ["你好，", "喂，你好，", "您好，我想反映个事儿。", "你好，我反映个情况。", "您好，我是{street}的居民，",
           "你好，我姓{surname}，", "喂？能听见吗？我说一下啊，", "同志你好，", "您好，麻烦记一下，"]
CLOSERS = {
    "投诉": ["请尽快处理。", "希望有关部门重视一下。", "麻烦给个答复。", "请给我回个电话。", "我要求有个说法。"],
    "举报": ["请依法查处。", "请尽快派人来看看。", "需要的话我可以带路。", "请替我保密。"],
    "咨询": ["谢谢。", "麻烦给解答一下。", "谢谢你们了。", "请相关部门给我回个电话说一下。"],
    "求助": ["求求你们帮帮忙。", "麻烦尽快联系我。", "谢谢，辛苦了。"],
    "建议": ["供参考。", "谢谢。", "希望能采纳。"],
}
REPEAT_OPENERS = ["我之前反映过这个问题，工单号{ref}，到现在还没解决，再反映一次：", "还是上次那个事，", "重复反映：",
                  "我上周就说过了，", "前几天反映过，工单号{ref}，"]
REPEAT_OPENERS_PHONE = ["第二次打电话了，", "之前打过12345，一直没人管，", "又打电话了，"]
CONTACT_LINES = ["我电话{tel}。", "联系电话{tel}，姓{surname}。", "有事打我手机{tel}。"]

# 答复内容: what the handling unit writes back. Questions and suggestions get an explanation; the
# other types get what was done, by category, or generic wording. True = solved, False = not.
CONSULT_REPLIES = {
    True: ["{date}，{unit}工作人员电话联系{caller}，就其咨询的{topic}相关问题进行了解答，告知了政策规定、办理条件和所需材料，"
           "诉求人表示清楚。",
           "{date}已电话联系{caller}，详细解释了相关政策，并告知办理地点、咨询电话及网上办理渠道，诉求人表示认可。",
           "经与诉求人沟通，已于{date}就其咨询事项作出解答，诉求人对答复无异议。"],
    False: ["{date}，{unit}工作人员电话联系{caller}进行了政策解释，告知该事项不符合现行办理条件，诉求人对答复不认可。",
            "经多次电话联系诉求人未接通，{unit}已于{date}通过短信告知相关政策及咨询渠道。"],
}
REPLIES = {
    "不动产登记": {
        True: ["经核实，诉求人反映的{topic}问题已协调登记窗口办理，{date}已电话告知{caller}办理结果。",
               "{date}，{unit}工作人员联系{caller}，核实了其登记材料，已开通绿色通道受理，诉求人表示满意。"],
        False: ["经核实，该项目因建设单位未完成规划核验及土地价款缴纳，暂不具备办理首次登记条件。{unit}已督促建设单位"
                "尽快补齐手续，{date}已将情况告知{caller}。",
                "{date}已电话联系{caller}，告知其申请材料不齐全，需补充相关证明后再行申请，诉求人对此不认可。"],
    },
    "违法建设": {
        True: ["接诉后，执法人员于{date}到现场核查，确认该建筑为未取得规划许可的违法建设，已下达限期拆除通知书，"
               "当事人已自行拆除，现场已恢复原状。",
               "经现场核查，诉求人反映的情况属实，{unit}已于{date}组织拆除，建筑垃圾已清运完毕。"],
        False: ["经现场核查，该建筑已立案调查，已向当事人送达限期拆除通知书，{unit}将按程序依法处置，{date}已将进展告知诉求人。",
                "{date}执法人员到现场核查，当事人提供了相关审批手续，正在进一步核实，暂无法认定为违法建设。"],
    },
    "物业与房屋": {
        True: ["{date}，{unit}约谈物业服务企业并到现场督促整改，诉求人反映的问题已处理完毕，已电话告知{caller}。",
               "经协调，相关责任单位已于{date}完成整改，诉求人表示认可。"],
        False: ["经核实，该问题涉及开发建设单位或物业服务企业的责任，{unit}已约谈相关单位并督促整改，{date}已告知诉求人后续流程。",
                "经核实，该问题属于民事纠纷，{unit}已于{date}组织双方调解未果，建议诉求人通过司法途径解决。"],
    },
    "征地拆迁与补偿": {
        True: ["经核实，诉求人反映的款项已于{date}发放到位，已电话告知{caller}。",
               "{date}，{unit}工作人员与{caller}面谈，解释了补偿安置政策及计算标准，并协调实施单位重新核对，诉求人表示认可。"],
        False: ["经核实，该项目补偿安置工作正在推进中，相关资金尚未全部到位，{unit}已协调实施主体加快进度，{date}已向诉求人说明情况。",
                "{date}已联系{caller}，告知该诉求涉及补偿协议争议，建议其通过协商、行政复议或诉讼等法定途径解决。"],
    },
}
GENERIC_REPLIES = {
    True: ["接诉后{unit}高度重视，安排专人于{date}到现场核实处理，问题已解决，已电话告知诉求人。",
           "经核实，诉求人反映的{topic}问题已于{date}处理完毕，已电话告知{caller}。"],
    False: ["经核实，诉求人反映的问题涉及历史遗留，需多部门协调解决，{unit}已列入台账持续跟进，{date}已告知诉求人。",
            "{date}，{unit}工作人员联系{caller}进行解释说明，告知相关政策规定，诉求人对答复不认可。",
            "经多次电话联系诉求人未接通，{unit}已于{date}通过短信告知办理情况。"],
}
SOLVED_BY_TYPE = {"咨询": 0.95, "求助": 0.8, "投诉": 0.74, "举报": 0.78, "建议": 0.9}
SOLVED_ADJUST = {"征地拆迁与补偿": -0.12, "信息公开与复议诉讼": -0.08, "热线与其他": -0.05, "宅基地与农村建房": -0.04}
DEADLINE_DAYS = {"咨询": ([1, 2, 3], [5, 3, 2]), "求助": ([3, 5, 7], [2, 4, 2]), "投诉": ([5, 7, 10, 15], [2, 4, 3, 1]),
                 "举报": ([7, 10, 15], [3, 4, 3]), "建议": ([7, 10, 15], [2, 3, 3])}
HOUR_WEIGHTS = [0.8, 0.4, 0.25, 0.2, 0.2, 0.35, 1.2, 3.5, 7, 9, 9.5, 8,       # 0:00 to 11:00
                5, 5.5, 8.5, 9, 8.5, 7, 5, 4.5, 4, 3.2, 2.2, 1.4]           # 12:00 to 23:00
SEASONAL_RE = re.compile("汛期|暴雨|雨季|下大雨|连着下了几天雨|泥石流|白蛾|这么热")
PHONE_RE = re.compile(r"(?<!\d)1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)")
ORDER_NO_RE = re.compile(r"(?<!\d)20\d{11}(?!\d)")
NUMBER_RE = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.])")
ROOM_RE = re.compile("^(?:那|室|户|房间|的住户)")
NO_PERTURB_AFTER = re.compile(r"^(?:月|日|号|点|时|:|：|千伏|单元|楼|%|个工作日)")
HONORIFIC_RE = re.compile(f"(?<![\u4e00-\u9fff])([{''.join(SURNAMES)}])(大爷|阿姨|师傅|大妈|大姐|先生|女士|老师|主任|书记)")
SENTENCE_RE = re.compile(r"[^。！？!?]+[。！？!?]*")
NAME_END_RE = re.compile("(村|里|区|园|苑|院|城|楼|号|街|路|胡同|庄|营|店|屯|桥|湾|坊|岛|郡|府|居|寓|期)$")
CALL_RE = re.compile("打电话|打这个电话|^喂")
GREETING_RE = re.compile("^(?:喂|你好|您好|同志|领导|尊敬)")
GREETING_STRIP_RE = re.compile("^(?:喂[，,？?])?(?:同志)?(?:你好|您好)[，,。！!]")


@dataclass
class Source:
    """A labelled train row, prepared for recombination."""
    row: dict
    sentences: list
    locality: str        # the address after 区 and 街道/乡镇
    anchors: list        # (words of the locality as the content says them, whole locality?)
    rural: bool


@dataclass
class Place:
    district: str        # short name, e.g. 海淀
    street: str
    locality: str


# --------------------------------------------------------------------------------------------
# Loading the labelled set
# --------------------------------------------------------------------------------------------
def load_sources(path: Path = LABELLED) -> list:
    """The labelled set's train rows (heldout rows are never used)."""
    sources = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if row["split"] != "train":
                continue
            locality = row["address"][len(row["district"]) + len(row["street"]):]
            sources.append(Source(row=row, sentences=SENTENCE_RE.findall(row["content"]), locality=locality,
                                  anchors=place_anchors(locality, row["content"]),
                                  rural=bool(re.match(r"^[\u4e00-\u9fff]{1,6}村", locality))))
    if not sources:
        raise SystemExit(f"no train rows in {path}")
    return sources


def place_anchors(locality: str, content: str) -> list:
    """How the content names its own locality: the whole of it and/or its longest prefix
    (at least 3 characters, or 2 ending in 村), e.g. 花家地西里 for 花家地西里三区7号楼."""
    anchors = [(locality, True)] if locality in content else []
    rest = content.replace(locality, "")
    for end in range(len(locality) - 1, 1, -1):
        prefix = locality[:end]
        if (end >= 3 or prefix.endswith("村")) and NAME_END_RE.search(prefix) and prefix in rest:
            anchors.append((prefix, False))
            break
    return anchors


def seasonal_weights(sources: list, month: int) -> list:
    """Rain- and pest-related orders are frequent in summer, rare otherwise."""
    summer = 6 <= month <= 9
    return [(2.0 if summer else 0.2) if SEASONAL_RE.search(s.row["content"]) else 1.0 for s in sources]


# --------------------------------------------------------------------------------------------
# Times
# --------------------------------------------------------------------------------------------
def month_bounds(month: str) -> tuple:
    """(first day, number of days) of 'YYYY-MM'."""
    try:
        year, mon = (int(x) for x in month.split("-"))
        first = dt.date(year, mon, 1)
    except ValueError:
        raise SystemExit(f"--month must look like 2026-11, not {month!r}")
    return first, calendar.monthrange(year, mon)[1]


def day_weights(rng: random.Random, first: dt.date, days: int) -> list:
    """Fewer orders at weekends and on the National Day holiday; two spike days (a rainstorm, a news item)."""
    weights = []
    for d in range(days):
        day = first + dt.timedelta(days=d)
        w = 0.58 if day.weekday() >= 5 else 1.0
        if day.month == 10 and day.day <= 7:
            w *= 0.5
        weights.append(w * rng.uniform(0.9, 1.1))
    weekdays = [d for d in range(days) if (first + dt.timedelta(days=d)).weekday() < 5] or list(range(days))
    for d, factor in zip(rng.sample(weekdays, min(2, len(weekdays))), (2.3, 1.7)):
        weights[d] *= factor
    return weights


def sample_times(rng: random.Random, first: dt.date, days: int, n: int) -> list:
    """n acceptance times in the month, sorted, with day, weekday and hour-of-day patterns."""
    dw = day_weights(rng, first, days)
    picked_days = rng.choices(range(days), dw, k=n)
    hours = rng.choices(range(24), HOUR_WEIGHTS, k=n)
    start = dt.datetime(first.year, first.month, first.day)
    return sorted(start + dt.timedelta(days=d, hours=h, minutes=rng.randrange(60), seconds=rng.randrange(60))
                  for d, h in zip(picked_days, hours))


def add_working_days(t: dt.datetime, n: int) -> dt.datetime:
    """t plus n working days (Monday to Friday), same time of day."""
    while n > 0:
        t += dt.timedelta(days=1)
        if t.weekday() < 5:
            n -= 1
    return t


def office_hours(t: dt.datetime, rng: random.Random) -> dt.datetime:
    """The first moment at or after t in office hours (weekdays 8:30–18:00), with a little jitter."""
    if t.weekday() < 5 and (8, 30) <= (t.hour, t.minute) < (18, 0):
        return t
    if t.weekday() < 5 and t.hour < 9:
        day = t.date()
    else:
        day = t.date() + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return dt.datetime(day.year, day.month, day.day, rng.choice([9, 9, 10, 10, 11, 14, 15, 16]),
                       rng.randrange(60), rng.randrange(60))


def order_numbers(rng: random.Random, times: list) -> list:
    """工单编号: YYYYMMDD plus a 5-digit daily sequence; the platform numbers every desk's orders,
    so the sequence has gaps."""
    per_day = {}
    for t in times:
        per_day[t.date()] = per_day.get(t.date(), 0) + 1
    gap = max(1, min(40, 90000 // max(per_day.values())))
    counters, numbers = {}, []
    for t in times:
        seq = counters.get(t.date(), rng.randint(1, 60)) + rng.randint(1, gap)
        counters[t.date()] = seq
        numbers.append(f"{t:%Y%m%d}{seq:05d}")
    return numbers


# --------------------------------------------------------------------------------------------
# People and places
# --------------------------------------------------------------------------------------------
def fake_mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + "".join(rng.choices("0123456789", k=8))


def fake_name(rng: random.Random) -> tuple:
    """(诉求人, surname): a full name, or 姓 + 先生/女士 as callers often give."""
    surname = rng.choice(SURNAMES[:60]) if rng.random() < 0.8 else rng.choice(SURNAMES)
    if rng.random() < 0.3:
        return surname + rng.choice(["先生", "女士"]), surname
    return surname + rng.choice(GIVEN), surname


def street_stem(street: str) -> str:
    return re.sub("(街道|满族乡|回族乡|地区|镇|乡)$", "", street)


def pick_place(rng: random.Random, source: Source) -> Place:
    """A new address of the same kind as the source's (village or urban, mountain, old town)."""
    row = source.row
    if row["l1"] in MOUNTAIN_L1 and row["district"][:-1] in MOUNTAIN_SHARE:
        table = {d: DISTRICTS[d][0] * f for d, f in MOUNTAIN_SHARE.items()}
    elif source.rural:
        table = {d: DISTRICTS[d][0] * f for d, f in RURAL_SHARE.items()}
    elif row["district"][:-1] in OLD_TOWN and (row["l2"] == "历史文化保护" or row["l3"] == "平房申请式退租"
                                               or OLD_TOWN_RE.search(row["content"])):
        table = OLD_TOWN
    else:
        table = {d: pop for d, (pop, _) in DISTRICTS.items()}
    district = rng.choices(list(table), list(table.values()))[0]
    streets = DISTRICTS[district][1].split()
    if source.rural:
        streets = [s for s in streets if s.endswith(("镇", "乡"))]
    else:
        streets = [s for s in streets if s.endswith("街道")] * 3 + [s for s in streets if not s.endswith("街道")]
    street = rng.choice(streets)
    spot = source.locality[len(locality_head(source.locality)):]     # keep 后山, 东边, 8号院 ...
    if source.rural:
        if not spot:
            spot = rng.choice(VILLAGE_SPOTS)
            if spot.endswith("街") and rng.random() < 0.6:
                spot += f"{rng.randint(1, 160)}号"
        name = rng.choice(VILLAGE_HEADS) + rng.choice(VILLAGE_CORES) + "村"
    else:
        stem = street_stem(street)
        if street.endswith("街道") and len(stem) >= 2 and rng.random() < 0.4:
            name = stem + rng.choice(STEM_TAILS)
        else:
            name = rng.choice(ESTATE_HEADS) + rng.choice(ESTATE_TAILS)
        if not spot:
            spot = f"{rng.randint(1, 36)}号楼" if rng.random() < 0.7 else rng.choice(ESTATE_SPOTS)
    return Place(district, street, name + spot)


def locality_head(locality: str) -> str:
    """The name part of a locality: up to 村, or without a trailing building number / spot."""
    m = re.match(r"^[\u4e00-\u9fff]{1,8}?村", locality)
    if m:
        return m.group(0)
    return LOCALITY_SPOT_RE.sub("", locality) or locality


# --------------------------------------------------------------------------------------------
# Contents
# --------------------------------------------------------------------------------------------
def mark_places(text: str, source: Source, place: Place, marks: dict) -> str:
    """Replace the source's address words (locality, 街道/乡镇, 区) in text with placeholders for the
    new place's, so that later edits (numbers) leave them alone; `unmark` puts the words in."""
    row, head = source.row, locality_head(place.locality)
    district = row["district"][:-1]
    words = [(old, place.locality if whole else head) for old, whole in source.anchors]
    words += [(row["street"], place.street), (street_stem(row["street"]), street_stem(place.street)),
              (row["district"], place.district + "区"), (district, place.district)]
    for old, new in sorted({w for w in words if len(w[0]) >= 2}, key=lambda w: (-len(w[0]), w)):
        if new == place.locality:
            # the whole old locality; where a building number follows, only the new name fits
            todo = [(re.escape(old) + r"(?=[\d一二三四五六七八九十])", head), (re.escape(old), new)]
        elif old == district:
            todo = [(re.escape(old) + "(?!线|机场)", new)]       # 房山线 and 大兴机场 are names, not places
        else:
            todo = [(re.escape(old), new)]
        for pattern, replacement in todo:
            if re.search(pattern, text):
                mark = chr(0xE000 + len(marks))
                marks[mark] = replacement
                text = re.sub(pattern, mark, text)
    return text


def unmark(text: str, marks: dict) -> str:
    for mark, new in marks.items():
        text = text.replace(mark, new)
    return text


def perturb_numbers(text: str, rng: random.Random, year: int) -> str:
    """Change amounts, areas and counts a little; leave dates, times, ids and phone numbers alone."""
    def change(m: re.Match) -> str:
        s = m.group(0)
        after = text[m.end():m.end() + 4]
        if "." in s or len(s) >= 5 or NO_PERTURB_AFTER.match(after) or text[m.start() - 2:m.start()] == "单元" \
                or ROOM_RE.match(after) or rng.random() < 0.3:
            return s
        value = int(s)
        if after.startswith("年") and 1950 <= value <= year:
            return str(min(year, value + rng.randint(-3, 1)))
        if value <= 1:
            return s
        if value < 10:
            return str(max(2, value + rng.randint(-2, 2)))
        return str(max(2, round(value * rng.uniform(0.6, 1.6))))
    return NUMBER_RE.sub(change, text)


def mark_numbers(text: str, rng: random.Random, first: dt.date, phone: str, marks: dict) -> str:
    """Placeholders for a fresh phone number (the caller's) and earlier work-order numbers."""
    def mark(new: str) -> str:
        key = chr(0xE000 + len(marks))
        marks[key] = new
        return key
    text = PHONE_RE.sub(lambda m: mark(phone), text)
    earlier = first - dt.timedelta(days=rng.randint(5, 40))
    return ORDER_NO_RE.sub(lambda m: mark(f"{earlier:%Y%m%d}{rng.randint(100, 2999):05d}"), text)


def new_surnames(text: str, rng: random.Random) -> str:
    """王师傅, 李阿姨 ... get other surnames."""
    return HONORIFIC_RE.sub(lambda m: rng.choice(SURNAMES[:60]) + m.group(2), text)


def compose_content(rng: random.Random, source: Source, donors: list, place: Place, channel: str,
                    surname: str, phone: str, first: dt.date) -> str:
    """诉求内容: the source's sentences moved to the new place, sometimes with a middle one dropped,
    a short question from another order of the same category, a spoken opener, a closer or a
    phone number added; numbers, phone numbers and surnames varied."""
    parts = [(s, source) for s in source.sentences]
    if len(parts) >= 4 and rng.random() < 0.25:
        del parts[rng.randrange(1, len(parts) - 1)]
    if donors and rng.random() < 0.2:
        donor = rng.choice(donors)
        tails = [s for s in donor.sentences[1:] if len(s) <= 22 and s[-1] in "？?！!" and s not in source.sentences]
        if tails:
            parts.insert(len(parts) - 1 if len(parts) > 1 and rng.random() < 0.5 else len(parts),
                         (rng.choice(tails), donor))
    marks = {}
    text = "".join(mark_places(s, src, place, marks) for s, src in parts)
    if channel == "电话" and rng.random() < 0.3 and not GREETING_RE.match(text):
        openers = [o for o in OPENERS if "我是" not in o] if "我是" in text[:30] else OPENERS
        text = rng.choice(openers).format(street=place.street, surname=surname) + text
    if rng.random() < 0.3:
        text += ("，" if text[-1].isdigit() else "") + rng.choice(CLOSERS[source.row["type"]])
    if channel == "电话" and rng.random() < 0.08 and not PHONE_RE.search(text):
        text += rng.choice(CONTACT_LINES).format(tel=phone, surname=surname)
    text = mark_numbers(text, rng, first, phone, marks)
    return new_surnames(unmark(perturb_numbers(text, rng, first.year), marks), rng)


# --------------------------------------------------------------------------------------------
# Handling: unit, deadline, reply, call-back
# --------------------------------------------------------------------------------------------
def handling_unit(rng: random.Random, l1: str, district: str, street: str) -> str:
    """承办单位 for a category and place."""
    bureau = f"北京市规划和自然资源委员会{district}分局"
    local = f"{district}区{street}" + ("办事处" if street.endswith("街道") else "人民政府")
    housing = f"北京市{district}区住房和" + ("城市" if district in OLD_TOWN else "城乡") + "建设委员会"
    options = {
        "不动产登记": [(bureau, 85), (housing, 10), (local, 5)],
        "宅基地与农村建房": [(local, 60), (bureau, 25), (f"北京市{district}区农业农村局", 15)],
        "征地拆迁与补偿": [(housing, 35), (local, 35), (bureau, 30)],
        "规划许可与规划管理": [(bureau, 85), (local, 10), (housing, 5)],
        "违法建设": [(local, 75), (bureau, 15), (f"北京市{district}区城市管理委员会", 10)],
        "土地利用与耕地保护": [(bureau, 50), (local, 30), (f"北京市{district}区农业农村局", 20)],
        "测绘与地理信息": [(bureau, 80), ("北京市规划和自然资源委员会", 20)],
        "矿产资源": [(bureau, 70), (f"北京市{district}区水务局", 15), (local, 15)],
        "地质灾害": [(bureau, 60), (local, 30), (f"北京市{district}区应急管理局", 10)],
        "林草湿地": [(f"北京市{district}区园林绿化局", 70), (local, 20), (bureau, 10)],
        "物业与房屋": [(housing, 45), (local, 55)],
        "信息公开与复议诉讼": [(bureau, 50), ("北京市规划和自然资源委员会", 30), (f"北京市{district}区人民政府", 20)],
    }.get(l1, [(bureau, 60), ("北京市规划和自然资源委员会", 20), (local, 20)])
    return rng.choices([u for u, _ in options], [w for _, w in options])[0]


def is_solved(rng: random.Random, kind: str, l1: str, repeat: bool) -> bool:
    p = SOLVED_BY_TYPE[kind] + SOLVED_ADJUST.get(l1, 0.0) - (0.15 if repeat else 0.0)
    return rng.random() < p


def reply_text(rng: random.Random, kind: str, l1: str, l3: str, solved: bool, unit: str, caller: str,
               when: dt.datetime) -> str:
    if kind in ("咨询", "建议"):
        templates = CONSULT_REPLIES[solved]
    elif l1 in REPLIES and rng.random() < 0.75:
        templates = REPLIES[l1][solved]
    else:
        templates = GENERIC_REPLIES[solved]
    return rng.choice(templates).format(date=f"{when.month}月{when.day}日", unit=unit, caller=caller, topic=l3)


def lifecycle(rng: random.Random, accepted: dt.datetime, kind: str, as_of: dt.datetime) -> dict:
    """办理时限, status and reply / call-back times as seen at `as_of` (the export moment)."""
    days, weights = DEADLINE_DAYS[kind]
    deadline = add_working_days(accepted, rng.choices(days, weights)[0])
    if rng.random() < LATE_SHARE:
        reply = deadline + dt.timedelta(hours=rng.uniform(2, 120))
    else:
        reply = accepted + (deadline - accepted) * min(0.95, max(0.02, rng.betavariate(1.6, 3.0)))
    reply = office_hours(max(reply, accepted + dt.timedelta(minutes=40)), rng)
    review = reply + dt.timedelta(hours=rng.uniform(1, 30))
    visit = office_hours(review + dt.timedelta(hours=rng.uniform(2, 72)), rng)
    if reply > as_of:
        fresh = as_of - accepted < dt.timedelta(hours=20)
        status = "待接单" if rng.random() < (0.4 if fresh else 0.03) else "办理中"
    elif review > as_of:
        status = "已答复"
    elif visit > as_of:
        status = "待回访"
    else:
        status = "已归档"
    return {"deadline": deadline, "reply": reply, "status": status}


# --------------------------------------------------------------------------------------------
# The month
# --------------------------------------------------------------------------------------------
def generate(month: str, orders: int, seed: int = 7, labelled: Path = LABELLED) -> list:
    """The month's work orders: dicts with the HEADERS keys, plus `_l1`, `_l2`, `_l3` (the labels)."""
    rng = random.Random(seed)
    first, days = month_bounds(month)
    as_of = dt.datetime(first.year, first.month, first.day) + dt.timedelta(days=days, hours=8, minutes=30)
    sources = load_sources(labelled)
    cumulative, total = [], 0.0
    for w in seasonal_weights(sources, first.month):
        total += w
        cumulative.append(total)
    by_l3 = {}
    for s in sources:
        by_l3.setdefault(s.row["l3"], []).append(s)
    times = sample_times(rng, first, days, orders)
    numbers = order_numbers(rng, times)
    rows = []
    for number, accepted in zip(numbers, times):
        recent = bisect.bisect_left(times, accepted - dt.timedelta(days=20))   # callers repeat within ~3 weeks
        if recent < len(rows) and rng.random() < REPEAT_SHARE:
            earlier = rows[rng.randrange(recent, len(rows))]
            if earlier["_l2"] != "表扬与建议":
                rows.append(repeat_order(rng, earlier, number, accepted, as_of))
                continue
        source = sources[bisect.bisect_left(cumulative, rng.random() * total)]
        rows.append(new_order(rng, source, by_l3, number, accepted, as_of, first))
    for row in rows:
        del row["_accepted"]
    return rows


def new_order(rng, source: Source, by_l3: dict, number: str, accepted: dt.datetime,
              as_of: dt.datetime, first: dt.date) -> dict:
    row = source.row
    donors = [s for s in by_l3.get(row["l3"], []) if s is not source]
    place = pick_place(rng, source)
    channel = rng.choices(list(CHANNELS), list(CHANNELS.values()))[0]
    if CALL_RE.search(row["content"]):            # "第四次打电话了" comes in by phone
        channel = "电话"
    caller, surname = fake_name(rng)
    phone = fake_mobile(rng)
    content = compose_content(rng, source, donors, place, channel, surname, phone, first)
    phone = (PHONE_RE.search(content).group(0).replace(" ", "").replace("-", "")
             if PHONE_RE.search(content) else phone)        # the caller's own number, if they said it
    kind = row["type"] if rng.random() < 0.88 else rng.choices(list(SOLVED_BY_TYPE), [55, 12, 22, 7, 4])[0]
    return finish(rng, {
        "工单编号": number, "受理时间": accepted.strftime(TIME_FORMAT), "来源渠道": channel, "诉求人": caller,
        "联系电话": phone, "诉求地址": f"北京市{place.district}区{place.street}{place.locality}",
        "所属区": place.district + "区", "街道乡镇": place.street, "诉求类型": kind, "诉求内容": content,
        "_l1": row["l1"], "_l2": row["l2"], "_l3": row["l3"], "_accepted": accepted,
    }, as_of, repeat=False)


def repeat_order(rng, earlier: dict, number: str, accepted: dt.datetime, as_of: dt.datetime) -> dict:
    """The same caller about the same thing again: 是否重复件 = 是."""
    body = GREETING_STRIP_RE.sub("", earlier["诉求内容"])
    sentences = SENTENCE_RE.findall(body)
    if len(sentences) > 2 and rng.random() < 0.6:
        body = "".join(sentences[:2])
    channel = rng.choices(list(CHANNELS), list(CHANNELS.values()))[0]
    openers = REPEAT_OPENERS + (REPEAT_OPENERS_PHONE if channel == "电话" else [])
    content = rng.choice(openers).format(ref=earlier["工单编号"]) + body
    kind = "投诉" if earlier["诉求类型"] in ("投诉", "举报", "求助") or rng.random() < 0.4 else earlier["诉求类型"]
    row = {k: earlier[k] for k in ("诉求人", "联系电话", "诉求地址", "所属区", "街道乡镇", "_l1", "_l2", "_l3")}
    row.update({"工单编号": number, "受理时间": accepted.strftime(TIME_FORMAT), "来源渠道": channel, "诉求类型": kind,
                "诉求内容": content, "_accepted": accepted})
    return finish(rng, row, as_of, repeat=True)


def finish(rng, row: dict, as_of: dt.datetime, repeat: bool) -> dict:
    """Fill the handling columns of a row that has its caller, place, type and content."""
    accepted, l1 = row["_accepted"], row["_l1"]
    life = lifecycle(rng, accepted, row["诉求类型"], as_of)
    unit = handling_unit(rng, l1, row["所属区"][:-1], row["街道乡镇"])
    solved = is_solved(rng, row["诉求类型"], l1, repeat)
    replied = life["status"] in ("已答复", "待回访", "已归档")
    archived = life["status"] == "已归档"
    reached = archived and rng.random() >= UNREACHED_SHARE
    solved_at_visit = solved if rng.random() < 0.95 else not solved
    if solved_at_visit:
        satisfaction = rng.choices(["满意", "基本满意", "不满意"], [87, 11, 2])[0]
    else:
        satisfaction = rng.choices(["满意", "基本满意", "不满意"], [14, 34, 52])[0]
    row.update({
        "派单单位": DISPATCHER, "承办单位": unit, "办理时限": life["deadline"].strftime(TIME_FORMAT),
        "工单状态": life["status"],
        "答复时间": life["reply"].strftime(TIME_FORMAT) if replied else "",
        "答复内容": reply_text(rng, row["诉求类型"], l1, row["_l3"], solved, unit, row["诉求人"], life["reply"])
        if replied else "",
        "回访联系情况": ("联系上" if reached else "未联系上") if archived else "",
        "回访解决情况": ("解决" if solved_at_visit else "未解决") if reached else "",
        "回访满意度": satisfaction if reached else "",
        "是否重复件": "是" if repeat else "否",
    })
    return row


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------
def write_csv(rows: list, path: Path) -> None:
    """UTF-8 with BOM, so that Excel opens it as Chinese text."""
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADERS)
        for row in rows:
            writer.writerow([row[h] for h in HEADERS])


def write_xlsx(rows: list, path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("工单")
    ws.append(HEADERS)
    for row in rows:
        ws.append([row[h] for h in HEADERS])
    wb.save(path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--month", required=True, help="YYYY-MM, e.g. 2026-11")
    parser.add_argument("--orders", type=int, default=3000, help="number of work orders (default 3000)")
    parser.add_argument("--out", required=True, type=Path, help="output file")
    parser.add_argument("--format", choices=["csv", "xlsx"], help="default: from the --out suffix, else csv")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--labelled", type=Path, default=LABELLED, help="labelled set whose train rows are recombined")
    args = parser.parse_args(argv)
    if args.orders < 1:
        parser.error("--orders must be at least 1")
    fmt = args.format or ("xlsx" if args.out.suffix.lower() == ".xlsx" else "csv")
    started = time.perf_counter()
    rows = generate(args.month, args.orders, args.seed, args.labelled)
    (write_xlsx if fmt == "xlsx" else write_csv)(rows, args.out)
    print(f"wrote {len(rows)} rows ({fmt}) to {args.out} in {time.perf_counter() - started:.2f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
