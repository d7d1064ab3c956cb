"""Scores on a labelled JSONL file, as TAXONOMY.md defines them, beside a learned baseline."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from intents.classifier import Classifier
from intents.model import CATEGORIES


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    intent: str
    category: str | None
    also: tuple[str, ...]
    urgent: bool


@dataclass(frozen=True, slots=True)
class Prediction:
    intent: str
    category: str | None
    urgent: bool


@dataclass(slots=True)
class Scores:
    intent_accuracy: float
    category_strict: float
    category_lenient: float
    urgent_recall: float
    urgent_precision: float
    per_category: dict[str, dict[str, float]] = field(default_factory=dict)
    confusions: list[tuple[str, str, str]] = field(default_factory=list)  # gold, predicted, text

    def headline(self) -> dict[str, float]:
        return {
            "intent_accuracy": self.intent_accuracy,
            "category_strict": self.category_strict,
            "category_lenient": self.category_lenient,
            "urgent_recall": self.urgent_recall,
            "urgent_precision": self.urgent_precision,
        }


def read_examples(lines: Iterable[str], where: str = "input") -> list[Example]:
    examples = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            examples.append(Example(
                row["text"], row["intent"], row.get("category"),
                tuple(row.get("also") or ()), bool(row.get("urgent", False)),
            ))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"{where}:{number}: not a labelled example: {exc}") from exc
    return examples


def load_examples(path: Path) -> list[Example]:
    with path.open(encoding="utf-8") as fh:
        return read_examples(fh, str(path))


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def score(examples: list[Example], predictions: list[Prediction]) -> Scores:
    reports = [(e, p) for e, p in zip(examples, predictions, strict=True) if e.intent == "report"]
    strict = sum(p.category == e.category for e, p in reports)
    lenient = sum(p.category == e.category or p.category in e.also for e, p in reports)
    gold_urgent = sum(e.urgent for e in examples)
    said_urgent = sum(p.urgent for p in predictions)
    both = sum(e.urgent and p.urgent for e, p in zip(examples, predictions, strict=True))
    per: dict[str, dict[str, float]] = {}
    for category in CATEGORIES:
        support = [(e, p) for e, p in reports if e.category == category]
        predicted = sum(p.category == category for _, p in reports)
        hits = sum(p.category == category for _, p in support)
        if support or predicted:
            per[category] = {
                "support": len(support),
                "strict": _ratio(hits, len(support)),
                "lenient": _ratio(
                    sum(p.category == e.category or p.category in e.also for e, p in support),
                    len(support),
                ),
                "precision": _ratio(hits, predicted),
            }
    confusions = []
    for e, p in zip(examples, predictions, strict=True):
        gold = e.category if e.intent == "report" else e.intent
        said = p.category if p.intent == "report" else p.intent
        if gold != said:
            confusions.append((str(gold), str(said), e.text))
    return Scores(
        intent_accuracy=_ratio(
            sum(e.intent == p.intent for e, p in zip(examples, predictions, strict=True)),
            len(examples),
        ),
        category_strict=_ratio(strict, len(reports)),
        category_lenient=_ratio(lenient, len(reports)),
        urgent_recall=_ratio(both, gold_urgent),
        urgent_precision=_ratio(both, said_urgent),
        per_category=per,
        confusions=confusions,
    )


def predict(classifier: Classifier, examples: list[Example]) -> list[Prediction]:
    results = (classifier.classify(e.text) for e in examples)
    return [Prediction(r.intent, r.category, r.urgent) for r in results]


def baseline_predictions(
    examples: list[Example], tokenize: Callable[[str], list[str]]
) -> list[Prediction] | None:
    """TF-IDF over jieba tokens + logistic regression, leave-one-out on the same file.

    Leave-one-out because the file is small and some intents have two or three examples:
    every message is predicted by a model trained on all the others. None without
    scikit-learn (a development dependency).
    """
    try:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
    except ImportError:
        return None

    def model() -> Any:
        # The texts are tokenised once, up front, and joined with spaces: sklearn clones the
        # pipeline for every fold, and a tokenizer holding jieba and OpenCC cannot be copied.
        return make_pipeline(
            TfidfVectorizer(token_pattern=r"\S+", lowercase=False, sublinear_tf=True),
            LogisticRegression(C=10.0, max_iter=2000, class_weight="balanced"),
        )

    def leave_one_out(texts: list[str], labels: list[Any]) -> list[Any]:
        # By hand rather than cross_val_predict: a label seen once (one urgent message in a
        # small file) leaves a fold with a single class, which the model cannot be fitted on;
        # that fold can only answer its one class.
        said = []
        for i in range(len(texts)):
            train_x, train_y = texts[:i] + texts[i + 1:], labels[:i] + labels[i + 1:]
            if len(set(train_y)) < 2:
                said.append(train_y[0] if train_y else labels[i])
            else:
                said.append(model().fit(train_x, train_y).predict([texts[i]])[0])
        return said

    texts = [" ".join(tokenize(e.text)) for e in examples]
    labels = [e.category if e.intent == "report" else e.intent for e in examples]
    urgent = [e.urgent for e in examples]
    said = leave_one_out(texts, labels)
    said_urgent = leave_one_out(texts, urgent)
    return [
        Prediction("report", str(lab), bool(u)) if lab in CATEGORIES
        else Prediction(str(lab), None, bool(u))
        for lab, u in zip(said, said_urgent, strict=True)
    ]


_HEADLINE_NAMES = {
    "intent_accuracy": "intent accuracy",
    "category_strict": "category accuracy (strict)",
    "category_lenient": "category accuracy (lenient)",
    "urgent_recall": "urgent recall",
    "urgent_precision": "urgent precision",
}


NO_SKLEARN = "(baseline needs scikit-learn: pip install -e '.[dev]')"


def report(
    examples: list[Example], ours: Scores, baseline: Scores | None, source: str,
    without_baseline: str = NO_SKLEARN,
) -> str:
    """The scores beside the baseline's; `without_baseline` says why there is none."""
    reports = sum(e.intent == "report" for e in examples)
    lines = [
        f"Evaluation of {source}: {len(examples)} messages, {reports} reports, "
        f"{sum(e.urgent for e in examples)} urgent",
        "",
        f"{'score':<30}{'lexicon':>10}{'tfidf+logreg (LOO)':>22}",
    ]
    base = baseline.headline() if baseline else {}
    for key, value in ours.headline().items():
        other = f"{base[key]:.3f}" if key in base else "n/a"
        lines.append(f"{_HEADLINE_NAMES[key]:<30}{value:>10.3f}{other:>22}")
    if baseline is None:
        lines.append(without_baseline)
    lines += ["", f"{'category':<14}{'support':>8}{'strict':>8}{'lenient':>9}{'precision':>11}"]
    for category, row in ours.per_category.items():
        lines.append(
            f"{category:<14}{int(row['support']):>8}{row['strict']:>8.2f}"
            f"{row['lenient']:>9.2f}{row['precision']:>11.2f}"
        )
    counts = Counter((g, p) for g, p, _ in ours.confusions)
    lines += ["", f"confusions, gold → predicted ({len(ours.confusions)} messages):"]
    for (gold, said), n in counts.most_common():
        examples_text = " | ".join(t for g, p, t in ours.confusions if (g, p) == (gold, said))
        lines.append(f"  {gold} → {said} ×{n}: {examples_text}")
    return "\n".join(lines)
