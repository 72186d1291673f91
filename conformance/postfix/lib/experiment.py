#!/usr/bin/env python3
"""One real-Postfix fault experiment, then its log turned into per-attempt / per-message tables.

    experiment.py --out DIR --spool SPOOL --log MAILLOG [--rate 5 --load 600 --fault refused
                  --fault-at 120 --fault-for 180 --seed 1 --drain-max 300]

The private instance (instance.sh) must be running with an empty queue. Threads:
  load      Poisson arrivals (rate, seed) submitted over one persistent SMTP connection; each
            message's scheduled and actual submit time and its queue id ("250 ... queued as");
  fault     at fault-at stops smtp-sink ('refused': connections get RST) or restarts it as
            `smtp-sink -Q CONNECT` ('421': every connection is greeted with 421); the normal
            sink is back fault-for seconds later;
  sampler   queue files per queue directory and open connections to the sink, once a second;
  follower  the Postfix log, read every 20 ms, each line stamped with the time it was read.
After the load it waits until the queue has been empty for 5 s (at most drain-max seconds).
Times are seconds since t0, the start of the load.

Writes to --out: submits.csv, queue.csv, events.csv, postfix-stamped.log, sink.log, meta.json,
and (parse step) attempts.csv and messages.csv:
  attempts.csv  t, qid, kind, code, dsn, delay, pid, reason     one row per status= log line
                kind: sent | failed (a real connection attempt that failed) | suspended
                ("delivery temporarily suspended": deferred without a connection) | expired
                code: refused | 421 | other (failed only)
  messages.csv  seq, qid, t_sched, t_submit, t_done, outcome, latency, pf_delay, failed,
                suspended, activations
                outcome: sent | expired | pending; latency = t_done - t_submit (stamped times)
`experiment.py --parse-only --out DIR` redoes the parse step.
"""

import argparse
import csv
import json
import os
import random
import re
import signal
import smtplib
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pfbench  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--parse-only", action="store_true")
    ap.add_argument("--spool")
    ap.add_argument("--log")
    ap.add_argument("--smtpd", default="127.0.0.1:10026")
    ap.add_argument("--sink", default="127.0.0.3:2526")
    ap.add_argument("--domain", default="sink.test")
    ap.add_argument("--rate", type=float, default=5.0)
    ap.add_argument("--load", type=float, default=600.0)
    ap.add_argument("--fault", choices=("refused", "421", "none"), default="refused")
    ap.add_argument("--fault-at", type=float, default=120.0)
    ap.add_argument("--fault-for", type=float, default=180.0)
    ap.add_argument("--drain-max", type=float, default=300.0)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    if not a.parse_only:
        # SIGTERM (run.sh's cleanup) unwinds through `finally`, which stops the sink.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        sink = pfbench.Sink(a.sink, a.out)
        try:
            sink.set("ok")
            experiment(a, sink)
        finally:
            sink.close()
    parse(a.out)


