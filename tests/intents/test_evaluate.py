import pytest

from intents.evaluate import Example, Prediction, read_examples, score


def test_scores_follow_the_taxonomy_definitions():
    examples = [
        Example("a", "report", "road", (), True),
        Example("b", "report", "charging", ("safety",), True),
        Example("c", "report", "noise", (), False),
        Example("d", "greeting", None, (), False),
    ]
    predictions = [
        Prediction("report", "road", True),  # right, urgent found
        Prediction("report", "safety", False),  # lenient only, urgent missed
        Prediction("report", "pets", True),  # wrong, a false alarm
        Prediction("greeting", None, False),
    ]
    scores = score(examples, predictions)
    assert scores.intent_accuracy == 1.0  # 4 of 4
    assert scores.category_strict == pytest.approx(1 / 3)  # road only, of 3 reports
    assert scores.category_lenient == pytest.approx(2 / 3)  # road, safety-in-also
    assert scores.urgent_recall == 0.5  # 1 of 2 urgent found
    assert scores.urgent_precision == 0.5  # 1 of 2 said urgent
    assert scores.per_category["road"] == {
        "support": 1, "strict": 1.0, "lenient": 1.0, "precision": 1.0
    }
    assert scores.per_category["pets"]["precision"] == 0.0
    assert ("noise", "pets", "c") in scores.confusions


def test_a_bad_line_names_its_place():
    with pytest.raises(ValueError, match="devset:2"):
        read_examples(['{"text": "x", "intent": "greeting"}', "{oops"], "devset")


def test_baseline_survives_a_label_seen_once():
    pytest.importorskip("sklearn")
    from intents.evaluate import baseline_predictions

    texts = ["路灯坏了", "路灯不亮", "垃圾没人收", "垃圾桶满了", "电梯困人了", "你好"]
    examples = [
        Example(t, "greeting" if t == "你好" else "report",
                None if t == "你好" else ("road" if "路灯" in t else "sanitation"),
                (), t == "电梯困人了")
        for t in texts
    ]
    predictions = baseline_predictions(examples, list)  # characters as tokens
    assert predictions is not None and len(predictions) == len(examples)
    assert not predictions[4].urgent  # the only urgent one cannot be learnt from the others
