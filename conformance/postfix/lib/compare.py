#!/usr/bin/env python3
"""Compare one real-Postfix run with mailflow: write the same experiment as a mailflow scenario,
run it over several seeds, and judge each metric against its tolerance band.

    compare.py RESULTS_DIR --mailflow PATH [--seeds 10] [--profile full|ci] [--out DIR]
               [--forms params,explicit] [--no-plot]

RESULTS_DIR is a stored result set (results/<run>/: meta.json, settings.json, queue.csv,
attempts.csv.gz, messages.csv.gz) or a raw run folder (same files, not compressed).
Writes into --out (default: a temporary folder; RESULTS_DIR is never written):
  <form>.yaml            the scenario of each formulation (run it with `mailflow run`)
  sim/<form>-<seed>/     mailflow's report folders
  comparison.md          the side-by-side table (also printed)
  verdict.json           every metric, every band, per formulation
  queue.png              queue over time, real vs every seed (only if matplotlib is installed)

Formulations (`retry:` of the sending node; everything else is identical):
  params    the contract's parameterised Postfix preset, with the run's own settings:
            {preset: postfix, queue_run_delay, minimal_backoff_time, maximal_backoff_time,
             maximal_queue_lifetime, bounce_queue_lifetime, initial_destination_concurrency,
             destination_concurrency_failed_cohort_limit}          <- the verdict (exit code)
  explicit  {backoff: {min: minimal_backoff_time, max: maximal_backoff_time, factor: 2},
             expire_after: maximal_queue_lifetime}: what a mailflow without the parameterised
             preset can express; shown for reference only.

Exit code (of the first formulation in --forms): 0 every band met, 1 a band broken,
3 "not supported by this mailflow" (mailflow rejected the scenario: exit 2), 4 mailflow failed.
"""

import argparse
import csv
import gzip
import io
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from typing import Callable, Optional

# ================================================================== tolerance bands
#
# A band is met when the MEDIAN of the metric over the mailflow seeds differs from the single
# real run by at most max(rel x |real|, abs). `full` are the acceptance bands (full runs);
# `ci` the wider ones of the short CI run (None: the metric is shown but not judged there).
# README.md shows the same table; keep them in step.


@dataclass(frozen=True)
class Tol:
    rel: float = 0.0
    abs_s: Optional[Callable[[dict], float]] = None  # p: run parameters -> seconds

    def allowed(self, real, p):
        return max(self.rel * abs(real), self.abs_s(p) if self.abs_s else 0.0)

    def text(self, p):
        parts = []
        if self.rel:
            parts.append(f"{self.rel * 100:.0f} %")
        if self.abs_s:
            parts.append(f"{self.abs_s(p):g} s")
        return " or ".join(parts)


@dataclass(frozen=True)
class Band:
    key: str
    name: str
    full: Optional[Tol]
    ci: Optional[Tol]


def two_runs(p):  # two queue-run intervals, at least 5 s
    return max(2 * p["queue_run_delay_s"], 5.0)


BANDS = (
    Band("peak_queue", "peak queue", Tol(0.15), Tol(0.25)),
    Band("first_delivery_s", "first delivery after fault", Tol(abs_s=two_runs),
         Tol(abs_s=lambda p: max(3 * p["queue_run_delay_s"], 15.0))),
    Band("drain_s", "drain after fault", Tol(0.30, lambda p: 10.0), Tol(0.35, lambda p: 10.0)),
    Band("backlog_spread_s", "backlog spread", None, Tol(0.50, lambda p: 10.0)),
    Band("failed_connections", "failed connections", Tol(0.35), Tol(0.50)),
    Band("message_deferrals", "message deferrals", Tol(0.35), Tol(0.50)),
    Band("bounced", "bounces", Tol(0.20), Tol(0.40)),
    Band("during_p50_s", "during-fault p50", Tol(0.15), Tol(0.30)),
    Band("during_p95_s", "during-fault p95", Tol(0.15), Tol(0.30)),
)

