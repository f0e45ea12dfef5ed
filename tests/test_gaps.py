"""Grouping of knowledge gaps by meaning (assistant.gaps) with the real embedding model."""

from datetime import UTC, datetime, timedelta

import numpy as np

from assistant.encoder import OnnxQueryEncoder
from assistant.gaps import GapQuery, group_gaps
from assistant.settings import Settings

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def q(i: int, text: str, refused: bool = True, minutes: int = 0) -> GapQuery:
    return GapQuery(id=i, query=text, at=T0 + timedelta(minutes=minutes or i), channel="portal", refused=refused)


def test_paraphrases_group_together_and_unrelated_questions_do_not():
    settings = Settings()  # the service's question encoder and its calibrated threshold
    queries = [q(1, "宅基地一户能有几处"), q(2, "农村一户可以有两处宅基地吗"), q(3, "一户人家能批几块宅基地"),
               q(4, "征地补偿标准是多少"), q(5, "拆迁补偿怎么算", refused=False), q(6, "明天天气怎么样"),
               q(7, "宅基地一户能有几处"), q(8, "  宅基地一户能有几处 ")]
    groups = group_gaps(queries, OnnxQueryEncoder(settings.query_model_path),
                        settings.calibration.gap_group_threshold)
    by_question = {g.question: g for g in groups}
    homestead = by_question["宅基地一户能有几处"]  # the most asked text represents its group
    assert groups[0] is homestead
    assert sorted(x.id for x in homestead.queries) == [1, 2, 3, 7, 8]
    assert homestead.variants[0] == "宅基地一户能有几处" and len(homestead.variants) == 3
    compensation = next(g for g in groups if "征地补偿标准是多少" in g.variants)
    assert "拆迁补偿怎么算" in compensation.variants
    weather = next(g for g in groups if "明天天气怎么样" in g.variants)
    assert weather.count == 1
    d = compensation.to_dict()
    assert (d["count"], d["refused"], d["negative_feedback"]) == (2, 1, 1)


def test_threshold_one_keeps_only_identical_texts_together():
    vectors = {"a": [1.0, 0.0], "b": [0.99, 0.14], "c": [0.0, 1.0]}

    def encode(texts):
        return np.array([vectors[t] for t in texts], dtype=np.float32)

    groups = group_gaps([q(1, "a"), q(2, "b"), q(3, "a")], encode, threshold=1.0)
    assert [(g.question, g.count) for g in groups] == [("a", 2), ("b", 1)]
    loose = group_gaps([q(1, "a"), q(2, "b"), q(3, "c")], encode, threshold=0.9)
    assert sorted(len(g.variants) for g in loose) == [1, 2]
    assert group_gaps([], encode, 0.9) == [] and group_gaps([q(1, "   ")], encode, 0.9) == []
