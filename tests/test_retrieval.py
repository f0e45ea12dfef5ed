"""Retrieval over the real bundled index with the real model."""

import numpy as np
import pytest

from assistant.expand import Synonyms
from assistant.retrieval import ANSWER_KIND_RE, CUE_RE, Filters, HybridRetriever, QueryError


def test_homestead_question_finds_land_law_article_62(searcher):
    hits = searcher.search("农村一户人家能批几块宅基地", top_k=5)
    assert ("中华人民共和国土地管理法", "第六十二条") in [(h.title, h.label) for h in hits]
    top = next(h for h in hits if h.label == "第六十二条")
    assert top.citation == "《中华人民共和国土地管理法》第六十二条"
    assert top.url.startswith("https://")
    assert top.chapter.startswith("第五章")


@pytest.mark.parametrize("mode", ["dense", "keyword", "hybrid"])
def test_every_mode_returns_ranked_cited_passages(searcher, mode):
    hits = searcher.search("测量标志被移动", top_k=5, mode=mode)
    assert 0 < len(hits) <= 5
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(h.title and h.label and h.text for h in hits)


def test_superseded_versions_are_excluded_by_default(searcher):
    query = "行政复议申请期限"
    default = searcher.search(query, top_k=10)
    assert default and all(h.status == "有效" for h in default)
    everything = searcher.search(query, top_k=30, filters=Filters(status=None))
    assert any(h.status == "已修改" for h in everything)


def test_region_and_doc_type_filters(searcher):
    beijing = searcher.search("违法建设由谁查处", top_k=10, filters=Filters(region=("北京",)))
    assert beijing and all(h.title.startswith("北京") for h in beijing)
    laws = searcher.search("违法建设由谁查处", top_k=10, filters=Filters(doc_type=("法律",)))
    assert laws and all("条例" not in h.title for h in laws)


def test_colloquial_words_are_expanded(searcher):
    assert "不动产权属证书" in searcher.synonyms.expansions("房本丢了怎么补办")
    # "房本" never occurs in the statutes: only the expansion can find the certificate articles
    hits = searcher.search("房本", top_k=5, mode="keyword")
    assert hits and all("不动产权属证书" in h.text or "房屋所有权证书" in h.text for h in hits)


def test_contracted_land_taken_back_finds_the_contracting_rule(searcher):
    # 「承包的地收回」 is 农村土地承包法's 收回承包地, not 土地管理法第六十六条's 收回土地使用权 of collective land.
    hits = searcher.search("村集体把我家承包的地收回去了，说是要搞开发，这样可以吗？", top_k=3)
    assert hits[0].citation == "《中华人民共和国农村土地承包法》第二十七条"


def test_a_question_of_how_long_to_do_something_also_searches_the_statutes_word_for_its_time_limit(searcher):
    # 「……之日起六十日内提出行政复议申请；但是法律规定的申请期限超过六十日的除外」 shares 申请期限.
    assert "申请期限" in searcher.synonyms.expansions("行政复议多少天内申请")
    assert "申请期限" not in searcher.synonyms.expansions("行政复议怎么申请")
    hits = searcher.search("行政复议多少天内申请", top_k=2, mode="keyword")
    assert "第二十条" in [h.label for h in hits if h.title == "中华人民共和国行政复议法"]


@pytest.mark.parametrize("query", ["", "   ", "\n\t"])
def test_empty_query_is_rejected_with_a_message(searcher, query):
    with pytest.raises(QueryError, match="不能为空"):
        searcher.search(query)


def test_overlong_query_is_rejected_with_a_message(searcher):
    with pytest.raises(QueryError, match="过长"):
        searcher.search("宅" * 10_000)


def test_query_with_no_known_words_still_answers(searcher):
    assert searcher.search("zzzz qqqq", top_k=3, mode="hybrid")
    assert searcher.search("zzzz qqqq", top_k=3, mode="keyword") == []


def test_llama_index_retriever_interface(searcher):
    nodes = HybridRetriever(searcher, top_k=3).retrieve("征收集体土地要公告多少天")
    assert len(nodes) == 3
    assert all(n.node.metadata["citation"].startswith("《") for n in nodes)


def test_fused_scores_do_not_depend_on_how_many_dense_candidates_were_taken(searcher):
    # Min-max over the dense top N made every score depend on N's last member, so a passage
    # only BM25 found, a little below that band, was pushed far down.
    wide = searcher.search("违法建设由谁查处", top_k=10)
    narrow_settings = searcher.settings.model_copy(update={"dense_candidates": 40})
    narrow = searcher.with_settings(narrow_settings)
    common = {h.passage_id: h.score for h in narrow.search("违法建设由谁查处", top_k=30)}
    assert all(common[h.passage_id] == pytest.approx(h.score, abs=1e-5) for h in wide if h.passage_id in common)
    assert sum(h.passage_id in common for h in wide) >= 8


