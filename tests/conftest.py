"""Shared fixtures. The classifier loads jieba's dictionary once per test session."""

from __future__ import annotations

import pytest

from intents import Classifier


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    return Classifier.from_files()
