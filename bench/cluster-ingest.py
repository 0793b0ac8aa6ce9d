#!/usr/bin/env python3
"""Ingest with a partitioned rule, 1 node vs 3 nodes: real syslogintr processes (the Release build) on loopback, each
with cluster enabled and one trivial `partitioned` Lua rule (partition-by = host; a counter per host) on every
message, driven over TCP by this script at full speed or at --rate msg/s (3 connections, spread over the nodes'
listeners; 1,000 distinct hosts, so the rule's 64 buckets spread over the nodes). 1-node and 3-node runs are interleaved;
each warms up for --warmup seconds, then measures for --seconds while the load goes on. Per run and per case:

    RESULT bench=cluster-ingest nodes=<n> round=<i> rule=<partitioned|local> offered=<max|msg/s> rate=<msg/s the rule handled> received_rate=<msg/s the listeners took> cpu_us_per_msg=<all nodes' CPU per message the rule handled> wire_bytes_per_msg=<bytes between nodes per message> dropped=<messages never handed to a bucket> dropped_pct=<%> unreachable=<messages in batches given up after ack-timeout> rss_mb=<largest node's peak RSS> buckets=<shards per node>
    RESULT bench=cluster-ingest nodes=<n> rounds=<n> rule=<partitioned|local> offered=<max|msg/s> rate=<median> rate_range=<min-max> received_rate=<median> cpu_us_per_msg=<median> cpu_range=<min-max> wire_bytes_per_msg=<median> dropped_pct=<median> dropped_pct_max=<max> rss_mb=<median>
    RATIO bench=cluster-ingest 3/1 rate=<x> cpu_us_per_msg=<x>

Where the figures come from: the rule's and the listeners' counters in each node's one-line metrics summary (logged
every second, timestamped by the node), its drops from the same line (what a forwarder or the router dropped);
CPU is utime+stime of each node process (/proc/PID/stat); bytes between nodes are the `bytes_received` (`ss -ti`:
payload, no TCP/IP headers) of every established loopback socket on a remoting port, each byte counted at the end
that received it. The sender runs here and shares the machine's cores with the nodes; its CPU is not counted.

Everything stays on 127.0.0.1; every process is started here and stopped by its pid on any exit.
"""
import argparse
import atexit
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SYSLOGINTR = REPO / "Syslogintr.Node" / "bin" / "Release" / "net10.0" / "syslogintr"
WORK = REPO / "bench" / ".work" / "cluster-ingest"
CONNECTIONS = 3  # sender connections in every case: all to the one node, or one per node
HOSTS = 1000
TICKS = os.sysconf("SC_CLK_TCK")
STARTED: list[subprocess.Popen] = []

# A trivial partitioned rule: it counts messages per host and does nothing else, so what it costs is handing each
# message to the Lua state of its bucket, wherever that is.
RULE = """-- Written by bench/cluster-ingest.py: a counter per host, nothing else.
local seen = {}

function log(msg)
  seen[msg.host] = (seen[msg.host] or 0) + 1
end
"""


def free_port() -> int:
    # Free for TCP and UDP alike: the node binds both listeners on it.
    while True:
        with socket.socket() as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = tcp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind(("127.0.0.1", port))
                    return port
                except OSError:
                    continue


def config(listen: int, remoting: int, seed: int, rule: Path, distribution: str) -> str:
    return f"""
syslogintr {{
  listeners {{
    udp {{ bind = "127.0.0.1:{listen}" }}
    tcp {{ bind = "127.0.0.1:{listen}" }}
    local {{ enabled = false }}
  }}
  files.messages.path = "./messages"
  files.messages.flush-interval = 100ms
  # The bench reads the rule's and listeners' counters from this line.
  metrics.summary-interval = 1s
  rules.count {{ script = "{rule}", distribution = {distribution}, partition-by = host }}
  cluster {{
    enabled = true
    port = {remoting}
    seed-nodes = ["127.0.0.1:{seed}"]
  }}
}}
"""


def traffic() -> bytes:
    """4,000 newline-framed RFC 3164 lines (about 110 bytes each) from 1,000 hosts, sent over and over."""
    lines = []
    for i in range(4 * HOSTS):
        host, ip = i % HOSTS, f"198.51.{i % 200}.{i % 250}"
        lines.append(f"<38>Dec  1 19:20:{i % 60:02d} host{host:04d} sshd[{1000 + i % 9000}]: "
                     f"Failed password for invalid user admin from {ip} port {1024 + i} ssh2\n")
    return "".join(lines).encode()


