#!/usr/bin/env python3
"""Are the bands wide enough for Poisson noise? Judge real runs against a real run.

    selfcheck.py --profile ci results/ci-seed1 results/ci-seed2 results/ci-seed3

Each run in turn is "the real run"; the median of the OTHER runs (same settings, other arrival
seeds) stands in for a perfect model, and is judged with compare.py's bands. A band that fails
here would also fail a correct simulator, so it is too narrow for one real run's noise.
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--profile", choices=("full", "ci"), default="ci")
    a = ap.parse_args()
    if len(a.runs) < 2:
        ap.error("needs at least two runs with the same settings")
    metrics, params = [], None
    for run in a.runs:
        meta = json.load(open(os.path.join(run, "meta.json")))
        st = json.load(open(os.path.join(run, "settings.json")))
        params = compare.params_of(st)
        metrics.append(compare.real_metrics(run, meta)[0])
    bands = [b for b in compare.BANDS if getattr(b, a.profile) is not None]
    print("| real run | " + " | ".join(b.name for b in bands) + " |")
    print("|" + "---|" * (len(bands) + 1))
    worst = 0.0
    for i, run in enumerate(a.runs):
        others = [m for j, m in enumerate(metrics) if j != i]
        cells = []
        for b in bands:
            r = compare.judge(b, getattr(b, a.profile), metrics[i][b.key],
                              [m[b.key] for m in others], params)
            used = abs(r["median"] - r["real"]) / r["allowed"] if r["allowed"] else 0.0
            worst = max(worst, used)
            cells.append(f"{'✓' if r['met'] else '✗'} {r['shown']} ({used * 100:.0f} % of band)")
        print(f"| {os.path.basename(os.path.abspath(run))} | " + " | ".join(cells) + " |")
    print(f"\nlargest share of a band used by another real run's median: {worst * 100:.0f} %")
    return 0 if worst <= 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
