#!/usr/bin/env python3
"""Real Postfix mail logs with a KNOWN arrival process, for fitting traffic from logs.

    maillog.py piecewise --out RAW --smtpd ADDR --sink ADDR --spool SPOOL --log MAILLOG --dest DIR
    maillog.py day       (same options; Postfix must already run under libfaketime, see run.sh)
    maillog.py next-midnight    (prints the fake start time used by `day`)

Both modes submit a non-homogeneous Poisson load whose rate is piecewise constant:
  piecewise  real time: 5 segments of 4 min (2, 6, 3, 10, 1 msg/s), ~5,300 messages, ~21 min
  day        a simulated 24 h day with an hourly profile (12,000 messages), Postfix's clock
             sped up 60x by libfaketime, so the day takes 24 min of real time; arrivals are
             scheduled on the simulated clock and submitted at simulated_time / 60 real seconds
Every message has a sender from one of several domains, 1-3 recipients (weights 0.6/0.3/0.1) in
different domains that all route to the same smtp-sink, and a lognormal size (median 4 KB,
sigma 1.0, at most 256 KB). Sessions carry 1-5 messages (new SMTP connection per session).

Stores in DIR/<mode>/: maillog.gz (Postfix's own maillog_file, untouched), truth.json (the
profile, seed, counts, clock calibration) and messages.csv.gz (per message: scheduled time,
submit time, queue id, sender, recipients, size).
"""

import argparse
import csv
import datetime as dt
import gzip
import json
import math
import os
import random
import re
import smtplib
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pfbench  # noqa: E402

SENDER_DOMAINS = {"example.com": 0.4, "corp.example.net": 0.25, "news.example.org": 0.15,
                  "shop.example": 0.1, "mail.example.info": 0.1}
RCPT_DOMAINS = {"sink.test": 0.4, "partner.test": 0.3, "customer.example": 0.2,
                "lists.example.org": 0.1}
NRCPT = {1: 0.6, 2: 0.3, 3: 0.1}
SIZE = {"median_bytes": 4000, "sigma": 1.0, "max_bytes": 262144}
SESSION_LEN = (1, 5)  # messages per SMTP session, uniform

PIECEWISE = [  # (start_s, end_s, rate per second)
    (0, 240, 2.0), (240, 480, 6.0), (480, 720, 3.0), (720, 960, 10.0), (960, 1200, 1.0)]
# Hourly multipliers of a business day (mean 1.0 over the 24 h).
DAY_SHAPE = [0.2, 0.15, 0.12, 0.12, 0.15, 0.25, 0.5, 1.0, 1.7, 2.1, 2.2, 2.0,
             1.6, 1.9, 2.1, 2.0, 1.7, 1.3, 0.9, 0.7, 0.55, 0.45, 0.35, 0.28]
DAY_MESSAGES = 12000
SPEED = 60


def pick(rng, weights):
    r, acc = rng.random() * sum(weights.values()), 0.0
    for k, w in weights.items():
        acc += w
        if r < acc:
            return k
    return k


def arrivals(rng, segments):
    """Poisson arrivals for piecewise-constant rates (exact: memoryless at each boundary)."""
    for start, end, rate in segments:
        t = start
        while rate > 0:
            t += rng.expovariate(rate)
            if t >= end:
                break
            yield t


def day_segments():
    mean = sum(DAY_SHAPE) / 24
    base = DAY_MESSAGES / 86400.0
    return [(h * 3600, (h + 1) * 3600, base * x / mean) for h, x in enumerate(DAY_SHAPE)]


def next_midnight():
    """Fake start of the `day` run: 10 simulated minutes (10 s real) before the next midnight."""
    d = dt.datetime.now().date() + dt.timedelta(days=1)
    return (dt.datetime.combine(d, dt.time()) - dt.timedelta(minutes=10)).strftime(
        "%Y-%m-%d %H:%M:%S")