class Load:
    """One thread per connection, each sending the same lines until stopped: at full speed (TCP pushes back) or,
    with a rate, in chunks of 100 lines on a schedule (the rate is the total over all connections)."""

    def __init__(self, ports: list[int], rate: float):
        data = traffic()
        lines = data.splitlines(keepends=True)
        self.chunks = [b"".join(lines[i:i + 100]) for i in range(0, len(lines), 100)] if rate else [data]
        self.interval = 100 / (rate / CONNECTIONS) if rate else 0.0
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.send, args=(ports[c % len(ports)],), daemon=True)
                        for c in range(CONNECTIONS)]
        self.errors: list[str] = []

    def send(self, port: int):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
                due = time.monotonic()
                while not self.stopping.is_set():
                    for chunk in self.chunks:
                        conn.sendall(chunk)
                        if self.interval:
                            due += self.interval
                            delay = due - time.monotonic()
                            if delay > 0:
                                time.sleep(delay)
        except OSError as e:
            if not self.stopping.is_set():
                self.errors.append(f"port {port}: {e}")

    def start(self):
        for thread in self.threads:
            thread.start()

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=35)


def stop(process: subprocess.Popen, timeout: float = 20):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.1)


def cpu_seconds(pid: int) -> float:
    # Fields after the parenthesised command name: utime and stime are the 12th and 13th.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def peak_rss_mb(pid: int) -> float:
    match = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return int(match.group(1)) / 1024 if match else float("nan")


def remoting_bytes(ports: set[int]) -> int:
    """Bytes received by every established socket with an end on a remoting port: each byte once, where it arrived."""
    out = subprocess.run(["ss", "-tinH", "state", "established"], capture_output=True, text=True, timeout=10).stdout
    total, on_remoting = 0, False
    for line in out.splitlines():
        if not line.startswith((" ", "\t")):
            # Recv-Q Send-Q local peer; remoting's ends are IPv4-mapped IPv6 ([::ffff:127.0.0.1]:port).
            ends = [int(end.rsplit(":", 1)[1]) for end in line.split()[2:4]]
            on_remoting = any(p in ports for p in ends)
        elif on_remoting:
            match = re.search(r"bytes_received:(\d+)", line)
            total += int(match.group(1)) if match else 0
    return total


SUMMARY = re.compile(r"\[(\d\d/\d\d/\d{4} \d\d:\d\d:\d\d\.\d+)Z\].*?\] counters: (.*)$")


def summaries(console: Path) -> list[tuple[float, dict[str, int]]]:
    """The node's metrics summary lines: (time, totals of tcp received, rule messages, messages dropped, batches given
    up as unreachable). A batch given up was sent: its bucket may still handle it late, so it is not counted dropped."""
    rows = []
    for line in console.read_text(errors="replace").splitlines():
        match = SUMMARY.search(line)
        if not match:
            continue
        when = datetime.strptime(match.group(1)[:26], "%m/%d/%Y %H:%M:%S.%f").replace(tzinfo=timezone.utc).timestamp()
        totals = {"received": 0, "handled": 0, "dropped": 0, "unreachable": 0}
        for part in match.group(2).split("; "):
            name, _, values = part.partition(": ")
            counters = dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)", values))
            if name == "tcp":
                totals["received"] += counters.get("received", 0)
                totals["dropped"] += counters.get("dropped", 0)
            elif name == "rule count":
                totals["handled"] += counters.get("messages", 0)
            elif "delivered" in counters:  # a consumer or a rule's forwarder that dropped
                totals["dropped"] += counters.get("dropped", 0) - counters.get("unreachable", 0)
                totals["unreachable"] += counters.get("unreachable", 0)
        rows.append((when, totals))
    return rows


def nearest(rows, when: float):
    return min(rows, key=lambda row: abs(row[0] - when))


def members_up(dirs: list[Path]) -> int:
    """Members some leader moved to Up. The leader is the Up member with the lowest address, not always the first
    node, and may change while nodes join: read every node's log."""
    up = set()
    for console in (d / "console.log" for d in dirs):
        text = console.read_text(errors="replace") if console.exists() else ""
        up.update(re.findall(r"Leader is moving node \[(\S+)\] to \[Up\]", text))
    return len(up)


