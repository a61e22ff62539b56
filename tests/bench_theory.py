"""`make bench-theory`: how the theory scorer agrees with the labelled answers, per question.

For every question: how many labelled answers fall inside their fair range, the mean and lowest
share of the good answers, the mean of the partial ones, the highest share among wrong, off-topic
and other-question answers, and the real student's (seed) answer against the teacher's range.
Exits 1 when the issue's bar is not met (good mean >= 70 %, no good under 50 %, wrong/off-topic
at most 30 %), so it can gate a change to a rubric.
"""

from __future__ import annotations

import statistics
import sys
import time

from tests.theory_labelset import LOW_LABELS, Scored, labelled, score, seed_answers, spec, theory_items


def main() -> int:
    started = time.monotonic()
    seeds = {a.item: score(a) for a in seed_answers()}
    failures: list[str] = []
    header = (
        f"{'item':5} {'n':>3} {'agree':>6} {'good':>5} {'min':>5} {'part':>5} {'low max':>7} {'conf':>5}"
        f"   {'seed':>11} {'fair':>11}"
    )
    print(header)
    print("-" * len(header))
    all_scored: list[Scored] = []
    for item in theory_items():
        scored = [score(a) for a in labelled(item)]
        all_scored += scored
        good = [s.share for s in scored if s.answer.label == "good"]
        partial = [s.share for s in scored if s.answer.label == "partial"]
        low = [s.share for s in scored if s.answer.label in LOW_LABELS]
        agree = sum(s.agrees for s in scored)
        seed = seeds.get(item)
        points = spec(item).points
        seed_text = f"{seed.share * points:4.2f}/{points:g}" if seed else "-"
        fair_text = f"{seed.answer.fair[0] * points:.1f}-{seed.answer.fair[1] * points:.1f}" if seed else "-"
        print(
            f"{item:5} {len(scored):3d} {agree:3d}/{len(scored):<2d} {statistics.mean(good):5.0%} {min(good):5.0%}"
            f" {statistics.mean(partial):5.0%} {max(low):7.0%} {statistics.mean(s.confidence for s in scored):5.2f}"
            f"   {seed_text:>11} {fair_text:>11}{'' if not seed or seed.agrees else '  <- seed outside fair range'}"
        )
        if statistics.mean(good) < 0.7:
            failures.append(f"{item}: good answers average {statistics.mean(good):.0%} < 70 %")
        failures += [
            f"{item}: good answer at {s.share:.0%} < 50 %: {s.answer.text[:70]}"
            for s in scored
            if s.answer.label == "good" and s.share < 0.5
        ]
        failures += [
            f"{item}: {s.answer.label} answer at {s.share:.0%} > 30 %: {s.answer.text[:70]}"
            for s in scored
            if s.answer.label in LOW_LABELS and s.share > 0.3
        ]
    total_agree = sum(s.agrees for s in all_scored)
    print("-" * len(header))
    print(
        f"all   {len(all_scored)} answers, {total_agree} inside their fair range ({total_agree / len(all_scored):.0%}),"
        f" mean distance outside {statistics.mean(s.distance for s in all_scored):.3f};"
        f" seed answers inside the teacher's range: {sum(s.agrees for s in seeds.values())}/{len(seeds)}"
    )
    outside = [s for s in all_scored if not s.agrees]
    # Is the confidence useful to the review queue? The least sure fifth should hold many of the
    # answers whose auto score is outside the fair range.
    least_sure = sorted(all_scored, key=lambda s: s.confidence)[: len(all_scored) // 5]
    print(
        f"confidence: mean {statistics.mean(s.confidence for s in all_scored if s.agrees):.2f} where the score"
        f" agrees, {statistics.mean(s.confidence for s in outside) if outside else 1:.2f} where it does not;"
        f" the least sure 20 % ({len(least_sure)}) hold {sum(not s.agrees for s in least_sure)}"
        f" of the {len(outside)} disagreements"
    )
    if outside:
        print("\nOutside their fair range:")
        for s in sorted(outside, key=lambda s: -s.distance):
            print(
                f"  {s.answer.item} {s.answer.label:9} {s.answer.lang} auto {s.share:4.0%} fair {s.answer.fair[0]:.0%}-{s.answer.fair[1]:.0%}: {s.answer.text[:80]}"
            )
    print(f"\n{time.monotonic() - started:.2f} s")
    if failures:
        print("\nThe issue's bar is NOT met:")
        for f in failures:
            print("  " + f)
        return 1
    print("The issue's bar is met: good >= 70 % on average and none under 50 %, wrong/off-topic <= 30 %.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
