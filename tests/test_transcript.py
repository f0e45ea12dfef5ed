from assistant.transcript import extract_query

TERMS = {"宅基地", "房本", "不动产登记", "违建", "拆迁", "补偿"}


def test_fillers_and_greetings_are_dropped_and_the_question_kept():
    snippet = "喂，你好，那个，我想问一下，就是我们家在村里已经有一块宅基地了，还能再批一块吗？好的谢谢"
    query = extract_query(snippet, TERMS)
    assert "宅基地" in query and "再批一块" in query
    assert not query.startswith(("喂", "你好", "那个"))
    assert "谢谢" not in query


def test_agent_turns_are_ignored_and_personal_data_removed():
    snippet = ("坐席：您好，这里是12345，请问有什么可以帮您？\n"
               "市民：我姓王，电话13912345678。\n"
               "市民：我们那边拆迁，补偿款一直没给，这个合法吗")
    query = extract_query(snippet, TERMS)
    assert "13912345678" not in query
    assert "拆迁" in query
    assert "12345，请问有什么可以帮您" not in query


def test_a_plain_question_passes_through():
    assert extract_query("房本多久能办下来", TERMS) == "房本多久能办下来"


def test_long_rambling_transcripts_are_bounded():
    snippet = "我跟你说啊" * 200 + "，违建谁管？"
    query = extract_query(snippet, TERMS)
    assert len(query) <= 120
    assert "违建谁管" in query
