"""Work-order taxonomy, the labelled work-order set and the synthetic month generator (no model)."""

import csv
import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from eval import workorder_month as wm

ROOT = Path(__file__).resolve().parents[1]
TAXONOMY = ROOT / "corpora" / "workorders" / "taxonomy.yaml"
LABELLED = ROOT / "eval" / "sets" / "workorders.jsonl"
LEVEL1 = ["不动产登记", "宅基地与农村建房", "征地拆迁与补偿", "规划许可与规划管理", "违法建设", "土地利用与耕地保护",
          "测绘与地理信息", "矿产资源", "地质灾害", "林草湿地", "物业与房屋", "信息公开与复议诉讼", "热线与其他"]
HEADERS = ["工单编号", "受理时间", "来源渠道", "诉求人", "联系电话", "诉求地址", "所属区", "街道乡镇", "诉求类型",
           "诉求内容", "派单单位", "承办单位", "办理时限", "工单状态", "答复时间", "答复内容", "回访联系情况",
           "回访解决情况", "回访满意度", "是否重复件"]
DISTRICTS = {d + "区" for d in "东城 西城 朝阳 海淀 丰台 石景山 门头沟 房山 通州 顺义 昌平 大兴 怀柔 平谷 密云 延庆".split()}
TYPES = {"咨询", "求助", "投诉", "举报", "建议"}
CHANNELS = {"电话", "网络", "APP", "微信", "领导信箱"}
STATUSES = {"待接单", "办理中", "已答复", "待回访", "已归档"}
REPLIED = {"已答复", "待回访", "已归档"}
CALLBACK = ["回访联系情况", "回访解决情况", "回访满意度"]


@pytest.fixture(scope="module")
def taxonomy():
    return yaml.safe_load(TAXONOMY.read_text(encoding="utf-8"))["categories"]