def experiment(a, sink):
    stop = threading.Event()
    events = []
    load_before = os.getloadavg()
    t0 = time.time()
    follower = pfbench.Follower(a.log, os.path.join(a.out, "postfix-stamped.log"), t0, stop)
    sampler = pfbench.Sampler(os.path.join(a.out, "queue.csv"), a.spool, a.sink, t0, stop)

    def fault():
        if a.fault == "none":
            return
        time.sleep(max(0.0, t0 + a.fault_at - time.time()))
        sink.set(a.fault)
        events.append((time.time() - t0, f"fault_start {a.fault}"))
        time.sleep(max(0.0, t0 + a.fault_at + a.fault_for - time.time()))
        sink.set("ok")
        events.append((time.time() - t0, "fault_end"))

    fault_thread = threading.Thread(target=fault, daemon=True)
    for th in (follower, sampler, fault_thread):
        th.start()

    rng = random.Random(a.seed)
    host, port = a.smtpd.rsplit(":", 1)
    smtp = smtplib.SMTP(host, int(port))
    smtp.ehlo("loadgen.bench.test")
    queued_as = re.compile(rb"queued as ([0-9A-Za-z]+)")
    t_next, seq, late = 0.0, 0, 0.0
    with open(os.path.join(a.out, "submits.csv"), "w", newline="") as sub:
        sw = csv.writer(sub)
        sw.writerow(["seq", "t_sched", "t_submit", "qid"])
        while True:
            t_next += rng.expovariate(a.rate)
            if t_next >= a.load:
                break
            wait = t0 + t_next - time.time()
            if wait > 0:
                time.sleep(wait)
            else:
                late = max(late, -wait)
            smtp.mail("load@bounces.test")
            smtp.rcpt(f"u{seq}@{a.domain}")
            body = f"Subject: bench {seq}\r\nX-Bench-Seq: {seq}\r\n\r\nmessage {seq}\r\n"
            code, resp = smtp.data(body.encode())
            t_sub = time.time() - t0
            m = queued_as.search(resp)
            sw.writerow([seq, f"{t_next:.3f}", f"{t_sub:.3f}", m.group(1).decode() if m else ""])
            seq += 1
    smtp.quit()
    events.append((time.time() - t0, "load_end"))
    fault_thread.join()

    # Drain: until the queue has been empty for 5 s, or drain-max after the load.
    empty_since = None
    while time.time() - t0 < a.load + a.drain_max:
        now = time.time() - t0
        if pfbench.queue_total(a.spool) == 0:
            empty_since = now if empty_since is None else empty_since
            if now - empty_since >= 5:
                break
        else:
            empty_since = None
        time.sleep(1)
    t_end = time.time() - t0
    events.append((t_end, "end"))
    time.sleep(1.5)
    stop.set()
    follower.join()
    sampler.join()

    with open(os.path.join(a.out, "events.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["t", "event"])
        for t, e in sorted(events):
            w.writerow([f"{t:.3f}", e])
    meta = {
        "t0_epoch": round(t0, 3),
        "rate_per_s": a.rate,
        "load_s": a.load,
        "fault": a.fault,
        "fault_at_s": a.fault_at,
        "fault_for_s": a.fault_for,
        "seed": a.seed,
        "messages": seq,
        "max_submit_lag_s": round(late, 3),
        "end_s": round(t_end, 3),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "events": {e: round(t, 3) for t, e in events},
    }
    with open(os.path.join(a.out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2)
    print(json.dumps(meta))


def failure_code(reason):
    if "Connection refused" in reason:
        return "refused"
    m = re.search(r"refused to talk to me: (\d{3})", reason)
    if m:
        return m.group(1)
    return "other"


def parse(run):
    """postfix-stamped.log + submits.csv -> attempts.csv, messages.csv."""
    attempts, activations = [], {}
    with open(os.path.join(run, "postfix-stamped.log"), errors="replace") as f:
        for ln in f:
            stamp, _, text = ln.rstrip("\n").partition("\t")
            p = pfbench.parse_line(text)
            if p is None:
                continue
            t = float(stamp)
            if p["kind"] == "active":
                activations[p["qid"]] = activations.get(p["qid"], 0) + 1
            elif p["kind"] == "expired":
                attempts.append((t, p["qid"], "expired", "", "", "", "", ""))
            elif p["kind"] in ("sent", "failed", "suspended", "bounced"):
                code = failure_code(p["reason"]) if p["kind"] == "failed" else ""
                attempts.append((t, p["qid"], p["kind"], code, p["dsn"], p["delay"], p["pid"],
                                 p["reason"][:120]))
    attempts.sort(key=lambda r: r[0])
    with open(os.path.join(run, "attempts.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["t", "qid", "kind", "code", "dsn", "delay", "pid", "reason"])
        for r in attempts:
            w.writerow([f"{r[0]:.3f}", *r[1:]])
    per = {}
    for t, qid, kind, _code, _dsn, delay, _pid, _reason in attempts:
        p = per.setdefault(qid, {"failed": 0, "suspended": 0, "done": None})
        if kind in ("failed", "suspended"):
            p[kind] += 1
        if kind in ("sent", "expired", "bounced") and p["done"] is None:
            p["done"] = (t, kind, delay)
    rows = []
    with open(os.path.join(run, "submits.csv")) as f:
        for r in csv.DictReader(f):
            p = per.get(r["qid"], {"failed": 0, "suspended": 0, "done": None})
            ts, done = float(r["t_submit"]), p["done"]
            rows.append([
                r["seq"], r["qid"], r["t_sched"], f"{ts:.3f}",
                f"{done[0]:.3f}" if done else "", done[1] if done else "pending",
                f"{done[0] - ts:.3f}" if done else "", done[2] if done else "",
                p["failed"], p["suspended"], activations.get(r["qid"], 0),
            ])
    with open(os.path.join(run, "messages.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["seq", "qid", "t_sched", "t_submit", "t_done", "outcome", "latency",
                    "pf_delay", "failed", "suspended", "activations"])
        w.writerows(rows)
    kinds = {}
    for r in attempts:
        kinds[r[2]] = kinds.get(r[2], 0) + 1
    print(f"{run}: {len(rows)} messages; status lines by kind {kinds}")


if __name__ == "__main__":
    main()
