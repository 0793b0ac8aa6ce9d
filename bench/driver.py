#!/usr/bin/env python3
"""Drives rsyslog, syslog-ng and syslogintr with the same loggen workloads on loopback and reports what each wrote.

Every row starts a fresh daemon in the foreground on a free 127.0.0.1 port (UDP and TCP), runs one loggen workload
against it, waits until its output file stops growing, reads the daemon's CPU time and peak RSS from /proc, stops it
by its pid and counts the loggen lines in its file. Started by run.sh (the full and --quick runs) and smoke.sh.
"""

import argparse
import atexit
import os
import re
import signal
import socket
import string
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
CONF = BENCH / "conf"
WORK = BENCH / ".work"
SYSLOGNG = Path(os.environ.get("SYSLOGNG_DIR", BENCH / ".tools" / "syslog-ng"))
SYSLOGINTR = REPO / "Syslogintr.Node" / "bin" / "Release" / "net10.0" / "syslogintr"

MESSAGE_SIZE = 256
FULL_SPEED = 1_000_000_000  # loggen's default rate is 1000 msg/s; "full speed" is a rate it can never reach
WARM_UP = 10_000  # messages at 20k msg/s before each measured run
MAX_MESSAGES = 10_000_000  # per loggen run, whatever the rate: bounds the output file to about 3 GB
CLK_TCK = os.sysconf("SC_CLK_TCK")
LOGGEN_LINE = "seq: "  # every loggen message carries it; daemons' own notices do not

# The daemons this run started, by pid, so that any exit stops them.
running: dict[int, subprocess.Popen] = {}


@dataclass(frozen=True)
class Workload:
    name: str
    transport: str  # udp | tcp
    rate: int  # msg/s offered, FULL_SPEED for as fast as loggen goes
    seconds: int

    @property
    def offered(self) -> str:
        return "max" if self.rate == FULL_SPEED else str(self.rate)


@dataclass
class Row:
    daemon: str
    workload: Workload
    sent: int
    written: int
    counters: str | None
    seconds: float
    cpu_s: float
    rss_mb: float
    kernel_drops: int | None

    @property
    def rate(self) -> float:
        return self.written / self.seconds if self.seconds > 0 else 0.0

    @property
    def cpu_us_per_message(self) -> float:
        """CPU the daemon spent per message written: comparable even when the machine is busy with other work."""
        return 1e6 * self.cpu_s / self.written if self.written else 0.0

    @property
    def kept(self) -> float:
        return 100.0 * self.written / self.sent if self.sent else 0.0


class Daemon:
    """One syslog daemon: how to configure and start it on a port, writing to one file."""

    def __init__(self, name: str, template: str, suffix: str):
        self.name = name
        self.template = CONF / template
        self.suffix = suffix

    def command(self, conf: Path, work: Path) -> list[str]:
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        return dict(os.environ)

    def final_counters(self, console: Path) -> str | None:
        """The daemon's own account of the run, if it prints one at stop."""
        return None

    def rules(self) -> str:
        return ""

    def write_config(self, work: Path, port: int, out: Path) -> Path:
        text = string.Template(self.template.read_text()).substitute(PORT=port, OUT=out, WORK=work, RULES=self.rules())
        conf = work / f"{self.name}.{self.suffix}"
        conf.write_text(text)
        return conf


class Rsyslog(Daemon):
    def __init__(self):
        super().__init__("rsyslog", "rsyslog.conf", "conf")

    def command(self, conf, work):
        return ["rsyslogd", "-n", "-f", str(conf), "-i", str(work / "rsyslogd.pid")]


class SyslogNg(Daemon):
    def __init__(self):
        super().__init__("syslog-ng", "syslog-ng.conf", "conf")

    def command(self, conf, work):
        return [str(SYSLOGNG / "usr/sbin/syslog-ng"), "-F", "--no-caps", "-f", str(conf),
                "--persist-file", str(work / "syslog-ng.persist"), "--pidfile", str(work / "syslog-ng.pid"),
                "--control", str(work / "syslog-ng.ctl")]

    def environment(self):
        env = dict(os.environ)
        env["SYSLOGNG_PREFIX"] = str(SYSLOGNG / "usr")
        env["LD_LIBRARY_PATH"] = str(SYSLOGNG / "usr/lib/syslog-ng")
        return env