def bucket_spread(directory: Path) -> str:
    """Shards per node of the rule, from `syslogintr cluster status` (asked after the run; kept in status.txt)."""
    done = subprocess.run([str(SYSLOGINTR), "cluster", "status", "--config", "node.conf"], cwd=directory,
                          capture_output=True, text=True, timeout=60)
    (directory / "status.txt").write_text(done.stdout + done.stderr)
    shards = re.findall(r"rule-count\s+\S+:(\d+)\s+(\d+)\s+\d+", done.stdout)
    return "/".join(n for _, n in sorted(shards)) or "unknown"


def one_run(nodes_count: int, round_: int, warmup: float, seconds: float, offered: float, distribution: str) -> dict:
    remoting = [free_port() for _ in range(nodes_count)]
    listen = [free_port() for _ in range(nodes_count)]
    base = WORK / f"round{round_}-nodes{nodes_count}"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    rule = base / "count.lua"
    rule.write_text(RULE)
    dirs = [base / f"node{i}" for i in range(nodes_count)]
    nodes: list[subprocess.Popen] = []
    load = None
    try:
        for i, directory in enumerate(dirs):
            directory.mkdir()
            (directory / "node.conf").write_text(config(listen[i], remoting[i], remoting[0], rule, distribution))
            console = open(directory / "console.log", "w")
            process = subprocess.Popen([str(SYSLOGINTR), "run", "--config", "node.conf"], cwd=directory,
                                       stdout=console, stderr=subprocess.STDOUT, start_new_session=True)
            console.close()  # the node has its own copy
            STARTED.append(process)
            nodes.append(process)
        # Every member Up, every node logging its summary (listeners bound); then a few seconds so each node's shard
        # region registers with the coordinator: buckets are placed among the regions it knows, so a message sent
        # earlier would put all the buckets on the first node (3 s gave 22/21/21 here).
        wait_for(lambda: members_up(dirs) >= nodes_count, 90, "the cluster did not form in 90 s")
        wait_for(lambda: all(summaries(d / "console.log") for d in dirs), 30, "a node logged no summary in 30 s")
        for process in nodes:
            if process.poll() is not None:
                raise RuntimeError(f"a node exited with {process.returncode}; see {base}/node*/console.log")
        time.sleep(3 if nodes_count > 1 else 0)
        load = Load(listen, offered)
        load.start()
        time.sleep(warmup)
        pids = [p.pid for p in nodes]
        cpu0, bytes0, t0 = sum(cpu_seconds(p) for p in pids), remoting_bytes(set(remoting)), time.time()
        time.sleep(seconds)
        cpu1, bytes1, t1 = sum(cpu_seconds(p) for p in pids), remoting_bytes(set(remoting)), time.time()
        rss = max(peak_rss_mb(p) for p in pids)
        time.sleep(1.5)  # the summary line logged just after t1
        load.stop()
        if load.errors:
            raise RuntimeError(f"the sender failed: {load.errors}")
        rate = received_rate = dropped = unreachable = 0.0
        for directory in dirs:
            rows = summaries(directory / "console.log")
            (a_time, a), (b_time, b) = nearest(rows, t0), nearest(rows, t1)
            if b_time - a_time < seconds / 2:
                raise RuntimeError(f"{directory}: no summary lines around the measured window")
            rate += (b["handled"] - a["handled"]) / (b_time - a_time)
            received_rate += (b["received"] - a["received"]) / (b_time - a_time)
            dropped += (b["dropped"] - a["dropped"]) * (t1 - t0) / (b_time - a_time)
            unreachable += (b["unreachable"] - a["unreachable"]) * (t1 - t0) / (b_time - a_time)
        handled = rate * (t1 - t0)
        return {
            "rate": rate,
            "received_rate": received_rate,
            "cpu_us_per_msg": (cpu1 - cpu0) / handled * 1e6 if handled else float("nan"),
            "wire_bytes_per_msg": (bytes1 - bytes0) / handled if handled else float("nan"),
            "dropped": dropped,
            "unreachable": unreachable,
            "dropped_pct": 100 * dropped / (handled + dropped) if handled + dropped else 0.0,
            "rss_mb": rss,
            "buckets": bucket_spread(dirs[0]) if nodes_count > 1 and distribution == "partitioned" else "-",
        }
    finally:
        if load:
            load.stop()
        # SIGTERM to all first: they leave together rather than one after the other.
        for process in nodes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        # A node still working off a backlog of remote batches may take long to leave; the figures are taken.
        for process in nodes:
            stop(process, timeout=10)
        for directory in dirs:
            (directory / "messages").unlink(missing_ok=True)