def body(rng, seq, sender, rcpts, size):
    head = (f"From: <{sender}>\r\nTo: {', '.join(f'<{r}>' for r in rcpts)}\r\n"
            f"Subject: log-fit message {seq}\r\nX-Seq: {seq}\r\n\r\n")
    n = max(0, size - len(head))
    line = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ+-" * 2  # 128 chars
    lines, left = [], n
    while left > 0:
        k = min(len(line), max(1, left - 2))
        lines.append(line[:k])
        left -= k + 2
    return (head + "\r\n".join(lines) + "\r\n").encode()


LOG_STAMP = re.compile(r"^(\w{3})\s+(\d+) (\d\d):(\d\d):(\d\d) ")


def log_time(text, year):
    """'Dec  1 00:03:17 ...' -> epoch seconds (local time) or None."""
    m = LOG_STAMP.match(text)
    if not m:
        return None
    t = time.strptime(f"{year} {m[1]} {m[2]} {m[3]}:{m[4]}:{m[5]}", "%Y %b %d %H:%M:%S")
    return time.mktime(t)


class Submitter:
    """SMTP sessions of 1-5 messages; reconnects when the server closed an idle session."""

    def __init__(self, addr, rng):
        self.host, self.port = addr.rsplit(":", 1)
        self.rng, self.smtp, self.left = rng, None, 0
        self.queued_as = re.compile(rb"queued as ([0-9A-Za-z]+)")

    def send(self, sender, rcpts, data):
        for attempt in range(3):
            try:
                if self.smtp is None or self.left <= 0:
                    self.close()
                    self.smtp = smtplib.SMTP(self.host, int(self.port), timeout=30)
                    self.smtp.ehlo(f"client{self.rng.randint(1, 40)}.{sender.split('@')[1]}")
                    self.left = self.rng.randint(*SESSION_LEN)
                self.smtp.mail(sender)
                for r in rcpts:
                    self.smtp.rcpt(r)
                code, resp = self.smtp.data(data)
                self.left -= 1
                m = self.queued_as.search(resp)
                return m.group(1).decode() if m else ""
            except (smtplib.SMTPServerDisconnected, ConnectionError, OSError):
                self.smtp, self.left = None, 0
                if attempt == 2:
                    raise
        return ""

    def close(self):
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.smtp = None


def run(a):
    speed = SPEED if a.mode == "day" else 1
    segments = day_segments() if a.mode == "day" else PIECEWISE
    if a.quick:  # smoke test: the same profile, 1/20 of the length (and of the messages)
        segments = [(s / 20, e / 20, r) for s, e, r in segments]
    rng = random.Random(a.seed)
    times = list(arrivals(rng, segments))
    stop = threading.Event()
    t0 = time.time()
    follower = pfbench.Follower(a.log, os.path.join(a.out, "postfix-stamped.log"), t0, stop)
    follower.start()
    sub = Submitter(a.smtpd, rng)
    year = dt.datetime.now().year

    # The `day` run starts its schedule when Postfix's (fake) clock shows midnight.
    clock = None
    if a.mode == "day":
        clock = calibrate(sub, a, t0, year)
        start_real = clock["real_at_fake_midnight"]
        year = clock["fake_year"]
    else:
        start_real = t0 + 1.0
    rows, late = [], 0.0
    for seq, ts in enumerate(times):
        when = start_real + ts / speed
        wait = when - time.time()
        if wait > 0:
            time.sleep(wait)
        else:
            late = max(late, -wait)
        sender = f"{pick(rng, {'alice': 1, 'bob': 1, 'noreply': 1, 'billing': 1, 'ops': 1})}" \
                 f"{rng.randint(1, 50)}@{pick(rng, SENDER_DOMAINS)}"
        n = pick(rng, NRCPT)
        doms = rng.sample(list(RCPT_DOMAINS), k=n) if n > 1 else [pick(rng, RCPT_DOMAINS)]
        rcpts = [f"user{rng.randint(1, 500)}@{d}" for d in doms]
        size = min(SIZE["max_bytes"], int(rng.lognormvariate(math.log(SIZE["median_bytes"]),
                                                             SIZE["sigma"])))
        qid = sub.send(sender, rcpts, body(rng, seq, sender, rcpts, size))
        t_sub = time.time()
        rows.append([seq, f"{ts:.3f}", f"{(t_sub - start_real) * speed:.3f}", qid, sender,
                     " ".join(rcpts), size])
    sub.close()
    # Drain: until the queue is empty (deliveries to the sink take milliseconds).
    for _ in range(120):
        if pfbench.queue_total(a.spool) == 0:
            break
        time.sleep(1)
    time.sleep(2)
    stop.set()
    follower.join()
    return segments, speed, rows, late, start_real, clock, year