@pytest.mark.parametrize("filters", [Filters(region=("北京",)), Filters(doc_type=("法律",))])
def test_a_passages_fused_score_does_not_depend_on_the_filters_that_exclude_others(searcher, filters):
    # BM25 scaled by its best candidate gave a passage a larger keyword term as soon as a filter
    # removed the passage that matched best; scaled by its spread over the corpus it keeps its score.
    query = "违法建设由谁查处"
    everything = {h.passage_id: h.score for h in searcher.search(query, top_k=40)}
    filtered = searcher.search(query, top_k=10, filters=filters)
    shared = [h for h in filtered if h.passage_id in everything]
    assert len(shared) >= 5
    assert all(everything[h.passage_id] == pytest.approx(h.score, abs=1e-5) for h in shared)


@pytest.fixture(scope="module")
def version_files(built):
    """The built version as its folder holds it (the files backend's own arrays)."""
    from assistant.index import load_version

    settings, _ = built
    return load_version(settings.index_path)


def test_sentence_vectors_cover_every_passage_in_order(version_files):
    sentences = version_files.sentences
    assert sentences is not None
    assert len(sentences.starts) == len(version_files.passages) + 1
    assert sentences.starts[-1] == len(sentences.vectors)
    assert (sentences.starts[1:] >= sentences.starts[:-1]).all()


def test_best_sentence_is_the_maximum_over_each_passages_own_sentences(version_files, searcher):
    sentences = version_files.sentences
    query = searcher.encode("测量标志被移动")
    rows = [0, 5, 17, 5, len(version_files.passages) - 1]
    expected = [float((sentences.vectors[sentences.starts[r]:sentences.starts[r + 1]] @ query).max()) for r in rows]
    assert np.allclose(sentences.best(rows, query), expected, atol=1e-6)