DRAIN_THRESHOLD = 5  # queue size that counts as drained
WINDOWS = ("before", "during", "after")
FORMS = ("params", "explicit")
NOT_SUPPORTED = "not supported by this mailflow"

# Every row of the table: key, label, decimals. Rows with a band are judged.
ROWS = [
    ("generated", "messages generated", 0),
    ("delivered", "delivered", 0),
    ("bounced", "bounced (expired)", 0),
    ("peak_queue", "peak queue at the sender", 0),
    ("peak_at_s", "peak at (s)", 0),
    ("queue_at_fault_end", "queue when the fault ends", 0),
    ("first_delivery_s", "first delivery after the fault end (s)", 1),
    ("drain_s", f"drained (queue <= {DRAIN_THRESHOLD}) after the fault end (s)", 0),
    ("backlog_spread_s", "backlog spread: drained - first delivery (s)", 0),
    ("connection_attempts", "connection attempts (sent + failed)", 0),
    ("failed_connections", "failed connection attempts", 0),
    ("message_deferrals", "message deferrals (status=deferred, incl. suspended)", 0),
    ("suspended", "  of which 'delivery temporarily suspended'", 0),
]
for _w in WINDOWS:
    _nd = 3 if _w == "before" else 1
    ROWS += [
        (f"{_w}_n", f"[{_w} fault] delivered", 0),
        (f"{_w}_mean_s", f"[{_w} fault] latency mean (s)", _nd),
        (f"{_w}_p50_s", f"[{_w} fault] latency p50 (s)", _nd),
        (f"{_w}_p95_s", f"[{_w} fault] latency p95 (s)", _nd),
        (f"{_w}_max_s", f"[{_w} fault] latency max (s)", _nd),
    ]

NAN = float("nan")


def isnum(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and not math.isnan(x)


def pct(xs, p):
    """Percentile with linear interpolation (numpy's default)."""
    if not xs:
        return NAN
    xs = sorted(xs)
    k = (len(xs) - 1) * p
    lo, hi = math.floor(k), math.ceil(k)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def secs(v):
    """Postfix time value ('67s', '10m', '1h', '2d', '300') -> seconds."""
    v = str(v).strip()
    unit = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}.get(v[-1])
    return float(v[:-1]) * unit if unit else float(v)


