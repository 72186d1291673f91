#!/usr/bin/env python3
"""Markdown table of the real metrics of stored runs (no mailflow, no root).

    table.py results/A-refused results/B-... [--extra]

One row per run: parameters, then every banded metric as compare.py computes it.
--extra adds the observations used to describe Postfix's behaviour (README.md, "What Postfix
did"): failed attempts before the destination was declared dead, probe bursts, bounce ages,
connections to the sink.
"""

import argparse
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402


def row(run):
    meta = json.load(open(os.path.join(run, "meta.json")))
    st = json.load(open(os.path.join(run, "settings.json")))
    m, _ = compare.real_metrics(run, meta)
    fe = meta["fault_at_s"] + meta["fault_for_s"]
    params = (f"{meta['rate_per_s']:g}/s × {meta['load_s']:g} s, {meta['fault']} "
              f"{meta['fault_at_s']:g}–{fe:g} s, qrd {st['queue_run_delay']}, backoff "
              f"{st['minimal_backoff_time']}–{st['maximal_backoff_time']}, lifetime "
              f"{st['maximal_queue_lifetime']}")
    return meta, st, m, params


def extra(run, meta):
    """Observations from attempts.csv: dead-destination detection and probe bursts."""
    fa, fe = meta["fault_at_s"], meta["fault_at_s"] + meta["fault_for_s"]
    att = compare.read_csv(run, "attempts.csv")
    msgs = compare.read_csv(run, "messages.csv")
    failed = sorted(float(a["t"]) for a in att if a["kind"] == "failed")
    susp = sorted(float(a["t"]) for a in att if a["kind"] == "suspended")
    out = {}
    if failed:
        # Failures before the first "suspended" line: the pseudo-cohort that declared it dead.
        first_susp = susp[0] if susp else float("inf")
        out["failed_before_dead"] = sum(1 for t in failed if t < first_susp)
        out["dead_after_s"] = round(first_susp - fa, 2)
        # Bursts: failed attempts closer than 1 s belong to one burst.
        bursts, cur = [], [failed[0]]
        for t in failed[1:]:
            if t - cur[-1] < 1.0:
                cur.append(t)
            else:
                bursts.append(cur)
                cur = [t]
        bursts.append(cur)
        later = [b for b in bursts if b[0] >= first_susp]
        if len(later) > 1:
            gaps = [later[i + 1][0] - later[i][0] for i in range(len(later) - 1)]
            out["probe_bursts"] = len(later)
            out["probe_burst_size"] = f"{min(map(len, later))}–{max(map(len, later))}"
            out["probe_gap_s"] = (f"{statistics.median(gaps):.1f} "
                                  f"[{min(gaps):.1f}–{max(gaps):.1f}]")
    exp = [(float(x["t_done"]) - float(x["t_submit"]), float(x["t_submit"])) for x in msgs
           if x["outcome"] == "expired"]
    if exp:
        out["bounce_age_s"] = f"{min(a for a, _ in exp):.0f}–{max(a for a, _ in exp):.0f}"
        out["bounced_arrivals_s"] = (f"{min(t for _, t in exp):.0f}–"
                                     f"{max(t for _, t in exp):.0f}")
    life = None
    try:
        life = compare.secs(json.load(open(os.path.join(run, "settings.json")))
                            ["maximal_queue_lifetime"])
    except (KeyError, ValueError):
        pass
    if life:
        old = [float(x["latency"]) for x in msgs if x["outcome"] == "sent"
               and float(x["latency"]) > life]
        if old:
            out["delivered_older_than_lifetime"] = f"{len(old)} (up to {max(old):.0f} s)"
    q = compare.read_csv(run, "queue.csv")
    if q and "conns" in q[0]:
        out["max_conns_to_sink"] = max(int(r["conns"]) for r in q)
        after = [int(r["conns"]) for r in q if fe <= int(r["t"]) < fe + 30]
        out["max_conns_30s_after_fault"] = max(after) if after else None
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--extra", action="store_true")
    a = ap.parse_args()
    cols = [("peak_queue", "peak", 0), ("first_delivery_s", "first delivery (s)", 1),
            ("drain_s", "drain (s)", 0), ("failed_connections", "failed conns", 0),
            ("message_deferrals", "deferrals", 0), ("bounced", "bounces", 0),
            ("during_p50_s", "during p50 (s)", 1), ("during_p95_s", "during p95 (s)", 1)]
    print("| run | parameters | messages | " + " | ".join(c[1] for c in cols)
          + " | max submit lag (s) |")
    print("|" + "---|" * (len(cols) + 4))
    ex = {}
    for run in a.runs:
        meta, _st, m, params = row(run)
        name = os.path.basename(os.path.abspath(run))
        print(f"| {name} | {params} | {m['generated']:,} | "
              + " | ".join(compare.fmt(m[k], nd) for k, _, nd in cols)
              + f" | {meta['max_submit_lag_s']} |")
        if a.extra:
            ex[name] = extra(run, meta)
    if a.extra:
        print()
        print(json.dumps(ex, indent=2))


if __name__ == "__main__":
    main()
