"""Classifier speed against plain `jieba.lcut` on the same texts, in the same run.

Targets (issue 2): classify costs at most 2x a plain jieba.lcut, >= 5,000 messages/s on
one core, cold start of `intake classify "..."` under 2 s.

    .venv/bin/python bench/classify.py [FILE.jsonl] [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import jieba

from intents import Classifier

DEFAULT_FILE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "devset.jsonl"


def rates(
    fns: dict[str, Callable[[str], object]], texts: list[str], rounds: int, repeats: int = 7
) -> dict[str, float]:
    """Messages per second of each function: the best of `repeats` timed passes.

    The passes of the functions alternate, so a busy neighbour on a shared machine slows
    both alike instead of skewing the ratio.
    """
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            for _ in range(rounds):
                for text in texts:
                    fn(text)
            best[name] = min(best[name], time.perf_counter() - start)
    return {name: len(texts) * rounds / seconds for name, seconds in best.items()}


def cold_start(runs: int = 3) -> float:
    intake = Path(sys.executable).with_name("intake")
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([str(intake), "classify", "电梯里困了人"], check=True,
                       capture_output=True, env={**os.environ, "INTAKE_LOG_LEVEL": "WARNING"})
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    texts = [json.loads(line)["text"] for line in args.file.read_text("utf-8").splitlines()
             if line.strip()]

    start = time.perf_counter()
    classifier = Classifier.from_files()
    load = time.perf_counter() - start
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()

    # First pass on a fresh classifier: no per-token cache yet (what a new word costs).
    start = time.perf_counter()
    for text in texts:
        classifier.classify(text)
    first = len(texts) / (time.perf_counter() - start)

    measured = rates({"lcut": jieba.lcut, "classify": classifier.classify}, texts, args.rounds)
    lcut, ours = measured["lcut"], measured["classify"]
    print(f"texts: {len(texts)} from {args.file} x {args.rounds} rounds, one process, one core")
    print(f"classifier load (jieba dict + user dict + lexicon + OpenCC): {load:.2f} s")
    print(f"jieba.lcut (baseline):      {lcut:>9,.0f} msg/s  {1e6 / lcut:6.1f} us/msg")
    print(f"classify (warm):            {ours:>9,.0f} msg/s  {1e6 / ours:6.1f} us/msg")
    print(f"classify (first pass, cold caches): {first:,.0f} msg/s")
    print(f"cost ratio classify / jieba.lcut: {lcut / ours:.2f}x  (target <= 2x)")
    print(f"cold start `intake classify`: {cold_start():.2f} s median of 3  (target < 2 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