def dur(s):
    """seconds -> mailflow duration in the largest exact unit ('10m', '67s', '250ms')."""
    ms = round(s * 1000)
    for unit, n in (("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if ms and ms % n == 0:
            return f"{ms // n}{unit}"
    return f"{ms}ms" if ms else "0s"


def read_csv(run, name):
    """RUN/name or RUN/name.gz."""
    path = os.path.join(run, name)
    if os.path.exists(path):
        with open(path, newline="") as f:
            return list(csv.DictReader(f))
    with gzip.open(path + ".gz", "rt", newline="") as f:
        return list(csv.DictReader(io.StringIO(f.read())))


def window(t, fa, fe):
    return "before" if t < fa else "during" if t < fe else "after"


def lat_metrics(w, lat):
    return {
        f"{w}_n": len(lat),
        f"{w}_mean_s": sum(lat) / len(lat) if lat else NAN,
        f"{w}_p50_s": pct(lat, 0.5),
        f"{w}_p95_s": pct(lat, 0.95),
        f"{w}_max_s": max(lat) if lat else NAN,
    }


def queue_metrics(q, fa, fe):
    """q: [(t, queue)] once a second."""
    peak_t, peak = max(q, key=lambda x: (x[1], -x[0]))
    drained = next((t for t, n in q if t >= fe and n <= DRAIN_THRESHOLD), None)
    return {
        "peak_queue": peak,
        "peak_at_s": peak_t,
        "drain_s": drained - fe if drained is not None else math.inf,
        "queue_at_fault_end": next((n for t, n in q if t >= fe), NAN),
    }


# ================================================================== the real run


def real_metrics(run, meta):
    """Metrics of the real run, as the same definitions apply to mailflow."""
    fa, fe = meta["fault_at_s"], meta["fault_at_s"] + meta["fault_for_s"]
    q = [(int(r["t"]), int(r["total"])) for r in read_csv(run, "queue.csv")]
    msgs = read_csv(run, "messages.csv")
    qids = {m["qid"] for m in msgs}
    att = [a for a in read_csv(run, "attempts.csv") if a["qid"] in qids]  # not the bounces
    kinds = {}
    for a in att:
        kinds[a["kind"]] = kinds.get(a["kind"], 0) + 1
    m = {
        "generated": len(msgs),
        "delivered": sum(1 for x in msgs if x["outcome"] == "sent"),
        "bounced": sum(1 for x in msgs if x["outcome"] in ("expired", "bounced")),
        "connection_attempts": kinds.get("sent", 0) + kinds.get("failed", 0),
        "failed_connections": kinds.get("failed", 0),
        "message_deferrals": kinds.get("failed", 0) + kinds.get("suspended", 0),
        "suspended": kinds.get("suspended", 0),
    }
    m.update(queue_metrics(q, fa, fe))
    sent_after = [float(a["t"]) for a in att if a["kind"] == "sent" and float(a["t"]) >= fe]
    m["first_delivery_s"] = min(sent_after) - fe if sent_after else math.inf
    m["backlog_spread_s"] = m["drain_s"] - m["first_delivery_s"]
    for w in WINDOWS:
        lat = [float(x["latency"]) for x in msgs
               if x["outcome"] == "sent" and window(float(x["t_submit"]), fa, fe) == w]
        m.update(lat_metrics(w, lat))
    series = {
        "queue": q,
        "deferrals": [float(a["t"]) for a in att if a["kind"] in ("failed", "suspended")],
        "failed": [float(a["t"]) for a in att if a["kind"] == "failed"],
    }
    return m, series


# ================================================================== the scenario


def params_of(settings):
    return {
        "queue_run_delay_s": secs(settings["queue_run_delay"]),
        "minimal_backoff_time_s": secs(settings["minimal_backoff_time"]),
        "maximal_backoff_time_s": secs(settings["maximal_backoff_time"]),
        "maximal_queue_lifetime_s": secs(settings["maximal_queue_lifetime"]),
        "bounce_queue_lifetime_s": secs(settings.get("bounce_queue_lifetime",
                                                     settings["maximal_queue_lifetime"])),
        "initial_destination_concurrency": int(settings["initial_destination_concurrency"]),
        "failed_cohort_limit": int(settings["default_destination_concurrency_failed_cohort_limit"]),
        "destination_concurrency_limit": int(settings["default_destination_concurrency_limit"]),
    }


def retry_of(form, p):
    if form == "params":
        return (
            "{preset: postfix, "
            f"queue_run_delay: {dur(p['queue_run_delay_s'])}, "
            f"minimal_backoff_time: {dur(p['minimal_backoff_time_s'])}, "
            f"maximal_backoff_time: {dur(p['maximal_backoff_time_s'])},\n"
            f"                 maximal_queue_lifetime: {dur(p['maximal_queue_lifetime_s'])}, "
            f"bounce_queue_lifetime: {dur(p['bounce_queue_lifetime_s'])},\n"
            f"                 initial_destination_concurrency: "
            f"{p['initial_destination_concurrency']}, "
            f"destination_concurrency_failed_cohort_limit: {p['failed_cohort_limit']}}}"
        )
    return (f"{{backoff: {{min: {dur(p['minimal_backoff_time_s'])}, "
            f"max: {dur(p['maximal_backoff_time_s'])}, factor: 2}}, "
            f"expire_after: {dur(p['maximal_queue_lifetime_s'])}}}")


def scenario(form, meta, p, duration_s, latency_s):
    fa, ff, load = meta["fault_at_s"], meta["fault_for_s"], meta["load_s"]
    fe = fa + ff
    fault_kind = {"refused": "firewall_block", "421": "service_unavailable"}[meta["fault"]]
    # One stream per window so that latency is reported per window (profile: rate multiplier
    # from `at` until the next point; normalize: false keeps it as written).
    windows = {
        "before": [(0, 1), (min(fa, load), 0)],
        "during": [(0, 0), (fa, 1), (min(fe, load), 0)],
        "after": [(0, 0), (fe, 1), (load, 0)],
    }
    out = [
        "# Generated by mailflow conformance/postfix/lib/compare.py from a real Postfix run:",
        f"# {meta['rate_per_s']:g} msg/s Poisson for {load:g} s, receiver fault "
        f"'{meta['fault']}' from {fa:g} s for {ff:g} s. Formulation: {form}.",
        f"name: conformance-{form}",
        f"duration: {dur(duration_s)}",
        "seed: 1",
        "sample_every: 1s",
        "nodes:",
        "  mta:    # the Postfix under test",
        "    kind: smtp",
        "    workers: unlimited",
        "    service_time: {fixed: 0s}",
        f"    max_connections_per_destination: {p['destination_concurrency_limit']}",
        f"    retry: {retry_of(form, p)}",
        "  sink:   # smtp-sink: 256 connections (-m), no in_flow_delay",
        "    kind: smtp",
        "    workers: unlimited",
        "    service_time: {fixed: 0s}",
        "    inbound: {max_connections: 256, max_connections_per_source: unlimited, in_flow_delay: 0s}",
        "domains:",
        "  sink.test: {mx: sink, mailboxes: {sink: 1.0}}",
        "  bench.test: {mx: mta, mailboxes: {mta: 1.0}}   # the senders; NDRs come back here",
        "connectors:",
        f"  - {{name: mta-to-sink, from: mta, to: sink, domains: [sink.test], rtt: 0.1ms, "
        f"latency: {{fixed: {dur(latency_s)}}}}}   # loopback; latency: the measured delay",
        "traffic:",
    ]
    for w, pts in windows.items():
        if pts[-1][0] <= pts[-2][0]:
            continue  # empty window
        prof = ", ".join(f"{{at: {dur(t)}, x: {x}}}" for t, x in pts)
        out.append(f"  - {{name: {w}, from: mta, sender_domain: bench.test, to: sink.test, "
                   f"rate: {meta['rate_per_s']:g}/s, size: {{fixed: 1KB}},")
        out.append(f"     normalize: false, profile: [{prof}]}}")
    out += ["faults:", f"  - {{kind: {fault_kind}, node: sink, at: {dur(fa)}, for: {dur(ff)}}}",
            ""]
    return "\n".join(out)


# ================================================================== mailflow runs


def count(v):
    """A count, or a by-code map of counts -> their sum; None otherwise."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, dict) and v and all(isinstance(x, (int, float)) for x in v.values()):
        return sum(v.values())
    if isinstance(v, dict) and not v:
        return 0
    return None


def first_key(d, path, names):
    for k in names:
        if k in d and count(d[k]) is not None:
            return f"{path}.{k}", count(d[k])
    return None, None


def sim_metrics(report, meta):
    """Metrics of one mailflow report folder, and which summary.json keys gave them."""
    fa, fe = meta["fault_at_s"], meta["fault_at_s"] + meta["fault_for_s"]
    with open(os.path.join(report, "summary.json")) as f:
        sm = json.load(f)
    q, dlv = [], []
    with open(os.path.join(report, "timeseries.csv"), newline="") as f:
        for r in csv.DictReader(f):
            t = float(r["time_s"])
            if r["node"] == "sink":
                dlv.append((t, int(r["delivered"])))
            elif r["node"] == "mta":
                q.append((round(t), int(r["queued"]) + int(r["in_service"])))
    c = sm.get("connectors", {}).get("mta-to-sink", {})
    cp = "connectors.mta-to-sink"
    keys = {}
    k, failed = first_key(c, cp, ("failed_connections", "failed_connections_by_code"))
    if k is None:  # today's mailflow: every attempt that did not deliver failed
        k, failed = f"{cp}.attempts - {cp}.delivered (derived)", max(
            0, c.get("attempts", 0) - c.get("delivered", 0))
    keys["failed_connections"] = k
    k, deferrals = first_key(c, cp, ("message_deferrals",))
    keys["message_deferrals"] = k or "not reported"
    k, bounced = first_key(c, cp, ("expired",))
    if k is None:
        k, bounced = "messages.ndr", sm["messages"]["ndr"]
    keys["bounced"] = k
    m = {
        "generated": sm["messages"]["generated"],
        "delivered": sm["messages"]["delivered"],
        "bounced": bounced,
        "connection_attempts": c.get("connection_attempts", c.get("attempts", NAN)),
        "failed_connections": failed,
        "message_deferrals": deferrals if deferrals is not None else NAN,
        "suspended": NAN,
    }
    m.update(queue_metrics(q, fa, fe))
    base = max((n for t, n in dlv if t <= fe), default=0)
    first = next((t for t, n in dlv if t > fe and n > base), None)
    m["first_delivery_s"] = first - fe if first is not None else math.inf
    m["backlog_spread_s"] = m["drain_s"] - m["first_delivery_s"]
    for w in WINDOWS:
        tr = sm.get("traffic", {}).get(w)
        if tr is None:
            m.update(lat_metrics(w, []))
            continue
        lat = tr.get("latency_s", {})
        n = tr.get("delivered", NAN)
        m[f"{w}_n"] = n
        for s in ("mean", "p50", "p95", "max"):
            if n == 0:  # nothing delivered: no latency (mailflow writes 0)
                m[f"{w}_{s}_s"] = math.inf if s != "mean" else NAN
            else:
                m[f"{w}_{s}_s"] = lat[s] if isnum(lat.get(s)) else NAN
    keys["latency"] = "traffic.<window>.latency_s.{mean,p50,p95,max}"
    series = {"queue": q}
    return m, series, keys


def first_error(text):
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    pick = next((ln for ln in lines if "unknown key" in ln), None)
    pick = pick or next((ln for ln in lines if "error" in ln), None) or (lines[0] if lines else "")
    return pick if len(pick) <= 160 else pick[:157] + "..."


def simulate(mailflow, path, out_dir, form, seeds, meta):
    runs, keys = [], {}
    for seed in range(1, seeds + 1):
        out = os.path.join(out_dir, "sim", f"{form}-{seed}")
        p = subprocess.run(
            [mailflow, "run", path, "--seed", str(seed), "--out", out, "--quiet", "--force"],
            capture_output=True, text=True,
        )
        said = p.stderr + p.stdout
        if p.returncode == 2:
            return NOT_SUPPORTED, [], {}, first_error(said)
        if p.returncode != 0:
            return f"mailflow failed (exit {p.returncode})", [], {}, first_error(said)
        m, series, keys = sim_metrics(out, meta)
        runs.append((m, series))
    return "ok", runs, keys, ""


# ================================================================== judging


def judge(band, tol, real, vals, p):
    r = {"key": band.key, "name": band.name, "real": real, "median": None, "allowed": None}
    vals = [x for x in vals if not (isinstance(x, float) and math.isnan(x))]
    if not vals:
        return {**r, "met": False, "shown": "not reported"}
    med = statistics.median(vals)
    r["median"] = med
    if not isnum(real) or math.isinf(real):
        return {**r, "met": False, "shown": "no real value"}
    allowed = tol.allowed(real, p)
    r["allowed"] = allowed
    met = not math.isinf(med) and abs(med - real) <= allowed + 1e-9
    if math.isinf(med):
        shown = "never"
    elif band.key.endswith("_s"):
        d = med - real
        shown = f"{d:+.1f} s" + (f" ({d / real * 100:+.0f} %)" if tol.rel and real else "")
    elif real:
        shown = f"{(med - real) / real * 100:+.0f} %"
    else:
        shown = f"{med:g} vs 0"
    return {**r, "met": met, "shown": shown}


def fmt(x, nd):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if isinstance(x, float) and math.isinf(x):
        return "never"
    return f"{x:,.{nd}f}"


def cell(vals, nd):
    """median [min–max] over the seeds."""
    vals = [v for v in vals if not (isinstance(v, float) and math.isnan(v))]
    if not vals:
        return "–"
    med, lo, hi = statistics.median(vals), min(vals), max(vals)
    return fmt(med, nd) if lo == hi else f"{fmt(med, nd)} [{fmt(lo, nd)}–{fmt(hi, nd)}]"


def band_cell(b):
    if b is None:
        return ""
    if b["shown"] == "not reported":
        return "✗ not reported"
    return ("✓ " if b["met"] else "✗ ") + b["shown"]


def jsonable(x):
    if isinstance(x, float) and math.isnan(x):
        return None
    if isinstance(x, float) and math.isinf(x):
        return "inf"
    if isinstance(x, dict):
        return {k: jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    return x


def plot(path, meta, real_series, sims):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib not installed: no queue.png)", file=sys.stderr)
        return
    fa, fe = meta["fault_at_s"], meta["fault_at_s"] + meta["fault_for_s"]
    end = max(t for t, _ in real_series["queue"])
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(10, 7), sharex=True)
    for ax in (ax1, ax2):
        ax.axvspan(fa, fe, color="0.9")
    colors = {"params": "tab:green", "explicit": "tab:blue"}
    for form, runs in sims.items():
        for i, (_, s) in enumerate(runs):
            ax1.plot(*zip(*s["queue"]), color=colors.get(form, "tab:red"), lw=0.6, alpha=0.5,
                     label=f"mailflow {form}" if i == 0 else None)
    ax1.plot(*zip(*real_series["queue"]), color="black", lw=1.5, label="real Postfix")
    for key, ls in (("deferrals", "-"), ("failed", "--")):
        ts = sorted(real_series[key])
        if ts:
            ax2.step(ts + [end], list(range(1, len(ts) + 1)) + [len(ts)], where="post",
                     color="black", ls=ls, label=f"real Postfix: {key}")
    ax1.set_ylabel("queue at the sender")
    ax2.set_ylabel("cumulative (real)")
    ax2.set_yscale("symlog", linthresh=10)
    ax2.set_xlabel("seconds since the load start (grey: fault)")
    ax1.legend(fontsize=8)
    ax2.legend(fontsize=8)
    ax1.set_xlim(0, end)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run")
    ap.add_argument("--mailflow", required=True)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--profile", choices=("full", "ci"), default="full")
    ap.add_argument("--out")
    ap.add_argument("--forms", default=",".join(FORMS))
    ap.add_argument("--latency", type=float, default=0.003,
                    help="connector latency in seconds (Postfix on loopback: ~3 ms)")
    ap.add_argument("--no-plot", action="store_true")
    a = ap.parse_args()
    forms = [f for f in a.forms.split(",") if f]
    if not forms or any(f not in FORMS for f in forms):
        ap.error(f"--forms: a comma-separated list of {', '.join(FORMS)}")
    out_dir = a.out or tempfile.mkdtemp(prefix="mailflow-conformance-")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(a.run, "meta.json")) as f:
        meta = json.load(f)
    with open(os.path.join(a.run, "settings.json")) as f:
        settings = json.load(f)
    p = params_of(settings)
    real, real_series = real_metrics(a.run, meta)
    duration_s = max(meta["load_s"] + 300, math.ceil(meta["end_s"]) + 60)

    results, sims = {}, {}
    for form in forms:
        path = os.path.join(out_dir, f"{form}.yaml")
        with open(path, "w") as f:
            f.write(scenario(form, meta, p, duration_s, a.latency))
        status, runs, keys, err = simulate(a.mailflow, path, out_dir, form, a.seeds, meta)
        r = {"status": status, "seeds": len(runs), "keys": keys, "error": err}
        if status == "ok":
            sims[form] = runs
            r["bands"] = []
            for b in BANDS:
                tol = getattr(b, a.profile)
                if tol is not None:
                    r["bands"].append(judge(b, tol, real[b.key], [m[b.key] for m, _ in runs], p))
            r["bands_met"] = sum(b["met"] for b in r["bands"])
            r["median"] = {k: statistics.median([m[k] for m, _ in runs]) for k, _, _ in ROWS
                           if any(isnum(m[k]) for m, _ in runs)}
        results[form] = r

    # ---- the table
    head = ["metric", "real Postfix"]
    for form in forms:
        st = results[form]["status"]
        head += [f"mailflow {form}" + ("" if st == "ok" else f" ({st})"), "band"]
    md = [
        f"# {os.path.basename(os.path.abspath(a.run))}: real Postfix vs mailflow "
        f"({a.profile} bands)",
        "",
        f"Real run: Postfix {settings.get('mail_version', '?')}, {meta['messages']} messages "
        f"({meta['rate_per_s']:g}/s Poisson for {meta['load_s']:g} s, seed {meta['seed']}), "
        f"fault `{meta['fault']}` {meta['fault_at_s']:g}–"
        f"{meta['fault_at_s'] + meta['fault_for_s']:g} s; queue_run_delay "
        f"{settings['queue_run_delay']}, minimal/maximal_backoff_time "
        f"{settings['minimal_backoff_time']}/{settings['maximal_backoff_time']}, "
        f"maximal_queue_lifetime {settings['maximal_queue_lifetime']}, destination concurrency "
        f"{settings['default_destination_concurrency_limit']} (initial "
        f"{settings['initial_destination_concurrency']}); largest submit lag "
        f"{meta['max_submit_lag_s']} s. mailflow ({a.mailflow}): seeds 1–{a.seeds}, "
        f"median [min–max].",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for key, label, nd in ROWS:
        row = [label, fmt(real.get(key), nd)]
        for form in forms:
            r = results[form]
            if r["status"] != "ok":
                row += ["–", ""]
                continue
            b = next((b for b in r["bands"] if b["key"] == key), None)
            row += [cell([m[key] for m, _ in sims[form]], nd), band_cell(b)]
        md.append("| " + " | ".join(row) + " |")
    tols = [f"{b.name} ±{getattr(b, a.profile).text(p)}" for b in BANDS
            if getattr(b, a.profile) is not None]
    md += ["", f"Bands ({a.profile}; median over seeds vs the real run): " + ", ".join(tols) + "."]
    md.append("")
    for form in forms:
        r = results[form]
        if r["status"] == "ok":
            broken = [f"{b['name']} {b['shown']}" for b in r["bands"] if not b["met"]]
            line = (f"mailflow {form}: {r['bands_met']}/{len(r['bands'])} bands met"
                    + (f"; broken: {', '.join(broken)}" if broken else ""))
            md.append(f"- {line}")
            md.append("  - keys: " + ", ".join(f"{k} from `{v}`" for k, v in r["keys"].items()))
        else:
            line = f"mailflow {form}: {r['status']}" + (f" ({r['error']})" if r["error"] else "")
            md.append(f"- {line}")
        r["summary"] = line
    text = "\n".join(md) + "\n"
    with open(os.path.join(out_dir, "comparison.md"), "w") as f:
        f.write(text)
    verdict = {
        "run": os.path.abspath(a.run),
        "profile": a.profile,
        "mailflow": a.mailflow,
        "real": real,
        "bands": [{"key": b.key, "name": b.name, "rel": getattr(b, a.profile).rel,
                   "abs_s": getattr(b, a.profile).abs_s(p) if getattr(b, a.profile).abs_s
                   else None} for b in BANDS if getattr(b, a.profile) is not None],
        "formulations": results,
    }
    with open(os.path.join(out_dir, "verdict.json"), "w") as f:
        json.dump(jsonable(verdict), f, indent=2)
    print(text)
    print(f"(written to {out_dir})")
    if not a.no_plot:
        plot(os.path.join(out_dir, "queue.png"), meta, real_series, sims)

    primary = results[forms[0]]
    if primary["status"] == NOT_SUPPORTED:
        return 3
    if primary["status"] != "ok":
        return 4
    return 0 if primary["bands_met"] == len(primary["bands"]) else 1


if __name__ == "__main__":
    sys.exit(main())
