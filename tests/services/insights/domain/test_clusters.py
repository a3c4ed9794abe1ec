from copilot_insights.domain.clusters import group_questions


def test_like_questions_group_together_largest_first() -> None:
    questions = ["ship to Canada?", "tea?", "Canada shipping cost?", "ship to Toronto?"]
    vectors = [[1.0, 0.1, 0], [0, 0, 1.0], [0.9, 0.2, 0.1], [0.95, 0.0, 0.05]]
    groups = group_questions(questions, vectors)
    assert [g.label for g in groups] == ["ship to Canada?", "tea?"]
    assert groups[0].questions == ["ship to Canada?", "Canada shipping cost?", "ship to Toronto?"]


def test_no_questions_no_groups() -> None:
    assert group_questions([], []) == []