@pytest.fixture(scope="module")
def labelled():
    return [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def month():
    return wm.generate("2026-11", 3000, seed=7)


def leaf_paths(categories) -> set:
    return {(a["name"], b["name"], c["name"]) for a in categories for b in a["children"] for c in b["children"]}


def when(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S")


# ---- taxonomy --------------------------------------------------------------------------------

def test_taxonomy_has_the_thirteen_level1_categories(taxonomy):
    assert [c["name"] for c in taxonomy] == LEVEL1


def test_taxonomy_nodes_are_named_described_and_sized(taxonomy):
    def check(nodes, depth):
        names = [n["name"] for n in nodes]
        assert len(names) == len(set(names)), f"duplicate names under one parent: {names}"
        for node in nodes:
            assert isinstance(node["name"], str) and node["name"].strip()
            description = node["description"]
            assert isinstance(description, str) and len(description) >= 10, node["name"]
            assert description.endswith("。") and description.count("。") == 1, f"one sentence: {node['name']}"
            children = node.get("children", [])
            if depth == 1:
                assert 3 <= len(children) <= 6, node["name"]
            elif depth == 2:
                assert 2 <= len(children) <= 5, node["name"]
            else:
                assert not children, node["name"]
            if children:
                check(children, depth + 1)
    check(taxonomy, 1)


# ---- labelled set ----------------------------------------------------------------------------

def test_labelled_rows_are_well_formed_and_use_taxonomy_names(labelled, taxonomy):
    paths = leaf_paths(taxonomy)
    fields = {"id", "received_at", "channel", "district", "street", "address", "type", "content", "l1", "l2", "l3",
              "split"}
    for row in labelled:
        assert set(row) == fields, row["id"]
        assert (row["l1"], row["l2"], row["l3"]) in paths, row["id"]
        assert re.fullmatch(r"WL-\d{4}", row["id"])
        dt.datetime.fromisoformat(row["received_at"])
        assert row["received_at"].endswith("+08:00")
        assert row["channel"] in CHANNELS and row["type"] in TYPES and row["district"] in DISTRICTS, row["id"]
        # 地区 as well: Beijing's 地区办事处 (南磨房地区, 来广营地区) are 街乡-level units.
        assert re.search("(街道|镇|乡|地区)$", row["street"]), row["id"]
        assert row["address"].startswith(row["district"] + row["street"]), row["id"]
        assert 30 <= len(row["content"]) <= 300, row["id"]
    assert len({row["id"] for row in labelled}) == len(labelled)


def test_labelled_set_size_split_and_coverage(labelled):
    assert len(labelled) >= 330
    assert [row["split"] for row in labelled] == ["heldout" if i % 3 == 2 else "train" for i in range(len(labelled))]
    counts = Counter(row["l1"] for row in labelled)
    assert {name: counts[name] for name in LEVEL1 if counts[name] < 15} == {}
    top4 = {name for name, _ in counts.most_common(4)}
    assert top4 == {"违法建设", "不动产登记", "物业与房屋", "征地拆迁与补偿"}


def test_some_labelled_contents_carry_phone_numbers(labelled):
    assert sum(bool(wm.PHONE_RE.search(row["content"])) for row in labelled) >= 10


# ---- generator -------------------------------------------------------------------------------

def test_generator_is_deterministic_for_a_seed():
    a = wm.generate("2026-11", 300, seed=11)
    assert a == wm.generate("2026-11", 300, seed=11)
    assert a != wm.generate("2026-11", 300, seed=12)


def test_headers_are_exact():
    assert wm.HEADERS == HEADERS


def test_rows_have_valid_values(month):
    assert len(month) == 3000
    for row in month:
        assert set(HEADERS) <= set(row)
        assert row["来源渠道"] in CHANNELS and row["诉求类型"] in TYPES and row["工单状态"] in STATUSES
        assert row["所属区"] in DISTRICTS and row["诉求地址"].startswith("北京市" + row["所属区"] + row["街道乡镇"])
        assert re.fullmatch(r"1[3-9]\d{9}", row["联系电话"])
        assert row["派单单位"] == "市12345热线服务中心" and row["承办单位"]
        assert row["是否重复件"] in ("是", "否")
        assert row["诉求人"] and row["诉求内容"]
        assert when(row["受理时间"]).strftime("%Y-%m") == "2026-11"


def test_order_numbers_are_unique_and_dated(month):
    numbers = [row["工单编号"] for row in month]
    assert len(set(numbers)) == len(numbers)
    for row in month:
        assert re.fullmatch(r"\d{13}", row["工单编号"])
        assert row["工单编号"][:8] == row["受理时间"][:10].replace("-", "")


def test_deadline_and_reply_follow_acceptance(month):
    for row in month:
        accepted, deadline = when(row["受理时间"]), when(row["办理时限"])
        assert accepted + dt.timedelta(days=1) <= deadline <= accepted + dt.timedelta(days=21)
        assert bool(row["答复时间"]) == bool(row["答复内容"]) == (row["工单状态"] in REPLIED)
        if row["答复时间"]:
            assert accepted < when(row["答复时间"]) <= dt.datetime(2026, 12, 1, 8, 30)


def test_callback_columns_only_on_archived_rows(month):
    for row in month:
        if row["工单状态"] != "已归档":
            assert [row[c] for c in CALLBACK] == ["", "", ""], row["工单编号"]
        else:
            assert row["回访联系情况"] in ("联系上", "未联系上")
            if row["回访联系情况"] == "联系上":
                assert row["回访解决情况"] in ("解决", "未解决")
                assert row["回访满意度"] in ("满意", "基本满意", "不满意")
            else:
                assert row["回访解决情况"] == row["回访满意度"] == ""


def test_shares_look_like_a_real_month(month):
    n = len(month)
    channels = Counter(row["来源渠道"] for row in month)
    assert 0.62 < channels["电话"] / n < 0.78
    types = Counter(row["诉求类型"] for row in month)
    assert {t for t, _ in types.most_common(2)} == {"咨询", "投诉"}
    assert 0.06 < sum(row["是否重复件"] == "是" for row in month) / n < 0.14
    replied = [row for row in month if row["答复时间"]]
    assert 0.04 < sum(row["答复时间"] > row["办理时限"] for row in replied) / len(replied) < 0.13
    reached = [row for row in month if row["回访联系情况"] == "联系上"]
    assert 0.68 < sum(row["回访解决情况"] == "解决" for row in reached) / len(reached) < 0.82
    assert 0.6 < sum(row["回访满意度"] == "满意" for row in reached) / len(reached) < 0.78
    night = sum(when(row["受理时间"]).hour < 6 for row in month)
    assert night / n < 0.05
    per_day = Counter(when(row["受理时间"]).date() for row in month)
    weekend = [c for d, c in per_day.items() if d.weekday() >= 5]
    weekday = [c for d, c in per_day.items() if d.weekday() < 5]
    assert sum(weekend) / len(weekend) < 0.8 * sum(weekday) / len(weekday)
    early = [row for row in month if when(row["受理时间"]).day <= 7]
    late = [row for row in month if when(row["受理时间"]).day >= 28]
    assert sum(row["工单状态"] == "已归档" for row in early) / len(early) > 0.9
    assert sum(row["工单状态"] in ("待接单", "办理中") for row in late) / len(late) > 0.5


def test_category_mix_follows_the_labelled_train_rows(month, labelled):
    train = Counter(row["l1"] for row in labelled if row["split"] == "train")
    generated = Counter(row["_l1"] for row in month)
    assert set(generated) == set(LEVEL1)
    # Every category's share, not only the largest: the three largest are within 1 point of
    # each other in the train rows, so which one comes first is left to chance.
    for name in LEVEL1:
        assert abs(generated[name] / sum(generated.values()) - train[name] / sum(train.values())) <= 0.02, name


def test_heldout_rows_are_never_used(tmp_path, labelled):
    marked = []
    for row in labelled:
        if row["split"] == "heldout":
            row = {**row, "content": row["content"] + "这是留出集专用标记句。"}
        marked.append(json.dumps(row, ensure_ascii=False))
    path = tmp_path / "workorders.jsonl"
    path.write_text("\n".join(marked) + "\n", encoding="utf-8")
    rows = wm.generate("2026-11", 500, seed=5, labelled=path)
    assert not any("留出集专用标记" in row["诉求内容"] for row in rows)


def test_csv_round_trips_through_the_csv_module(tmp_path):
    rows = wm.generate("2026-10", 200, seed=3)
    path = tmp_path / "month.csv"
    wm.write_csv(rows, path)
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        assert next(reader) == HEADERS
        back = list(reader)
    assert back == [[row[h] for h in HEADERS] for row in rows]


def test_xlsx_round_trips_through_openpyxl(tmp_path):
    from openpyxl import load_workbook

    rows = wm.generate("2026-10", 200, seed=3)
    path = tmp_path / "month.xlsx"
    wm.write_xlsx(rows, path)
    sheet = load_workbook(path, read_only=True).active
    values = [["" if v is None else v for v in r] for r in sheet.iter_rows(values_only=True)]
    assert values[0] == HEADERS
    assert values[1:] == [[row[h] for h in HEADERS] for row in rows]


def test_command_line_writes_the_file_and_reports(tmp_path, capsys):
    out = tmp_path / "m.xlsx"
    assert wm.main(["--month", "2026-02", "--orders", "120", "--out", str(out), "--seed", "1"]) == 0
    assert out.read_bytes()[:2] == b"PK"                      # xlsx chosen from the suffix
    assert "120 rows" in capsys.readouterr().err
    csv_out = tmp_path / "m.txt"
    assert wm.main(["--month", "2026-02", "--orders", "50", "--out", str(csv_out), "--format", "csv"]) == 0
    assert csv_out.read_text(encoding="utf-8-sig").startswith(",".join(HEADERS))