class Syslogintr(Daemon):
    def __init__(self, name: str = "syslogintr"):
        super().__init__(name, "syslogintr.conf", "conf")

    def command(self, conf, work):
        return [str(SYSLOGINTR), "run", "--config", str(conf)]

    def final_counters(self, console):
        # The metrics summary the node logs at stop: received, dropped and kernel_dropped per listener, and what
        # each consumer delivered or dropped.
        lines = [line for line in console.read_text(errors="replace").splitlines() if "counters at stop:" in line]
        return lines[-1].split("counters at stop:", 1)[1].strip() if lines else None


class SyslogintrWithLua(Syslogintr):
    """syslogintr with one trivial Lua rule subscribed to every message, beside the file sink."""

    def __init__(self):
        super().__init__("syslogintr+lua")

    def rules(self):
        return f'  rules.bench.script = "{CONF / "trivial-rule.lua"}"\n'

    @staticmethod
    def available() -> bool:
        """Whether this build has the Lua rules stage (its default config has a `rules` section)."""
        return re.search(r"^\s*rules\s*\{", (REPO / "hocon" / "syslogintr.conf").read_text(), re.M) is not None


DAEMONS = {d.name: d for d in (Rsyslog(), SyslogNg(), Syslogintr(), SyslogintrWithLua())}


def log(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


def free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = tcp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind(("127.0.0.1", port))
                except OSError:
                    continue
            return port
    raise RuntimeError("no free port on 127.0.0.1")


def proc_net(kind: str, port: int) -> list[list[str]]:
    """Rows of /proc/net/{tcp,udp} for sockets bound to 127.0.0.1:port."""
    local = f"0100007F:{port:04X}"
    with open(f"/proc/net/{kind}") as f:
        next(f)
        return [fields for fields in (line.split() for line in f) if fields[1] == local]


def listening(port: int, transport: str) -> bool:
    if transport == "tcp":
        return any(fields[3] == "0A" for fields in proc_net("tcp", port))  # 0A = LISTEN
    return bool(proc_net("udp", port))


def udp_kernel_drops(port: int) -> int:
    """Datagrams the kernel dropped on the daemon's UDP socket (receive buffer full): the last column."""
    return sum(int(fields[-1]) for fields in proc_net("udp", port))


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15 of stat; fields[0] here is field 3 (state).
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def start(daemon: Daemon, work: Path, port: int, out: Path, transport: str) -> subprocess.Popen:
    conf = daemon.write_config(work, port, out)
    with open(work / f"{daemon.name}.console", "w") as console:  # the daemon keeps its own descriptor
        proc = subprocess.Popen(daemon.command(conf, work), cwd=work, env=daemon.environment(),
                                stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT)
    running[proc.pid] = proc
    deadline = time.monotonic() + 60
    while not listening(port, transport):
        if proc.poll() is not None:
            raise RuntimeError(f"{daemon.name} exited with {proc.returncode}; see {work / (daemon.name + '.console')}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{daemon.name} did not listen on {transport} 127.0.0.1:{port} within 60 s")
        time.sleep(0.1)
    return proc


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM by pid, SIGKILL if it is still there after 20 s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    running.pop(proc.pid, None)


def stop_all() -> None:
    for proc in list(running.values()):
        stop(proc)


def loggen(workload: Workload, port: int, count: int = MAX_MESSAGES) -> tuple[int, float]:
    """Runs loggen once; returns (messages sent, seconds it took) from its summary line."""
    env = dict(os.environ)
    env["SYSLOGNG_PREFIX"] = str(SYSLOGNG / "usr")
    env["LD_LIBRARY_PATH"] = str(SYSLOGNG / "usr/lib/syslog-ng")
    transport = "-S" if workload.transport == "tcp" else "-D"
    cmd = [str(SYSLOGNG / "usr/bin/loggen"), "-i", transport, "-s", str(MESSAGE_SIZE), "-r", str(workload.rate),
           "-I", str(workload.seconds), "-n", str(count), "127.0.0.1", str(port)]
    done = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=workload.seconds + 60)
    output = done.stdout + done.stderr
    summary = re.search(r"average rate = [\d.]+ msg/sec, count=(\d+), time=([\d.]+)", output)
    if not summary:
        raise RuntimeError(f"loggen printed no summary (exit {done.returncode}): {output[-500:]}")
    return int(summary.group(1)), float(summary.group(2))


