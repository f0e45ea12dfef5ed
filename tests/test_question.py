"""Question analysis and the answer patterns it hands to the composer."""

from assistant.question import ANSWER_PATTERNS


def test_ownership_is_not_a_yes_no_answer():
    assert not ANSWER_PATTERNS["yes_no"].search("征收示范用房所有权人的房屋。")
    assert ANSWER_PATTERNS["yes_no"].search("示范用房权利人有权申请复核。")

