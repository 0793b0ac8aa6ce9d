#!/usr/bin/env python3
"""Singleton failover time: three real syslogintr processes on loopback form a cluster, each configured with the same
tcp probe (every 1 s) against a listener here that records when it is connected to. The node running the probe
scheduler (the one whose messages file has the probe's lines) is killed with SIGKILL; the time from the kill to the
first probe connection after it is how long the cluster ran no probe. Repeated --runs times; prints

    RESULT bench=failover run=<i> seconds=<kill to probes running again> owner=<node> next=<node>
    RESULT bench=failover runs=<n> median=<s> min=<s> max=<s>
    TARGET failover <= 20 s: <median> ok|MISSED

Everything stays on 127.0.0.1; every process is started here and stopped by its pid on any exit.
"""
import argparse
import atexit
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SYSLOGINTR = REPO / "Syslogintr.Node" / "bin" / "Release" / "net10.0" / "syslogintr"
WORK = REPO / "bench" / ".work" / "failover"
STARTED: list[subprocess.Popen] = []


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


class ProbeTarget:
    """A TCP port that records the time of every connection (one per probe run)."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.hits: list[float] = []
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.hits.append(time.monotonic())
            conn.close()

    def close(self):
        self.server.close()


def config(listen: int, remoting: int, seed: int, target: int) -> str:
    return f"""
syslogintr {{
  listeners {{
    udp {{ bind = "127.0.0.1:{listen}" }}
    tcp {{ bind = "127.0.0.1:{listen}" }}
    local {{ enabled = false }}
  }}
  files.messages.path = "./messages"
  files.messages.flush-interval = 100ms
  probes.target {{ kind = tcp, port = {target}, every = 1s, timeout = 500ms, jitter = 0s, alert = false }}
  cluster {{
    enabled = true
    port = {remoting}
    seed-nodes = ["127.0.0.1:{seed}"]
  }}
}}
"""


def stop(process: subprocess.Popen):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def probe_lines(directory: Path) -> int:
    messages = directory / "messages"
    return messages.read_text(errors="replace").count("check/target") if messages.exists() else 0


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.05)


def one_run(run: int) -> tuple[float, int, int]:
    target = ProbeTarget()
    remoting = [free_port() for _ in range(3)]
    dirs = [WORK / f"run{run}" / f"node{i}" for i in range(3)]
    nodes = []
    try:
        for i, directory in enumerate(dirs):
            shutil.rmtree(directory, ignore_errors=True)
            directory.mkdir(parents=True)
            (directory / "node.conf").write_text(config(free_port(), remoting[i], remoting[0], target.port))
            console = open(directory / "console.log", "w")
            process = subprocess.Popen([str(SYSLOGINTR), "run", "--config", "node.conf"], cwd=directory,
                                       stdout=console, stderr=subprocess.STDOUT, start_new_session=True)
            STARTED.append(process)
            nodes.append(process)
        # The cluster is up and steady: the probe ran, and a few seconds more so every member is Up everywhere.
        wait_for(lambda: any(probe_lines(d) for d in dirs), 60, "no probe ran within 60 s of the start")
        time.sleep(5)
        owner = next(i for i, d in enumerate(dirs) if probe_lines(d))
        nodes[owner].send_signal(signal.SIGKILL)
        killed = time.monotonic()
        nodes[owner].wait()
        # A connection accepted before the kill took effect still counts as the old owner's: leave a small margin.
        wait_for(lambda: any(t > killed + 0.1 for t in target.hits), 90, "no probe ran within 90 s of the kill")
        back = next(t for t in target.hits if t > killed + 0.1) - killed
        wait_for(lambda: any(probe_lines(d) for i, d in enumerate(dirs) if i != owner), 10, "no survivor logged the probe")
        next_owner = next(i for i, d in enumerate(dirs) if i != owner and probe_lines(d))
        return back, owner, next_owner
    finally:
        for process in nodes:
            stop(process)
        target.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not SYSLOGINTR.exists():
        sys.exit(f"{SYSLOGINTR} missing: dotnet build -c Release Syslogintr.Node")
    atexit.register(lambda: [stop(p) for p in STARTED])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    times = []
    for run in range(1, args.runs + 1):
        seconds, owner, next_owner = one_run(run)
        times.append(seconds)
        print(f"RESULT bench=failover run={run} seconds={seconds:.1f} owner=node{owner} next=node{next_owner}", flush=True)
    median = statistics.median(times)
    print(f"RESULT bench=failover runs={len(times)} median={median:.1f} min={min(times):.1f} max={max(times):.1f}")
    print(f"TARGET failover <= 20 s: {median:.1f} {'ok' if median <= 20 else 'MISSED'}")


if __name__ == "__main__":
    main()
