"""Shared pieces of the real-Postfix side of the conformance suite (python3 stdlib only).

- Sink: the receiving smtp-sink, switchable between 'ok', 'refused' (not running) and '421'.
- Sampler: once a second, the queue files per queue directory and the open connections to
  the sink (read from /proc/net/tcp).
- Follower: tails Postfix's maillog_file every 20 ms and stamps each line with the time it was
  read (maillog_file timestamps only have 1 s resolution).
- parse_status(): splits a Postfix log line into its queue id and delivery-status fields.
"""

import contextlib
import csv
import os
import re
import socket
import subprocess
import threading
import time

QUEUES = ("maildrop", "incoming", "active", "deferred")


def count_files(path):
    n = 0
    try:
        with os.scandir(path) as it:
            for e in it:
                n += count_files(e.path) if e.is_dir(follow_symlinks=False) else 1
    except FileNotFoundError:
        pass
    return n


def queue_total(spool):
    return sum(count_files(os.path.join(spool, q)) for q in QUEUES)


def tcp_hex(addr):
    """'127.0.0.3:2526' -> '0300007F:09DE', the form /proc/net/tcp uses."""
    host, port = addr.rsplit(":", 1)
    ip = socket.inet_aton(host)
    return "".join(f"{b:02X}" for b in reversed(ip)) + f":{int(port):04X}"


def connections_to(addr_hex):
    """Client-side TCP sockets to addr that are established (01) or connecting (02)."""
    n = 0
    try:
        with open("/proc/net/tcp") as f:
            next(f)
            for ln in f:
                p = ln.split()
                if p[2] == addr_hex and p[3] in ("01", "02"):
                    n += 1
    except OSError:
        pass
    return n


class Sink:
    """The receiving smtp-sink; mode is 'ok', 'refused' (not running) or '421' (greets 421)."""

    def __init__(self, addr, logdir):
        self.addr = addr
        self.proc = None
        self.closed = False
        self.lock = threading.RLock()
        self.log = open(os.path.join(logdir, "sink.log"), "ab")
        self.pidfile = os.path.join(logdir, "sink.pid")

    def set(self, mode):
        with self.lock:
            if self.proc is not None:
                self.proc.terminate()
                self.proc.wait()
                self.proc = None
                with contextlib.suppress(FileNotFoundError):
                    os.remove(self.pidfile)
            if mode == "refused" or self.closed:
                return
            cmd = ["smtp-sink", "-u", "nobody", "-h", "sink.test"]
            if mode == "421":
                cmd += ["-Q", "CONNECT"]
            cmd += [self.addr, "256"]
            self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=self.log)
            with open(self.pidfile, "w") as f:
                f.write(f"{self.proc.pid}\n")
            host, port = self.addr.rsplit(":", 1)
            for _ in range(300):  # until it listens
                try:
                    with socket.create_connection((host, int(port)), timeout=0.2) as s:
                        s.recv(128)
                    return
                except OSError:
                    time.sleep(0.01)
            raise RuntimeError("smtp-sink did not start")

    def close(self):
        """Stops the sink for good (later switches do nothing)."""
        self.closed = True
        self.set("refused")


class Sampler(threading.Thread):
    """Writes queue.csv: t, maildrop, incoming, active, deferred, total, conns (once a second)."""

    def __init__(self, path, spool, sink_addr, t0, stop):
        super().__init__(daemon=True)
        self.path, self.spool, self.t0, self.stop = path, spool, t0, stop
        self.sink_hex = tcp_hex(sink_addr)

    def run(self):
        with open(self.path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["t", *QUEUES, "total", "conns"])
            k = 0
            while not self.stop.is_set():
                c = [count_files(os.path.join(self.spool, q)) for q in QUEUES]
                w.writerow([k, *c, sum(c), connections_to(self.sink_hex)])
                f.flush()
                k += 1
                time.sleep(max(0.0, self.t0 + k - time.time()))


class Follower(threading.Thread):
    """Copies new log lines to `out`, each prefixed with the seconds since t0 when it was read."""

    def __init__(self, log_path, out_path, t0, stop):
        super().__init__(daemon=True)
        self.logf = open(log_path, "rb")
        self.logf.seek(0, os.SEEK_END)  # only what is logged from now on
        self.out = open(out_path, "w")
        self.t0, self.stop = t0, stop

    def run(self):
        buf = b""
        while True:
            chunk = self.logf.read()
            now = time.time()
            if chunk:
                buf += chunk
                *lines, buf = buf.split(b"\n")
                for ln in lines:
                    self.out.write(f"{now - self.t0:.3f}\t{ln.decode(errors='replace')}\n")
            elif self.stop.is_set():
                break
            time.sleep(0.02)
        self.out.close()


# ------------------------------------------------------------------ log parsing

# "Nov 30 01:03:12 host postfix-mfconf/smtp[123]: 4ABC123: to=<...>, ..."
LINE = re.compile(r"^\w+\s+\d+ [\d:]+ \S+ (?P<prog>[\w/.-]+)\[(?P<pid>\d+)\]: (?P<msg>.*)$")
QID = re.compile(r"^(?P<qid>[0-9A-F]{6,}): (?P<rest>.*)$")
STATUS = re.compile(
    r"to=<(?P<to>[^>]*)>, (?:orig_to=<[^>]*>, )?relay=(?P<relay>[^,]+), (?:conn_use=\d+, )?"
    r"delay=(?P<delay>[\d.]+), delays=[\d./]+, dsn=(?P<dsn>[\d.]+), "
    r"status=(?P<status>\w+) \((?P<reason>.*)\)$"
)
EXPIRED = re.compile(r"from=<[^>]*>, status=expired, returned to sender")


def classify(status, reason):
    """sent | failed (smtp(8) tried and the connection/handshake failed) |
    suspended (qmgr deferred it without trying: destination dead) | bounced | other."""
    if status == "sent":
        return "sent"
    if status == "deferred":
        return "suspended" if reason.startswith("delivery temporarily suspended") else "failed"
    return status


def parse_line(text):
    """One Postfix log line (without the stamp) -> dict or None.

    Kinds: sent/failed/suspended/bounced (one per recipient and try), expired (one per
    message), active (qmgr moved the message to the active queue; carries from/size/nrcpt),
    removed."""
    m = LINE.match(text)
    if not m:
        return None
    q = QID.match(m["msg"])
    if not q:
        return None
    qid, rest, prog = q["qid"], q["rest"], m["prog"].rsplit("/", 1)[-1]
    if rest.endswith("(queue active)"):
        return {"kind": "active", "qid": qid, "prog": prog, "text": rest}
    if rest == "removed":
        return {"kind": "removed", "qid": qid, "prog": prog}
    if EXPIRED.search(rest):
        return {"kind": "expired", "qid": qid, "prog": prog}
    s = STATUS.search(rest)
    if not s:
        return None
    return {
        "kind": classify(s["status"], s["reason"]),
        "qid": qid,
        "prog": prog,
        "pid": int(m["pid"]),
        "to": s["to"],
        "relay": s["relay"],
        "delay": s["delay"],
        "dsn": s["dsn"],
        "reason": s["reason"],
    }
