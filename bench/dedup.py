"""Duplicate detection on the labelled pairs: precision and recall per split.

    .venv/bin/python bench/dedup.py [--sweep] [--show-errors]

`tune` chose the first method and the threshold; `holdout` was written with it and measured
once, and has been seen since (the problem-word table was built on both). `holdout2`
(tests/data/dup_pairs_holdout2.jsonl) was written and committed before that table and measured
once; its errors then shaped the next round (fault words, 充电 vs 充电桩), so it is seen too.
`holdout3` (tests/data/dup_pairs_holdout3.jsonl) was written and committed before that round and
measured once (precision 0.903, recall 0.778); it is seen now: the next round (a broader table
of things and fault families, wider things, related faults, noise sources) was tuned on all
three files. `holdout4` (tests/data/dup_pairs_holdout4.jsonl, 115 pairs) was written blind
before that round and measured once after it: precision 0.760, recall 0.760 (12 wrong merges,
most of them two places the method could not tell apart: 小学 / 中学, B口 / D口, 东边 / 西边
电梯, two landmarks on one road, two communities it did not know; 12 misses, words for one thing
it lacked). It is seen now: the next round (where a report is: roads, estates, landmarks and
venues found by the word ending their name, sides, ends, exits, floors, people; things inside
things, spots, pests, homophone typos of things, wider vocabulary) was read against and tuned
on all five files, and on sentences of its own (tests/handlers/test_dedup.py), so every split
here now reads 1.000 and says little. `holdout5` (tests/data/dup_pairs_holdout5.jsonl, 111
pairs), written blind while that round was made, was measured once after it: precision 0.867,
recall 0.765 (6 wrong merges: two venues or two junctions on one road, front and back of a
building, two kinds of charging or of ads; 12 misses, half of them the new place vetoes reading
one spot told two ways as two: 停车场 / 那个停车场, 2号门 / 二号门口, 村委 / 村委会). It is seen now: the next
round (a place's name without fillers, 村委 / 村委会, typos of place words, the other road of a
junction, front and back of a building, at or across from a place, an unnamed venue being the
named one, a thing named in the location kept, related faults of a spot not lifting a score,
residents' words for lift doors, walls, manholes, flower beds, shelters, lights on by day,
fallen trees, getting lost) was read against and tuned on all six files, which all read 1.000
again and say little. `holdout6` (tests/data/dup_pairs_holdout6.jsonl, 110 pairs), written
blind during that round, was measured once after it: precision 0.925, recall 0.740 (3 wrong
merges: a garage's exit and its entrance, cars and shared bikes parked at one gate, 明月里 /
明月路; 13 misses: one spot vetoed as two (楼下 / 下面, 楼顶 / 屋顶 with 加盖了一层 read as the
first floor) and words for one thing it lacked; 高层 / 楼上 was no veto, 水压太小 an unknown
word). It is seen now: the next round (a mark vetoes only what it excludes: 楼下 /
下面, the roof told several ways, a storey counted is no floor, the way into a garage is not the
way out; one name given to two kinds of place, 明月路 / 明月里; parking is of cars; words for full,
trapped, sunk, smashed, shouting, chargers that will not charge, septic tanks, too many
mosquitoes) was read against and tuned on all seven files, which all read 1.000 again and say
little. `holdout7` (tests/data/dup_pairs_holdout7.jsonl, 115 pairs), written blind during
that round, was measured after it: precision 0.929, recall 0.765. A review then found fragments
of a holdout6 sentence in the table (出水跟滴, 水跟滴, 滴似的: copied, not residents' words in
general); without them holdout7 reads precision 0.927, recall 0.745 (3 wrong merges: rats and
termites at one building, a shelter's roof and the stop's sign, two abandoned vehicles; 13
misses, words for one thing the table lacked: 树枝 / 梧桐粗枝, 漫步机 / 太空漫步机, 涂鸦 /
喷油漆字, a leak reported from the flat above and from the flat below). Two words of the table
occur in holdout7 and in no other file (溢了, 鬼哭狼嚎); without them it reads the same. Four
blind batches in a row: precision 0.760, 0.867, 0.925, 0.927; recall 0.760, 0.765, 0.740,
0.745. Each round fixes what it is shown and new wording keeps arriving: recall on unseen
reports is held near 0.75 by the word table itself. Then a round that reads words the table
lacks by their last character (粗枝 a branch), lets a plain 坏 agree with the damage told, reads a
leak between two flats told from each, and one household's reports (holdout7 after it, seen:
0.958 / 0.902). `holdout8` (tests/data/dup_pairs_holdout8.jsonl, 115 pairs), written blind
during that round with harder wording on purpose (slang, dialect, Cantonese, metaphors), was
measured once after it: precision 0.800, recall 0.582 (8 wrong merges: east and west shed,
two bus stops named by their venues, on and under a bridge, two flats' noise sources, a bin's
place and its overflow, a garage and a refuse room, two parking offences at one junction; 23
misses, most of them words the table and the last-character reading do not know: 凼凼, 小强,
沟渠, 柒栋, 打桩 told as 咚咚咚). It is seen now: the next round (another spot told by a side
before any place noun, on or under a bridge, the part of a street, venues of one family, the
flat above the one a report names, two rooms of one estate; capital numerals, common Cantonese
words, a sound said again and again, 的 inside a thing's name; 58 words, 39 of them in no pair
file) was read against holdout8 (seen: 1.000 / 0.891). `holdout9`
(tests/data/dup_pairs_holdout9.jsonl, 115 pairs), written blind during that round, asked to be
realistic (plain and colloquial mixed, not obscure on purpose), measured once after it:
precision 0.870, recall 0.727 (6 wrong merges: a front gate and a back gate told as 门口 /
后门, flower pots and a roof sign on one building, two machines of one fitness area, a bar and
a KTV on one street, open burning and a restaurant's flue, a stop's two directions; 15 misses:
a tree grown into a window, bins full told as a heap, a burst heating pipe told as steam, e-bikes
charging in a lobby, a neighbour's noise told from the flat below, an old man not seen told two
ways, square dancing told as 大妈跳舞). It is seen now: the next round (each report naming a
thing of its own is two problems even when a general word agrees; 门口 of a place is its main
gate; a direction of travel is a side; a colour tells which vehicle; a street named after a
venue holds none; a problem told by what it leads to: 堆成山, 蒸汽, 冻死了, 没下楼; a feared
fault is no fault) was read against holdout9 (seen: 1.000 / 1.000). `holdout10`
(tests/data/dup_pairs_holdout10.jsonl, 115 pairs), written blind and realistic during that
round, measured once after it: precision 0.943, recall 0.909 (3 wrong merges: a drain grate at a
house number and a drain by a lane's toilet, a gas smell at a restaurant and in a building's
stairwell, an underpass's lights and a footbridge's; 5 misses: a lift told with a typo (怀了),
a flat told as 5楼 above the writer, stalls told as 摆摊烤串, a toilet that will not flush told as
没水, a stray dog told as 大黄狗). One caveat: while that round worked, one command counted 44
words it had already chosen over every pair file, holdout10 included (totals only, no
sentences); its words were not chosen from those counts. It is seen now: the next round (each
report locating the problem by a landmark the other never names is two spots: a thing beside
it, a house number, a venue, a room; an underpass is no footbridge; hawking is no dancing; a
typo of 坏; a floor must be the floor of the flat the other names) was read against holdout10
(seen: 1.000 / 1.000). `holdout11` (tests/data/dup_pairs_holdout11.jsonl, 115 pairs), written
blind and realistic during that round, measured once after it: precision 0.878, recall 0.782
(6 wrong merges: one lamp flickering and one leaning at one spot, a market's front and back
drains, a house number's side and the side across the road, dancing and tai chi music at two
spots of one estate, a gym and a car wash under one estate, mosquitoes by a river and in a
basement; 12 misses: a drain told as 污水冒出来, a junction named both ways round, 广场舞 /
跳舞的大妈, 清吧 / 小酒吧, road works told as 切马路, a road 坑坑洼洼 / 烂的不行, shared bikes told as
小黄车, heating told as 时热时不热, a stall told as 流动小摊, a box told as 配电箱, barbecue smoke).
Eight blind batches: precision 0.760, 0.867, 0.925, 0.927, 0.800, 0.870, 0.943, 0.878; recall
0.760, 0.765, 0.740, 0.745, 0.582, 0.727, 0.909, 0.782. Every round fixes what it is shown; the
next batch of residents' wording finds new gaps of about the same size. Every file is seen now.
The next round (a specific detail of where each report has: a place's front and back, beside
and across from a house number, inside and outside a gate, a spot told by an unknown word + 边,
a shop named by its trade, two places of one estate; 晃 of the eyes a glare; a modifier agreeing
only with itself; a smell shared with a report naming no thing lifting nothing; ways of telling
read as patterns: a thing working now and then, someone selling, a path of an estate, a plaza
told small, a bar's noise, a word both say that the table lacks, sewage hinting a drain) was read
against holdout11 and tested on sentences of its own: holdout11 (seen) 1.000 / 0.945, every
other split as before; all seen pairs 0.989 / 0.958 -> 1.000 / 0.975. `holdout12` and
`holdout13` (tests/data/dup_pairs_holdout12.jsonl, dup_pairs_holdout13.jsonl, 115 pairs each),
written blind and realistic by two writers during that round, were measured once after it:
holdout12 precision 0.929, recall 0.650 (tp 39, fp 3, fn 21), holdout13 precision 0.911, recall
0.683 (tp 41, fp 4, fn 19); both together 0.920 / 0.667. The wrong merges: broken bin lids and
bins not emptied at one gate, a dark row of lamps and a hanging lamp cover across the road,
branches over a signal and roots lifting the pavement, dance music and whip cracking at one
gate, two groups' buildings of one village, two sections of one street, a car stereo and a
basketball court. The misses are residents' words for one thing the table lacks (马路牙子 /
路沿石, 老鼠 / 耗子, 停电 / 全黑了, 候车亭 / 等车的棚子, 打桩 / 叮叮咣咣), a problem told by its
consequence (积水 / 雨水井封死, 渣土车 / 施工), one old neighbour told two ways, a junction named
both ways round. A round tuned on what one batch shows does not carry to the next: ten blind
batches, precision 0.76-0.94, recall 0.58-0.91. Then, both batches seen: below THRESHOLD but at
or above SUGGEST (0.3) staff are asked instead (疑似同一问题, a button to merge). SUGGEST was
chosen on holdout12 and holdout13, so their figures for it are not blind: of their 40 misses,
13 are asked about, with 1 pair of two problems asked about too (the seen splits before them,
tuned to split hard negatives, have 4 of 14 misses asked about and 32 pairs of two problems).
`holdout14` and `holdout15` (tests/data/dup_pairs_holdout14.jsonl, dup_pairs_holdout15.jsonl,
115 pairs each), written blind and realistic by two writers who read nothing of the method,
were measured once with the method unchanged since holdout12/13: holdout14 precision 0.950,
recall 0.633 (tp 38, fp 2, fn 22), holdout15 precision 0.980, recall 0.800 (tp 48, fp 1, fn
12); both together 0.966 / 0.717. Precision reached the target on both; recall did not. Twelve
blind batches: precision 0.76-0.98, recall 0.58-0.91. An embedding model was tried for the
words the table lacks: the only multilingual sentence model a package ships with its weights
(Universal Sentence Encoder, multilingual v3, numpy) separates same from different problems no
better than chance on these pairs (AUC 0.53 over all 1,636; 耗子 is nearer 蟑螂 than 老鼠), so
it was not added. Both batches are seen now: the next round (words of a request or a time
before 社区 / 小区 are no estate, 最上面一层 is the top storey, vehicles and windows told as
victims are not the problem's thing, a refuse point holds its bins, a manhole without its cover,
a charging point's socket, someone not seen told by the post not taken in, one fault both tell
not lowered for a name only one gives, and more words of residents) was read against holdout12
to holdout15 and tested on sentences of its own: those four read 1.000 / 0.817, 1.000 / 0.817,
1.000 / 0.867, 0.982 / 0.917 (seen). `holdout16` and `holdout17`
(tests/data/dup_pairs_holdout16.jsonl, dup_pairs_holdout17.jsonl, 115 pairs each), written
blind during that round, measured once after it: holdout16 precision 0.977, recall 0.717 (tp
43, fp 1, fn 17), holdout17 precision 0.935, recall 0.717 (tp 43, fp 3, fn 17); both together
0.956 / 0.717, the same recall as the two batches before the round. Staff are asked about 7 of
their 34 misses and 8 pairs of two problems. Fourteen blind batches; the last four: precision
0.935-0.980, recall 0.633-0.800.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from handlers.dedup import SUGGEST, THRESHOLD, DuplicateFinder  # noqa: E402

DATA = ROOT / "tests" / "data"
PAIRS = (DATA / "dup_pairs.jsonl", DATA / "dup_pairs_holdout2.jsonl",
         DATA / "dup_pairs_holdout3.jsonl", DATA / "dup_pairs_holdout4.jsonl",
         DATA / "dup_pairs_holdout5.jsonl", DATA / "dup_pairs_holdout6.jsonl",
         DATA / "dup_pairs_holdout7.jsonl", DATA / "dup_pairs_holdout8.jsonl",
         DATA / "dup_pairs_holdout9.jsonl", DATA / "dup_pairs_holdout10.jsonl",
         DATA / "dup_pairs_holdout11.jsonl", DATA / "dup_pairs_holdout12.jsonl",
         DATA / "dup_pairs_holdout13.jsonl", DATA / "dup_pairs_holdout14.jsonl",
         DATA / "dup_pairs_holdout15.jsonl", DATA / "dup_pairs_holdout16.jsonl",
         DATA / "dup_pairs_holdout17.jsonl")
SPLITS = ("tune", "holdout", "holdout2", "holdout3", "holdout4", "holdout5", "holdout6",
          "holdout7", "holdout8", "holdout9",
          "holdout10", "holdout11", "holdout12", "holdout13", "holdout14", "holdout15",
          "holdout16", "holdout17")


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    tp: int
    fp: int
    fn: int
    n: int


def load_pairs(paths: tuple[Path, ...] = PAIRS) -> list[dict]:
    return [json.loads(line) for path in paths
            for line in path.read_text(encoding="utf-8").splitlines() if line]


def scored(finder: DuplicateFinder, pairs: list[dict]) -> list[tuple[dict, float]]:
    return [
        (p, finder.similarity(p["a"]["text"], p["a"]["location"],
                              p["b"]["text"], p["b"]["location"]))
        for p in pairs
    ]


def measure(rows: list[tuple[dict, float]], threshold: float = THRESHOLD) -> Scores:
    tp = sum(1 for p, s in rows if s >= threshold and p["same"])
    fp = sum(1 for p, s in rows if s >= threshold and not p["same"])
    fn = sum(1 for p, s in rows if s < threshold and p["same"])
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return Scores(precision, recall, tp, fp, fn, len(rows))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sweep", action="store_true", help="thresholds on the tune split")
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()
    from intents import Classifier

    finder = DuplicateFinder(Classifier.from_files().tokens)
    pairs = load_pairs()
    for split in (*SPLITS, None):
        rows = scored(finder, [p for p in pairs if split is None or p["split"] == split])
        s = measure(rows)
        asked = [(p, score) for p, score in rows if SUGGEST <= score < THRESHOLD]
        print(f"{split or 'all':9} n={s.n:4}  precision {s.precision:.3f}  recall {s.recall:.3f}"
              f"  (tp {s.tp}, fp {s.fp}, fn {s.fn}; threshold {THRESHOLD}); staff asked "
              f"about {sum(p['same'] for p, _ in asked)} of the misses and "
              f"{sum(not p['same'] for p, _ in asked)} of two problems")
        if args.sweep and split == "tune":
            for t in [x / 100 for x in range(30, 80, 5)]:
                m = measure(rows, t)
                print(f"    threshold {t:.2f}: precision {m.precision:.3f} recall {m.recall:.3f}")
        if args.show_errors and split is not None:
            for p, score in rows:
                if (score >= THRESHOLD) != p["same"]:
                    print(f"    {score:.2f} same={p['same']!s:5} {p['a']['text']} | "
                          f"{p['b']['text']}  ({p['note']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
