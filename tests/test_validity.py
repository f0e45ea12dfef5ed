"""Validity questions ("还有效吗") are answered from the documents' status in the index."""

from assistant.passage import Passage
from assistant.validity import Register, validity_answer


def passage(doc_id: str, title: str, status: str, effective: str = "", status_date: str = "") -> Passage:
    return Passage(id=f"{doc_id}/a1", text="第一条 ……", doc_id=doc_id, title=title, label="第一条", article=1,
                   status=status, effective_date=effective, status_date=status_date, url=f"http://gov.example/{doc_id}")


REGISTER = Register([
    passage("land-law", "中华人民共和国土地管理法", "有效", "2020-01-01"),
    passage("city-2005", "北京历史文化名城保护条例", "已废止", "2005-05-01", "2021-03-01"),
    passage("city-2021", "北京历史文化名城保护条例", "有效", "2021-03-01"),
    passage("barren", "北京市农村集体所有荒山荒滩租赁条例", "已废止"),
    passage("future", "北京市城市更新条例", "尚未施行", "2030-01-01"),
])


def test_a_repealed_document_is_answered_as_repealed_not_cited_as_law():
    text, versions = validity_answer("荒山荒滩租赁条例还有效吗", REGISTER)
    assert text == "《北京市农村集体所有荒山荒滩租赁条例》已废止，不再作为现行依据。"
    assert [d.doc_id for d in versions] == ["barren"]


def test_every_version_is_stated_the_one_in_force_first():
    text, versions = validity_answer("北京历史文化名城保护条例现在还适用吗", REGISTER)
    assert [d.doc_id for d in versions] == ["city-2021", "city-2005"]
    assert text.startswith("《北京历史文化名城保护条例》（2021年起施行的版本）现行有效，自2021年3月1日起施行。")
    assert "已于2021年3月1日废止，不再作为现行依据" in text


def test_short_names_and_not_yet_in_force():
    assert validity_answer("土地管理法是现行有效的吗", REGISTER)[0] == "《中华人民共和国土地管理法》现行有效，自2020年1月1日起施行。"
    assert "尚未施行，将自2030年1月1日起施行" in validity_answer("城市更新条例生效了吗？是否有效", REGISTER)[0]


def test_questions_not_about_validity_or_naming_no_document_are_left_to_retrieval():
    assert validity_answer("土地管理法规定宅基地怎么申请", REGISTER) is None
    assert validity_answer("这个规定还有效吗", REGISTER) is None
    assert validity_answer("租赁条例还有效吗", REGISTER) is None  # too short to name one document


def test_the_answerer_names_a_repealed_bundled_regulation_as_repealed(searcher):
    from assistant.answer import Answerer

    answer = Answerer.create(searcher).answer("北京市农村集体所有荒山荒滩租赁条例现在还能用吗")
    assert answer.kind == "passages" and answer.asks == ["validity"]
    assert answer.summary == "《北京市农村集体所有荒山荒滩租赁条例》已废止，不再作为现行依据。"
    assert [(c.citation, c.status) for c in answer.citations] == [("《北京市农村集体所有荒山荒滩租赁条例》", "已废止")]
    assert not answer.points  # no article of it is quoted as the rule