def machine(when: str):
    print(f"MACHINE {when} cores={os.cpu_count()} loadavg={Path('/proc/loadavg').read_text().strip()}", flush=True)


def span(values, fmt) -> str:
    return f"{fmt(min(values))}-{fmt(max(values))}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=10, help="seconds of load before measuring (default 10)")
    parser.add_argument("--seconds", type=float, default=8, help="seconds measured per run (default 8)")
    parser.add_argument("--rate", type=float, default=0,
                        help="total msg/s offered, paced by the sender (default 0: full speed, TCP pushes back)")
    parser.add_argument("--distribution", choices=("partitioned", "local"), default="partitioned",
                        help="the rule's distribution; local (every node counts its own messages) is the control")
    parser.add_argument("--quick", action="store_true", help="one round, 5 s warm-up, 5 s measured")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.warmup, args.seconds = 1, 5, 5
    if not SYSLOGINTR.exists():
        sys.exit(f"{SYSLOGINTR} missing: dotnet build -c Release Syslogintr.Node")
    if not shutil.which("ss"):
        sys.exit("ss missing (Debian package iproute2)")
    atexit.register(lambda: [stop(p) for p in STARTED])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(1))
    machine("start")
    offered = f"{args.rate:.0f}" if args.rate else "max"
    results: dict[int, list[dict]] = {1: [], 3: []}
    for round_ in range(1, args.rounds + 1):
        # Alternate which case goes first, so a drift in the machine's load does not favour one.
        for nodes_count in ((1, 3) if round_ % 2 else (3, 1)):
            r = one_run(nodes_count, round_, args.warmup, args.seconds, args.rate, args.distribution)
            results[nodes_count].append(r)
            print(f"RESULT bench=cluster-ingest nodes={nodes_count} round={round_} rule={args.distribution} offered={offered} rate={r['rate']:.0f} "
                  f"received_rate={r['received_rate']:.0f} cpu_us_per_msg={r['cpu_us_per_msg']:.2f} "
                  f"wire_bytes_per_msg={r['wire_bytes_per_msg']:.0f} dropped={r['dropped']:.0f} "
                  f"dropped_pct={r['dropped_pct']:.2f} unreachable={r['unreachable']:.0f} rss_mb={r['rss_mb']:.0f} buckets={r['buckets']}", flush=True)
    medians = {}
    for nodes_count, runs in results.items():
        med = {k: statistics.median(r[k] for r in runs) for k in
               ("rate", "received_rate", "cpu_us_per_msg", "wire_bytes_per_msg", "dropped_pct", "rss_mb")}
        medians[nodes_count] = med
        rates, cpus = [r["rate"] for r in runs], [r["cpu_us_per_msg"] for r in runs]
        print(f"RESULT bench=cluster-ingest nodes={nodes_count} rounds={len(runs)} rule={args.distribution} offered={offered} rate={med['rate']:.0f} "
              f"rate_range={span(rates, lambda v: f'{v:.0f}')} received_rate={med['received_rate']:.0f} "
              f"cpu_us_per_msg={med['cpu_us_per_msg']:.2f} cpu_range={span(cpus, lambda v: f'{v:.2f}')} "
              f"wire_bytes_per_msg={med['wire_bytes_per_msg']:.0f} dropped_pct={med['dropped_pct']:.2f} "
              f"dropped_pct_max={max(r['dropped_pct'] for r in runs):.2f} rss_mb={med['rss_mb']:.0f}", flush=True)
    print(f"RATIO bench=cluster-ingest 3/1 rate={medians[3]['rate'] / medians[1]['rate']:.2f} "
          f"cpu_us_per_msg={medians[3]['cpu_us_per_msg'] / medians[1]['cpu_us_per_msg']:.2f}", flush=True)
    machine("end")


if __name__ == "__main__":
    main()