def wait_until_still(out: Path, started: float, quiet_seconds: float, limit: float) -> float:
    """Waits until the file has not grown for quiet_seconds (at most limit s); returns when it last grew."""
    size, last_growth = -1, started
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        now_size = out.stat().st_size if out.exists() else 0
        now = time.monotonic()
        if now_size != size:
            size, last_growth = now_size, now
        elif now - last_growth >= quiet_seconds:
            break
        time.sleep(0.1)
    return last_growth


def count_lines(out: Path) -> int:
    if not out.exists():
        return 0
    done = subprocess.run(["grep", "-c", "-F", LOGGEN_LINE, str(out)], capture_output=True, text=True)
    return int(done.stdout.strip() or 0)


def warm_up(transport: str, port: int, out: Path) -> int:
    """
    A daemon in service is warm: it has run its code paths (JIT-compiled them, in syslogintr's case) and sized its
    buffers. Every daemon gets the same short, gentle burst over the workload's transport before the measured run;
    returns the lines it left in the file, which the count of the run leaves out.
    """
    loggen(Workload("warm-up", transport, 20_000, 5), port, count=WARM_UP)
    wait_until_still(out, time.monotonic(), quiet_seconds=1.0, limit=30)
    return count_lines(out)


def run_row(daemon: Daemon, workload: Workload, quiet_seconds: float) -> Row:
    work = WORK / daemon.name / workload.name
    work.mkdir(parents=True, exist_ok=True)
    out = work / "messages"
    out.unlink(missing_ok=True)
    port = free_port()
    proc = start(daemon, work, port, out, workload.transport)
    try:
        warm_lines = warm_up(workload.transport, port, out)
        drops_before = udp_kernel_drops(port) if workload.transport == "udp" else 0
        cpu_before = cpu_seconds(proc.pid)
        started = time.monotonic()
        sent, loggen_seconds = loggen(workload, port)
        last_growth = wait_until_still(out, started, quiet_seconds, limit=120)
        cpu = cpu_seconds(proc.pid) - cpu_before
        rss = peak_rss_mb(proc.pid)
        drops = udp_kernel_drops(port) - drops_before if workload.transport == "udp" else None
    finally:
        stop(proc)
    written = count_lines(out) - warm_lines
    counters = daemon.final_counters(work / f"{daemon.name}.console")
    # Written msg/s over the time the daemon took to write them: loggen's run, or longer if it lagged behind.
    seconds = max(loggen_seconds, last_growth - started)
    out.unlink(missing_ok=True)
    return Row(daemon.name, workload, sent, written, counters, seconds, cpu, rss, drops)


def result_line(row: Row) -> str:
    drops = "" if row.kernel_drops is None else f" kernel_drops={row.kernel_drops}"
    return (f"RESULT daemon={row.daemon} transport={row.workload.transport} offered={row.workload.offered} "
            f"sent={row.sent} written={row.written} rate={row.rate:.0f} kept={row.kept:.1f} "
            f"cpu_s={row.cpu_s:.2f} rss_mb={row.rss_mb:.1f}{drops}")