def test_one_matching_sentence_lifts_its_long_article(searcher):
    # A sentence from the middle of a long article, asked in its own words: the article's
    # whole vector averages that rule away; its best sentence does not.
    from assistant.article import units

    passages = searcher.index.passages
    off = searcher.with_settings(searcher.settings.model_copy(update={"sentence_weight": 0.0}))
    first = {"on": 0, "off": 0}
    asked = 0
    for row in range(0, len(passages), 7):
        sentences = units(passages[row].text)
        if passages[row].status != "有效" or len(sentences) < 4:
            continue
        question = sentences[len(sentences) // 2].text
        if len(question) < 15:
            continue
        asked += 1
        for name, s in (("on", searcher), ("off", off)):
            first[name] += s.search(question, top_k=1)[0].passage_id == passages[row].id
    assert asked >= 30
    assert first["on"] >= first["off"] + 0.05 * asked


@pytest.mark.parametrize("filters", [Filters(), Filters(status=None), Filters(status=("失效", "已废止")),
                                     Filters(status=None, region=("北京",)), Filters(doc_type=("法律",)),
                                     Filters(status=("有效",), doc_type=("no such type",))])
def test_a_filter_mask_from_the_columns_allows_exactly_the_passages_it_should(searcher, filters):
    want = np.array([filters.allows(p) for p in searcher.index.passages])
    assert np.array_equal(filters.mask(searcher.index), want)


def test_the_sanctions_of_a_law_are_its_own_liability_articles(searcher):
    prohibition = next(h for h in searcher.search("能不能挪走测量标志", top_k=10)
                       if h.citation == "《中华人民共和国测绘法》第四十一条")
    sanctions = searcher.sanctions(prohibition)
    assert "《中华人民共和国测绘法》第六十四条" in {h.citation for h in sanctions}
    assert all(h.doc_id == prohibition.doc_id and "法律责任" in h.chapter for h in sanctions)
    assert "《中华人民共和国测绘法》第四十一条" not in {h.citation for h in sanctions}


def test_a_remedys_law_is_the_version_in_force(searcher):
    # The corpus holds 行政复议法 of 2017 and of 2023: the time to apply is the 2023 law's.
    articles = searcher.remedy_articles("复议")
    assert {h.title for h in articles} == {"中华人民共和国行政复议法"} and {h.status for h in articles} == {"有效"}
    assert len({h.doc_id for h in articles}) == 1 and "《中华人民共和国行政复议法》第二十条" in {h.citation for h in articles}
    assert any("六十日内提出行政复议申请" in h.text for h in articles)
    assert {h.title for h in searcher.remedy_articles("诉讼")} == {"中华人民共和国行政诉讼法"}
    assert searcher.remedy_articles("复查") == []


def _with(searcher, **update):
    return searcher.with_settings(searcher.settings.model_copy(update=update))


def test_a_question_of_how_long_lifts_exactly_the_candidates_that_state_a_time_limit(searcher):
    # 多少天 is answered by an article that names a time limit, not by one that only talks about the matter.
    query = "申请政府信息公开多少天给答复"
    before = {h.passage_id: h.score for h in _with(searcher, answer_kind_weight=0.0).search(query, top_k=200)}
    after = searcher.search(query, top_k=10)
    stated = [bool(ANSWER_KIND_RE["deadline"].search(h.text)) for h in after]
    assert any(stated) and not all(stated)
    gains = [h.score - before[h.passage_id] for h in after]
    assert max(gains) > 0
    assert gains == [pytest.approx(searcher.settings.answer_kind_weight if s else 0.0, abs=1e-6) for s in stated]


def test_a_question_that_asks_for_no_such_kind_of_answer_keeps_its_fused_scores(searcher):
    query = "宅基地使用权人享有什么权利"
    before = [(h.passage_id, h.score) for h in _with(searcher, answer_kind_weight=0.0).search(query, top_k=10)]
    assert [(h.passage_id, pytest.approx(h.score)) for h in searcher.search(query, top_k=10)] == before


@pytest.mark.parametrize(("kind", "text", "states"), [
    ("deadline", "不动产登记机构应当自受理登记申请之日起30个工作日内办结不动产登记手续", True),
    ("deadline", "申请人应当在期限届满前申请续期", False),  # names a period, not how long it is
    ("deadline", "本条例自2019年1月1日起施行", False),  # a date
    ("fee", "处五千元以上一万元以下的罚款", True),
    ("materials", "申请人应当提交下列材料", True),
    ("penalty", "由县级以上人民政府责令限期改正", False),  # 责令 alone is in too many articles
])
def test_what_counts_as_stating_an_answer_of_a_kind(kind, text, states):
    assert bool(ANSWER_KIND_RE[kind].search(text)) is states


def test_words_that_only_ask_for_a_kind_of_answer_expand_the_search_but_name_no_subject():
    synonyms = Synonyms({"收费": ["收取费用"], "过户": ["转移登记"]})
    assert set(synonyms.expansions("过户收费吗")) == {"收取费用", "转移登记"}
    assert synonyms.expansions("过户收费吗", cues=False) == ["转移登记"]


def test_a_word_that_only_frames_a_time_question_weighs_less_than_its_subject(searcher):
    # 期限 matches every 期限届满 of the corpus; 宅基地 says what the caller asks about.
    tokens = searcher.tokenizer.tokens("宅基地期限")  # 宅基地 with its pieces 宅基, 基地
    assert "期限" in tokens
    _, framed = _with(searcher, cue_weight=0.5)._keyword(tokens, [], Filters(), 10)
    _, plain = _with(searcher, cue_weight=1.0)._keyword(tokens, [], Filters(), 10)
    texts = [p.text for p in searcher.index.passages]
    only_frame = [r for r, t in enumerate(texts) if "期限" in t and not any(w in t for w in ("宅基", "基地"))]
    only_subject = [r for r, t in enumerate(texts) if "宅基地" in t and "期限" not in t]
    assert only_frame and only_subject
    assert framed[only_frame] == pytest.approx(0.5 * plain[only_frame])
    assert framed[only_subject] == pytest.approx(plain[only_subject])


@pytest.mark.parametrize(("word", "frames"), [
    ("期限", True), ("途径", True), ("多长时间", True),
    ("时效", False),  # 诉讼时效 is a rule's own subject
    ("工作日", False),  # a unit tells time-limit articles apart
    ("费用", False), ("责任", False),  # what answers of other kinds say
])
def test_which_words_only_frame_a_question(word, frames):
    assert bool(CUE_RE.fullmatch(word)) is frames


def test_the_same_rule_in_another_document_is_ranked_right_after_it(searcher):
    # 不动产登记暂行条例第二十七条 and 民法典第二百一十八条 state one rule; either answers, and the
    # caller may be told both. Fused scores alone put three other articles between them.
    query = "能查询别人的不动产登记资料吗"
    apart = [h.citation for h in searcher.with_settings(searcher.settings.model_copy(update={"twin_overlap": 1.0}))
             .search(query, 10)]
    together = [h.citation for h in searcher.search(query, 10)]
    first, twin = "《不动产登记暂行条例》第二十七条", "《中华人民共和国民法典》第二百一十八条"
    assert apart.index(twin) - apart.index(first) > 1
    assert together.index(twin) == together.index(first) + 1


def test_twins_are_rules_repeated_across_documents_not_neighbours_that_share_words():
    from assistant.retrieval import _char_pairs, _overlap

    national = "第二百一十八条 权利人、利害关系人可以申请查询、复制不动产登记资料，登记机构应当提供。"
    restated = ("第二十七条 权利人、利害关系人可以依法查询、复制不动产登记资料，不动产登记机构应当提供。\n\n"
                "有关国家机关可以依照法律、行政法规的规定查询、复制与调查处理事项有关的不动产登记资料。")
    neighbour = "第二百一十九条 利害关系人不得公开、非法使用权利人的不动产登记资料。"
    assert _overlap(_char_pairs(national), _char_pairs(restated)) >= 0.8
    assert _overlap(_char_pairs(national), _char_pairs(neighbour)) < 0.8
    assert _char_pairs("第二十七条 甲乙") == {"甲乙"}  # the article's own label is no part of its rule


def test_a_search_returns_as_many_hits_as_asked_beyond_the_twins_window(searcher):
    from assistant.retrieval import TWIN_WINDOW

    assert len(searcher.search("违法建设由谁查处", top_k=TWIN_WINDOW + 10)) == TWIN_WINDOW + 10