def calibrate(sub, a, t0, year):
    """Reads Postfix's fake clock from its log lines: fake = offset + SPEED * real."""
    stamped = os.path.join(a.out, "postfix-stamped.log")
    pairs = []
    deadline = time.time() + 30
    while time.time() < deadline and len(pairs) < 20:
        sub.send("clock@probe.example", ["probe@sink.test"], b"Subject: clock probe\r\n\r\nx\r\n")
        time.sleep(0.2)
        pairs = clock_pairs(stamped, t0, year)
    if len(pairs) < 5:
        raise RuntimeError("no Postfix log lines to calibrate the fake clock")
    # The log stamp has 1 s resolution (1/SPEED s real); the line is read up to 20 ms later.
    # Take the largest offset (the line read soonest after it was written).
    off = max(fake - SPEED * real for real, fake in pairs)
    lt = time.localtime(off + SPEED * time.time())  # the fake clock now
    mid = time.mktime((lt.tm_year, lt.tm_mon, lt.tm_mday, 0, 0, 0, 0, 0, -1)) + 86400
    return {"offset": off, "real_at_fake_midnight": (mid - off) / SPEED,
            "fake_midnight_epoch": mid, "fake_year": time.localtime(mid).tm_year}


def clock_pairs(stamped, t0, year):
    pairs = []
    with open(stamped, errors="replace") as f:
        for ln in f:
            stamp, _, text = ln.rstrip("\n").partition("\t")
            ft = log_time(text, year)
            if ft is not None:
                pairs.append((t0 + float(stamp), ft))
    return pairs