def print_table(rows: list[Row]) -> None:
    header = ("workload", "daemon", "sent", "written", "msg/s written", "kept %", "cpu s", "cpu µs/msg",
              "peak RSS MB", "kernel drops")
    lines = [header] + [
        (r.workload.name, r.daemon, str(r.sent), str(r.written), f"{r.rate:,.0f}", f"{r.kept:.1f}",
         f"{r.cpu_s:.2f}", f"{r.cpu_us_per_message:.2f}", f"{r.rss_mb:.1f}", "" if r.kernel_drops is None else str(r.kernel_drops))
        for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    print()
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for line in lines[1:]:
        print("| " + " | ".join(c.rjust(w) if i >= 2 else c.ljust(w) for i, (c, w) in enumerate(zip(line, widths)))
              + " |")
    print()


def print_ratios(rows: list[Row]) -> None:
    """syslogintr/peer for each workload: written msg/s for TCP, kept share for UDP."""
    by = {(r.workload.name, r.daemon): r for r in rows}
    for workload in dict.fromkeys(r.workload for r in rows):
        for name in ("syslogintr", "syslogintr+lua"):
            ours = by.get((workload.name, name))
            if ours is None:
                continue
            for peer in ("rsyslog", "syslog-ng"):
                theirs = by.get((workload.name, peer))
                if theirs is None:
                    continue
                rate = ours.rate / theirs.rate if theirs.rate else float("inf")
                kept = ours.kept / theirs.kept if theirs.kept else float("inf")
                print(f"RATIO workload={workload.name} {name}/{peer} rate={rate:.2f} kept={kept:.2f}")


def print_targets(rows: list[Row]) -> None:
    """The issue's targets for syslogintr, judged on this run."""
    by = {(r.workload.name, r.daemon): r for r in rows}

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    ours, theirs = by.get(("tcp-max", "syslogintr")), by.get(("tcp-max", "rsyslog"))
    if ours and theirs and theirs.rate:
        ratio = ours.rate / theirs.rate
        print(f"TARGET tcp-max written msg/s syslogintr/rsyslog >= 1.20: {ratio:.2f} {verdict(ratio >= 1.2)}")
    if ours := by.get(("udp-100k", "syslogintr")):
        print(f"TARGET udp-100k syslogintr kept >= 95%: {ours.kept:.1f}% {verdict(ours.kept >= 95)}")
    for workload in ("tcp-max", "udp-max"):
        for name in ("syslogintr", "syslogintr+lua"):
            if ours := by.get((workload, name)):
                print(f"TARGET {workload} {name} peak RSS <= 200 MB: {ours.rss_mb:.1f} MB {verdict(ours.rss_mb <= 200)}")


def workloads(seconds: int, smoke: bool) -> list[Workload]:
    if smoke:
        return [Workload("udp-1k", "udp", 1000, seconds), Workload("tcp-1k", "tcp", 1000, seconds)]
    return [
        Workload("tcp-max", "tcp", FULL_SPEED, seconds),
        Workload("udp-50k", "udp", 50_000, seconds),
        Workload("udp-100k", "udp", 100_000, seconds),
        Workload("udp-max", "udp", FULL_SPEED, seconds),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="2 s per workload instead of 10 s")
    parser.add_argument("--smoke", action="store_true", help="syslogintr only, 1000 msg/s over UDP and TCP for 2 s")
    parser.add_argument("--daemons", default="rsyslog,syslog-ng,syslogintr,syslogintr+lua",
                        help="comma-separated subset")
    parser.add_argument("--workloads", help="comma-separated subset of tcp-max,udp-50k,udp-100k,udp-max")
    parser.add_argument("--seconds", type=int, help="length of each loggen run")
    args = parser.parse_args()

    names = ["syslogintr"] if args.smoke else [n for n in args.daemons.split(",") if n]
    unknown = [n for n in names if n not in DAEMONS]
    if unknown:
        parser.error(f"unknown daemon(s): {', '.join(unknown)}")
    if "syslogintr+lua" in names and not SyslogintrWithLua.available():
        names.remove("syslogintr+lua")
        print("SKIP daemon=syslogintr+lua: this build has no Lua rules stage", flush=True)
    seconds = args.seconds or (2 if args.quick or args.smoke else 10)
    quiet = 1.5 if args.quick or args.smoke else 3.0

    atexit.register(stop_all)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda signum, _frame: sys.exit(128 + signum))

    # Other work on the machine slows every daemon; say how busy it was so figures from two runs can be compared.
    print(f"MACHINE cpus={os.cpu_count()} loadavg={os.getloadavg()[0]:.2f} at start", flush=True)
    rows: list[Row] = []
    selected = workloads(seconds, args.smoke)
    if args.workloads:
        wanted = args.workloads.split(",")
        selected = [w for w in selected if w.name in wanted]
    for workload in selected:
        for name in names:
            log(f"{workload.name} -> {name}")
            row = run_row(DAEMONS[name], workload, quiet)
            print(result_line(row), flush=True)
            if row.counters:
                print(f"COUNTERS daemon={name} workload={workload.name} {row.counters}", flush=True)
            rows.append(row)

    print(f"MACHINE cpus={os.cpu_count()} loadavg={os.getloadavg()[0]:.2f} at end", flush=True)
    print_table(rows)
    print_ratios(rows)
    print_targets(rows)
    return 0 if rows and all(r.written > 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