def store(a, segments, speed, rows, late, start_real, clock, year):
    dest = os.path.join(a.dest, a.mode)
    os.makedirs(dest, exist_ok=True)
    with open(a.log, "rb") as f, gzip.open(os.path.join(dest, "maillog.gz"), "wb", 9) as g:
        g.write(f.read())
    with gzip.open(os.path.join(dest, "messages.csv.gz"), "wt", 9, newline="") as g:
        w = csv.writer(g)
        w.writerow(["seq", "t_sched_s", "t_submit_s", "qid", "sender", "recipients", "size"])
        w.writerows(rows)
    # How well Postfix's log clock follows the schedule clock: fit log_time = a + k * real
    # over every line read during the run (k = 1 for `piecewise`, SPEED for `day`).
    pairs = []
    with open(os.path.join(a.out, "postfix-stamped.log"), errors="replace") as f:
        for ln in f:
            st, _, text = ln.rstrip("\n").partition("\t")
            ft = log_time(text, year)
            if ft is not None:
                pairs.append((float(st), ft))
    fit = linear_fit(pairs)
    nrcpt = {}
    for r in rows:
        k = len(r[5].split())
        nrcpt[k] = nrcpt.get(k, 0) + 1
    with open(a.settings) as f:
        settings = json.load(f)
    truth = {
        "mode": a.mode,
        "description": (
            "Real Postfix maillog_file of a Poisson load with a known piecewise-constant rate; "
            "every message delivered to smtp-sink. Times are seconds since the schedule start "
            "(log_start below); rates are messages per (simulated) second."),
        "seed": a.seed,
        "profile": [{"start_s": s, "end_s": e, "rate_per_s": r, "expected": r * (e - s)}
                    for s, e, r in segments],
        "messages": len(rows),
        "recipients": sum(nrcpt[k] * k for k in nrcpt),
        "messages_by_nrcpt": {str(k): nrcpt[k] for k in sorted(nrcpt)},
        "sender_domains": SENDER_DOMAINS,
        "recipient_domains": RCPT_DOMAINS,
        "recipients_per_message": {str(k): v for k, v in NRCPT.items()},
        "size": {"distribution": "lognormal", **SIZE,
                 "note": "body bytes submitted; Postfix's size= adds its own headers"},
        "messages_per_session": {"uniform": list(SESSION_LEN)},
        "log_start": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(
            clock["fake_midnight_epoch"] if clock else start_real)),
        "log_start_epoch": round(clock["fake_midnight_epoch"] if clock else start_real, 3),
        "clock_speed": speed,
        "max_submit_lag_s": round(late * speed, 3),
        "max_submit_lag_note": "in schedule seconds (simulated for `day`)",
        "postfix": settings.get("mail_version"),
        "postfix_settings": settings,
        "log_clock_fit": fit,
        "files": {"maillog.gz": "Postfix maillog_file as written",
                  "messages.csv.gz": "ground truth per message (t_sched_s: schedule time; "
                                     "t_submit_s: when it was accepted, same clock)"},
    }
    if clock:
        truth["faketime"] = {
            "library": "libfaketime (Debian package faketime), FAKETIME='@<start> x60', "
                       "FAKETIME_DONT_RESET=1, shared start time via the faketime wrapper",
            "fake_start": a.fake_start,
            "before_log_start": (
                "lines before log_start are Postfix starting and the clock calibration "
                "(messages from clock@probe.example); the very first line (postfix-script) "
                "carries the real time, because postfix-script logs before the daemons run"),
            "delays": "delay= and delays= are in fake seconds too (60x the real transfer time)",
        }
    with open(os.path.join(dest, "truth.json"), "w") as f:
        json.dump(truth, f, indent=2)
    print(json.dumps({k: truth[k] for k in ("mode", "messages", "recipients", "log_start",
                                             "clock_speed", "max_submit_lag_s",
                                             "log_clock_fit")}))
    for name in os.listdir(dest):
        print(f"  {name}: {os.path.getsize(os.path.join(dest, name)):,} bytes")


def linear_fit(pairs):
    """Least squares fake = a + k * real over (real seconds, fake epoch) pairs."""
    if len(pairs) < 2:
        return None
    n = len(pairs)
    mx = sum(p[0] for p in pairs) / n
    my = sum(p[1] for p in pairs) / n
    sxx = sum((p[0] - mx) ** 2 for p in pairs)
    k = sum((p[0] - mx) * (p[1] - my) for p in pairs) / sxx if sxx else float("nan")
    res = [p[1] - (my + k * (p[0] - mx)) for p in pairs]
    return {"lines": n, "speed": round(k, 4),
            "residual_max_s": round(max(abs(r) for r in res), 2),
            "note": "log timestamp (1 s resolution) against the time the line was read"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=("piecewise", "day", "next-midnight"))
    ap.add_argument("--out")
    ap.add_argument("--smtpd", default="127.0.0.1:10026")
    ap.add_argument("--sink", default="127.0.0.3:2526")
    ap.add_argument("--spool")
    ap.add_argument("--log")
    ap.add_argument("--dest")
    ap.add_argument("--settings")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--fake-start", default="")
    ap.add_argument("--quick", action="store_true", help="smoke test: 1/20 of the profile")
    a = ap.parse_args()
    if a.mode == "next-midnight":
        print(next_midnight())
        return
    os.makedirs(a.out, exist_ok=True)
    sink = pfbench.Sink(a.sink, a.out)
    try:
        sink.set("ok")
        res = run(a)
    finally:
        sink.close()
    store(a, *res)


if __name__ == "__main__":
    main()
