#!/usr/bin/env python3
"""Drives rsyslog, syslogintr and syslogintr with a Lua rule (syslog-ng on request) with the same loggen workloads on
loopback, interleaved and repeated, and reports medians and spreads; then measures idle CPU and start-up time.

For each workload, each repetition runs every daemon once, in turn (A B C, A B C, A B C): a fresh daemon in the
foreground on a free 127.0.0.1 port (UDP and TCP), warmed up, one measured loggen run, CPU time and peak RSS from
/proc, stopped by its pid, the loggen lines in its file counted. A ratio syslogintr/peer is taken within each
repetition (the two runs were neighbours in time) and reported as the median and the spread over the repetitions.
Started by run.sh (the full and --quick runs) and smoke.sh; `--report FILE` summarises a saved run again.
"""

import argparse
import atexit
import os
import re
import resource
import signal
import socket
import statistics
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
RESULTS = WORK / "results.txt"  # every line this run printed: `--report` summarises it again
SYSLOGNG = Path(os.environ.get("SYSLOGNG_DIR", BENCH / ".tools" / "syslog-ng"))
SYSLOGINTR = REPO / "Syslogintr.Node" / "bin" / "Release" / "net10.0" / "syslogintr"

MESSAGE_SIZE = 256
FULL_SPEED = 1_000_000_000  # loggen's default rate is 1000 msg/s; "full speed" is a rate it can never reach
WARM_UP_RATE, WARM_UP_SECONDS = 20_000, 2  # before each measured run, over the workload's transport; not counted
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

    def write_config(self, work: Path, port: int, out: Path, template: Path | None = None, cluster: str = "") -> Path:
        text = string.Template((template or self.template).read_text()).substitute(
            PORT=port, OUT=out, WORK=work, RULES=self.rules(), CLUSTER=cluster, HTTP=free_port())
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
    def __init__(self, name: str = "syslogintr", binary: Path = SYSLOGINTR):
        super().__init__(name, "syslogintr.conf", "conf")
        self.binary = binary

    def command(self, conf, work):
        return [str(self.binary), "run", "--config", str(conf)]

    def final_counters(self, console):
        # The metrics summary the node logs at stop: received, dropped and kernel_dropped per listener, and what
        # each consumer delivered or dropped.
        lines = [line for line in console.read_text(errors="replace").splitlines() if "counters at stop:" in line]
        return lines[-1].split("counters at stop:", 1)[1].strip() if lines else None


class SyslogintrWithLua(Syslogintr):
    """syslogintr with one trivial Lua rule subscribed to every message, beside the file sink. The rule backpressures
    (its default is to drop its share when it lags), so every message written has also been through Lua: the rate
    written is the rate with Lua on every message."""

    def __init__(self, binary: Path = SYSLOGINTR):
        super().__init__("syslogintr+lua", binary)

    def rules(self):
        return f'  rules.bench.script = "{CONF / "trivial-rule.lua"}"\n  rules.bench.on-lag = backpressure\n'

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


def listening(port: int, transport: str) -> set[str]:
    """The inodes of the sockets listening on 127.0.0.1:port (TCP in LISTEN state; UDP bound)."""
    if transport == "tcp":
        return {fields[9] for fields in proc_net("tcp", port) if fields[3] == "0A"}  # 0A = LISTEN
    return {fields[9] for fields in proc_net("udp", port)}


def udp_kernel_drops(port: int) -> int:
    """Datagrams the kernel dropped on the daemon's UDP socket (receive buffer full): the last column."""
    return sum(int(fields[-1]) for fields in proc_net("udp", port))


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15 of stat; fields[0] here is field 3 (state).
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def status_mib(pid: int, field: str) -> float:
    """A size from /proc/PID/status (VmHWM: peak resident set, VmRSS: resident set now), in MiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def start(daemon: Daemon, work: Path, port: int, out: Path, transports: tuple[str, ...],
          template: Path | None = None, cluster: str = "") -> subprocess.Popen:
    """Starts the daemon and returns once it listens on every transport given."""
    conf = daemon.write_config(work, port, out, template, cluster)
    with open(work / f"{daemon.name}.console", "w") as console:  # the daemon keeps its own descriptor
        proc = subprocess.Popen(daemon.command(conf, work), cwd=work, env=daemon.environment(),
                                stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT)
    running[proc.pid] = proc
    deadline = time.monotonic() + 60
    # The same socket in two polls in a row: syslogintr's start binds each port once and closes it at once (the
    # check that it is free), and a UDP sender that started on seeing that socket found nothing there a moment
    # later ("error sending buffer" after 2 messages).
    seen: dict[str, set[str]] = {t: set() for t in transports}
    while True:
        now = {t: listening(port, t) for t in transports}
        if all(seen[t] & now[t] for t in transports):
            break
        seen = now
        if proc.poll() is not None:
            raise RuntimeError(f"{daemon.name} exited with {proc.returncode}; see {work / (daemon.name + '.console')}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{daemon.name} did not listen on {transports} 127.0.0.1:{port} within 60 s")
        time.sleep(0.005)
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


class LoggenFailed(RuntimeError):
    """loggen gave up early (seen on a loaded machine: a UDP send refused after 2 messages, nothing received)."""


def loggen(workload: Workload, port: int, count: int = MAX_MESSAGES,
           log_to: Path | None = None) -> tuple[int, float, float]:
    """
    Runs loggen once; returns (messages sent, seconds it took) from its summary line and the CPU seconds it used
    (its rusage: at full speed loggen is one thread, so near 1 s a second says the sender, not the daemon, set the
    rate). Its output goes to log_to.
    """
    env = dict(os.environ)
    env["SYSLOGNG_PREFIX"] = str(SYSLOGNG / "usr")
    env["LD_LIBRARY_PATH"] = str(SYSLOGNG / "usr/lib/syslog-ng")
    transport = "-S" if workload.transport == "tcp" else "-D"
    cmd = [str(SYSLOGNG / "usr/bin/loggen"), "-i", transport, "-s", str(MESSAGE_SIZE), "-r", str(workload.rate),
           "-I", str(workload.seconds), "-n", str(count), "127.0.0.1", str(port)]
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=workload.seconds + 60)
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (children_after.ru_utime + children_after.ru_stime) - (children_before.ru_utime + children_before.ru_stime)
    output = done.stdout + done.stderr
    if log_to:
        log_to.write_text(output)
    summary = re.search(r"average rate = [\d.]+ msg/sec, count=(\d+), time=([\d.]+)", output)
    if not summary:
        raise RuntimeError(f"loggen printed no summary (exit {done.returncode}): {output[-500:]}")
    sent, seconds = int(summary.group(1)), float(summary.group(2))
    if seconds < workload.seconds / 2 and sent < count:
        raise LoggenFailed(f"loggen stopped after {seconds:.1f} s and {sent} messages: {output[-300:]!r}")
    return sent, seconds, cpu


def wait_until_still(out: Path, pid: int, started: float, quiet_seconds: float, limit: float) -> tuple[float, float]:
    """
    Waits until the file has not grown for quiet_seconds (at most limit s). Returns when it last grew and the daemon's
    CPU seconds then: the quiet wait itself is idle time, which is not what writing the messages cost.
    """
    size, last_growth, cpu_at_growth = -1, started, cpu_seconds(pid)
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        now_size = out.stat().st_size if out.exists() else 0
        now, cpu = time.monotonic(), cpu_seconds(pid)
        if now_size != size:
            size, last_growth, cpu_at_growth = now_size, now, cpu
        elif now - last_growth >= quiet_seconds:
            break
        time.sleep(0.1)
    return last_growth, cpu_at_growth


def count_lines(out: Path) -> int:
    if not out.exists():
        return 0
    done = subprocess.run(["grep", "-c", "-F", LOGGEN_LINE, str(out)], capture_output=True, text=True)
    return int(done.stdout.strip() or 0)


# loggen sometimes gives up after 2 messages ("error sending buffer", see RETRY in bench/README.md): twice in a row
# was seen once in 54 runs.
RUN_ATTEMPTS = 3


def warm_up(transport: str, port: int, out: Path, pid: int, work: Path) -> int:
    """
    A daemon in service is warm: it has run its code paths (JIT-compiled and tiered them up, in syslogintr's case)
    and sized its buffers. Every daemon gets the same gentle burst over the workload's transport before the measured
    run; returns the lines it left in the file, which the count of the run leaves out.
    """
    loggen(Workload("warm-up", transport, WARM_UP_RATE, WARM_UP_SECONDS), port, count=WARM_UP_RATE * WARM_UP_SECONDS,
           log_to=work / "loggen-warm-up.out")
    wait_until_still(out, pid, time.monotonic(), quiet_seconds=1.0, limit=30)
    return count_lines(out)


def run_once(daemon: Daemon, workload: Workload, rep: int, quiet_seconds: float) -> dict:
    """One measured run of one daemon: a `RESULT` line's fields."""
    work = WORK / daemon.name / workload.name
    work.mkdir(parents=True, exist_ok=True)
    out = work / "messages"
    out.unlink(missing_ok=True)
    port = free_port()
    proc = start(daemon, work, port, out, (workload.transport,))
    try:
        warm_lines = warm_up(workload.transport, port, out, proc.pid, work)
        drops_before = udp_kernel_drops(port) if workload.transport == "udp" else 0
        cpu_before = cpu_seconds(proc.pid)
        started = time.monotonic()
        sent, loggen_seconds, loggen_cpu = loggen(workload, port, log_to=work / "loggen.out")
        last_growth, cpu_end = wait_until_still(out, proc.pid, started, quiet_seconds, limit=120)
        rss = status_mib(proc.pid, "VmHWM")
        drops = udp_kernel_drops(port) - drops_before if workload.transport == "udp" else None
    finally:
        stop(proc)
    written = count_lines(out) - warm_lines
    out.unlink(missing_ok=True)
    # Written msg/s over the time the daemon took to write them: loggen's run, or longer if it lagged behind.
    seconds = max(loggen_seconds, last_growth - started)
    cpu = cpu_end - cpu_before
    fields = {
        "daemon": daemon.name, "workload": workload.name, "rep": rep, "transport": workload.transport,
        "offered": workload.offered, "sent": sent, "written": written, "seconds": f"{seconds:.2f}",
        "rate": f"{written / seconds if seconds > 0 else 0:.0f}", "kept": f"{100 * written / sent if sent else 0:.2f}",
        "cpu_s": f"{cpu:.2f}", "cpu_us_per_msg": f"{1e6 * cpu / written if written else 0:.2f}", "rss_mb": f"{rss:.1f}",
        "loggen_cpu_pct": f"{100 * loggen_cpu / loggen_seconds if loggen_seconds > 0 else 0:.0f}",
    }
    if drops is not None:
        fields["kernel_drops"] = drops
    counters = daemon.final_counters(work / f"{daemon.name}.console")
    if counters:
        fields["counters"] = counters
    return fields


class Output:
    """Prints each line and keeps a copy in bench/.work/results.txt, which `--report` reads back."""

    def __init__(self, path: Path | None):
        self.file = open(path, "w") if path else None

    def __call__(self, line: str = "") -> None:
        print(line, flush=True)
        if self.file:
            self.file.write(line + "\n")
            self.file.flush()


def line(kind: str, fields: dict) -> str:
    """`KIND key=value ...`; the daemon's counters (free text) go last, as `counters: ...`."""
    text = " ".join(f"{k}={v}" for k, v in fields.items() if k != "counters")
    return f"{kind} {text}" + (f" counters: {fields['counters']}" if "counters" in fields else "")


def parse(text: str) -> list[dict]:
    """The key=value fields of every RESULT line of a run (numbers as floats where they are numbers)."""
    rows = []
    for raw in text.splitlines():
        if not raw.startswith("RESULT "):
            continue
        row = {}
        for key, value in re.findall(r"(\S+?)=(\S+)", raw.split(" counters: ", 1)[0]):
            try:
                row[key] = float(value)
            except ValueError:
                row[key] = value
        rows.append(row)
    return rows


OURS = ("syslogintr", "syslogintr+lua")
PEERS = ("rsyslog", "syslog-ng")


def spread(values: list[float]) -> tuple[float, float, float]:
    """(median, min, max)."""
    return statistics.median(values), min(values), max(values)


class Summary:
    """Medians and spreads of a run's RESULT lines; ratios are taken within a repetition, then summarised."""

    def __init__(self, rows: list[dict]):
        self.runs: dict[tuple[str, str], dict[int, dict]] = {}
        for row in rows:
            if "rep" in row and "workload" in row:
                self.runs.setdefault((row["workload"], row["daemon"]), {})[int(row["rep"])] = row
        self.workloads = list(dict.fromkeys(w for w, _ in self.runs))
        self.daemons = list(dict.fromkeys(d for _, d in self.runs))
        self.idle = [r for r in rows if r.get("bench") == "idle"]
        self.startup = [r for r in rows if r.get("bench") == "startup" and "rep" in r]

    def values(self, workload: str, daemon: str, key: str) -> list[float]:
        # Runs saved before a field existed (loggen_cpu_pct) lack it.
        return [r[key] for r in self.runs.get((workload, daemon), {}).values() if key in r]

    def median(self, workload: str, daemon: str, key: str) -> float | None:
        values = self.values(workload, daemon, key)
        return statistics.median(values) if values else None

    def ratios(self, workload: str, ours: str, peer: str, key: str) -> list[float]:
        a, b = self.runs.get((workload, ours), {}), self.runs.get((workload, peer), {})
        return [a[rep][key] / b[rep][key] for rep in sorted(a.keys() & b.keys()) if b[rep][key]]

    def idle_pct(self, daemon: str, mode: str) -> float | None:
        """The largest node's idle CPU (% of one core)."""
        values = [r["cpu_pct"] for r in self.idle if r["daemon"] == daemon and r["mode"] == mode]
        return max(values) if values else None

    def idle_rss_mb(self, daemon: str, mode: str) -> float | None:
        """The largest node's resident set at the end of the idle window (runs before it was recorded: None)."""
        values = [r["rss_mb"] for r in self.idle if r["daemon"] == daemon and r["mode"] == mode and "rss_mb" in r]
        return max(values) if values else None

    def startup_seconds(self, daemon: str) -> list[float]:
        return [r["seconds"] for r in self.startup if r["daemon"] == daemon]


def summary_lines(s: Summary) -> list[str]:
    lines = []
    for workload in s.workloads:
        for daemon in s.daemons:
            if not s.values(workload, daemon, "rate"):
                continue
            fields = {"daemon": daemon, "workload": workload, "reps": len(s.values(workload, daemon, "rate"))}
            for key, name, digits in (("rate", "rate", 0), ("kept", "kept", 2), ("cpu_us_per_msg", "cpu", 2),
                                      ("rss_mb", "rss", 1), ("loggen_cpu_pct", "loggen_cpu", 0)):
                if not s.values(workload, daemon, key):
                    continue
                med, lo, hi = spread(s.values(workload, daemon, key))
                fields[key] = f"{med:.{digits}f}"
                fields[f"{name}_range"] = f"{lo:.{digits}f}-{hi:.{digits}f}"
            lines.append(line("RESULT", fields))
    for workload in s.workloads:
        for ours in OURS:
            for peer in PEERS:
                rates = s.ratios(workload, ours, peer, "rate")
                if not rates:
                    continue
                fields = {"workload": workload, f"{ours}/{peer}": "", "reps": len(rates)}
                for key, name in (("rate", "rate"), ("cpu_us_per_msg", "cpu"), ("kept", "kept")):
                    med, lo, hi = spread(s.ratios(workload, ours, peer, key))
                    fields[key], fields[f"{name}_range"] = f"{med:.2f}", f"{lo:.2f}-{hi:.2f}"
                lines.append(line("RATIO", fields).replace(f"{ours}/{peer}= ", f"{ours}/{peer} "))
    for daemon in dict.fromkeys(r["daemon"] for r in s.startup):
        med, lo, hi = spread(s.startup_seconds(daemon))
        build = next(r["build"] for r in s.startup if r["daemon"] == daemon)
        lines.append(f"RESULT bench=startup daemon={daemon} build={build} reps={len(s.startup_seconds(daemon))} "
                     f"seconds={med:.2f} seconds_range={lo:.2f}-{hi:.2f}")
    return lines


def table_lines(s: Summary) -> list[str]:
    header = ("workload", "daemon", "reps", "msg/s written: median (min-max)", "kept %", "cpu µs/msg",
              "peak RSS MB")

    def cell(workload, daemon, key, fmt):
        med, lo, hi = spread(s.values(workload, daemon, key))
        return f"{fmt(med)} ({fmt(lo)}-{fmt(hi)})"

    rows = [header] + [
        (w, d, str(len(s.values(w, d, "rate"))), cell(w, d, "rate", lambda v: f"{v:,.0f}"),
         cell(w, d, "kept", lambda v: f"{v:.1f}"), cell(w, d, "cpu_us_per_msg", lambda v: f"{v:.2f}"),
         cell(w, d, "rss_mb", lambda v: f"{v:.0f}"))
        for w in s.workloads for d in s.daemons if s.values(w, d, "rate")]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    out = ["", "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |",
           "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    for r in rows[1:]:
        out.append("| " + " | ".join(c.rjust(w) if i >= 2 else c.ljust(w)
                                     for i, (c, w) in enumerate(zip(r, widths))) + " |")
    return out + [""]


def target_lines(s: Summary) -> list[str]:
    """The issue's targets, judged on the medians (ratios: the median of the per-repetition ratios)."""
    out = []

    def judge(what: str, value: float | None, ok, shown: str) -> None:
        if value is not None:
            out.append(f"TARGET {what}: {shown} {'met' if ok(value) else 'MISSED'}")

    def ratio(workload, ours, key):
        values = s.ratios(workload, ours, "rsyslog", key)
        return (statistics.median(values), min(values), max(values)) if values else None

    for ours, least in (("syslogintr", 1.2), ("syslogintr+lua", 1.0)):
        if r := ratio("tcp-max", ours, "rate"):
            judge(f"tcp-max msg/s written {ours}/rsyslog >= {least:.2f}", r[0], lambda v: v >= least,
                  f"{r[0]:.2f} ({r[1]:.2f}-{r[2]:.2f})")
    cpu = s.median("tcp-max", "syslogintr", "cpu_us_per_msg")
    judge("tcp-max syslogintr cpu µs/msg <= 3.0", cpu, lambda v: v <= 3.0, f"{cpu or 0:.2f}")
    for workload in ("udp-50k", "udp-100k"):
        if r := ratio(workload, "syslogintr", "cpu_us_per_msg"):
            judge(f"{workload} cpu µs/msg syslogintr/rsyslog <= 1.00", r[0], lambda v: v <= 1.0,
                  f"{r[0]:.2f} ({r[1]:.2f}-{r[2]:.2f})")
    if r := ratio("udp-max", "syslogintr", "rate"):
        judge("udp-max msg/s written syslogintr/rsyslog >= 1.00", r[0], lambda v: v >= 1.0,
              f"{r[0]:.2f} ({r[1]:.2f}-{r[2]:.2f})")
    kept = s.median("udp-max", "syslogintr", "kept")
    judge("udp-max syslogintr kept = 100 % (>= 99.95)", kept, lambda v: v >= 99.95, f"{kept or 0:.2f}%")
    for ours, limit in (("syslogintr", 100), ("syslogintr+lua", 150)):
        for workload in ("tcp-max", "udp-max"):
            rss = s.median(workload, ours, "rss_mb")
            judge(f"{workload} {ours} peak RSS <= {limit} MB", rss, lambda v: v <= limit, f"{rss or 0:.1f} MB")
    for mode, limit in (("single", 0.2), ("cluster", 0.5)):
        idle = s.idle_pct("syslogintr", mode)
        judge(f"idle syslogintr {mode} <= {limit} % of a core", idle, lambda v: v <= limit, f"{idle or 0:.2f}%")
    return out


def markdown(s: Summary) -> str:
    """The README's performance table (the issue's layout): median (min–max) per cell, ratios to rsyslog."""
    cols = [d for d in ("rsyslog", "syslogintr", "syslogintr+lua") if d in s.daemons]
    title = {"rsyslog": "rsyslog", "syslogintr": "syslogintr", "syslogintr+lua": "syslogintr + Lua rule"}

    def k(v: float) -> str:
        return f"{v / 1000:,.0f}k" if v >= 10_000 else f"{v:,.0f}"

    def cell(workload, daemon, key, fmt, ratio_key=None):
        values = s.values(workload, daemon, key)
        if not values:
            return ""
        med, lo, hi = spread(values)
        text = f"{fmt(med)} ({fmt(lo)}–{fmt(hi)})"
        ratios = s.ratios(workload, daemon, "rsyslog", ratio_key) if ratio_key and daemon != "rsyslog" else []
        if ratios:
            rm, rl, rh = spread(ratios)
            text += f", **{rm:.2f}×** ({rl:.2f}–{rh:.2f})"
        return text

    def row(label, target, cells):
        return f"| {label} | " + " | ".join(cells) + f" | {target} |"

    us = lambda v: f"{v:.2f}"  # noqa: E731
    out = ["| | " + " | ".join(title[c] for c in cols) + " | target |", "|---|" + "---|" * len(cols) + "---|"]
    out.append(row("TCP full speed, msg/s written", "≥ 1.2× / ≥ 1.0× (Lua)",
                   [cell("tcp-max", d, "rate", k, "rate") for d in cols]))
    if any(s.values("tcp-max", d, "loggen_cpu_pct") for d in cols):
        # Near 100 %: the one loggen thread, not the daemon, set the TCP rate.
        out.append(row("loggen's CPU at TCP full speed, % of one core", "",
                       [cell("tcp-max", d, "loggen_cpu_pct", lambda v: f"{v:.0f}") for d in cols]))
    out.append(row("CPU µs per message, TCP", "≤ 3.0", [cell("tcp-max", d, "cpu_us_per_msg", us) for d in cols]))
    for workload in ("udp-10k", "udp-25k", "udp-50k", "udp-100k"):
        if workload in s.workloads:
            target = "≤ rsyslog's" if workload in ("udp-50k", "udp-100k") else ""
            out.append(row(f"CPU µs per message, UDP at {workload[4:]} msg/s", target,
                           [cell(workload, d, "cpu_us_per_msg", us, "cpu_us_per_msg") for d in cols]))
    if "udp-max" in s.workloads:
        out.append(row("UDP at loggen's full speed, msg/s written", "≥ 1.0×",
                       [cell("udp-max", d, "rate", k, "rate") for d in cols]))
        out.append(row("UDP at loggen's full speed, kept %", "100 %",
                       [cell("udp-max", d, "kept", lambda v: f"{v:.1f}") for d in cols]))
        out.append(row("CPU µs per message, UDP at full speed", "",
                       [cell("udp-max", d, "cpu_us_per_msg", us, "cpu_us_per_msg") for d in cols]))
    out.append(row("peak RSS at TCP full speed, MB", "≤ 100 / ≤ 150 (Lua)",
                   [cell("tcp-max", d, "rss_mb", lambda v: f"{v:.0f}") for d in cols]))
    if s.idle:
        def idle(daemon):
            single, cluster = s.idle_pct(daemon, "single"), s.idle_pct(daemon, "cluster")
            text = "" if single is None else f"{single:.2f} %"
            return text + ("" if cluster is None else f"; a node of a 2-node cluster: {cluster:.2f} %")
        seconds = int(s.idle[0]["seconds"])
        # Runs before --idle-settle existed waited 10 s.
        settle = int(s.idle[0].get("settle", 10))
        out.append(row(f"idle CPU, % of one core (no traffic, over {seconds} s from {settle} s after start-up)",
                       "≤ 0.2 % (cluster ≤ 0.5 %)",
                       [idle(d) for d in cols]))
        if any("rss_mb" in r for r in s.idle):
            def idle_rss(daemon):
                single, cluster = s.idle_rss_mb(daemon, "single"), s.idle_rss_mb(daemon, "cluster")
                text = "" if single is None else f"{single:.0f}"
                return text + ("" if cluster is None else f"; a node of a 2-node cluster: {cluster:.0f}")
            out.append(row("RSS idle, MB (at the end of that window)", "", [idle_rss(d) for d in cols]))
    if s.startup:
        def startup(daemon):
            values = s.startup_seconds(daemon)
            if not values:
                return ""
            med, lo, hi = spread(values)
            return f"{med:.2f} s ({lo:.2f}–{hi:.2f})"
        build = next((r["build"] for r in s.startup if r["daemon"] != "rsyslog"), "release")
        label = "published build" if build == "publish" else "Release build, not published"
        out.append(row(f"start-up, process start to UDP and TCP listening ({label})", "",
                       [startup(d) for d in cols]))
    return "\n".join(out) + "\n"


def udp_curve(s: Summary) -> list[tuple[str, int]]:
    """The UDP workloads, by offered rate (full speed last): the plot's x axis."""
    udp = {w: int(r["offered"]) if r["offered"] != "max" else FULL_SPEED
           for (w, _), reps in s.runs.items() for r in reps.values() if r["transport"] == "udp"}
    return sorted(udp.items(), key=lambda item: item[1])


COLOURS = {"rsyslog": "#1f77b4", "syslog-ng": "#2ca02c", "syslogintr": "#d62728", "syslogintr+lua": "#ff7f0e"}


def svg(s: Summary) -> str | None:
    """CPU µs per message written against the offered UDP rate: medians joined by lines, min–max as whiskers."""
    points = udp_curve(s)
    daemons = [d for d in s.daemons if any(s.values(w, d, "cpu_us_per_msg") for w, _ in points)]
    if not points or not daemons:
        return None
    width, height, left, right, top, bottom = 640, 400, 60, 170, 40, 50
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = max(max(s.values(w, d, "cpu_us_per_msg") or [0]) for w, _ in points for d in daemons) or 1.0
    step = next(v for v in (0.5, 1, 2, 5, 10, 20, 50, 100, 1e9) if top_value / v <= 8)
    y_max = step * (int(top_value / step) + 1)

    def x(i: int) -> float:
        return left + plot_w * (i + 0.5) / len(points)

    def y(v: float) -> float:
        return top + plot_h * (1 - v / y_max)

    reps = max(len(r) for r in s.runs.values())
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{left}" y="20" font-size="14">CPU µs per message written vs offered UDP rate '
           f'(median of {reps}, bars: min–max)</text>']
    tick = 0.0
    while tick <= y_max + 1e-9:
        out.append(f'<line x1="{left}" y1="{y(tick):.1f}" x2="{left + plot_w}" y2="{y(tick):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick:g}</text>')
        tick += step
    out.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="black"/>')
    out.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="black"/>')
    for i, (workload, rate) in enumerate(points):
        label = "full speed" if rate == FULL_SPEED else f"{rate / 1000:g}k"
        out.append(f'<text x="{x(i):.1f}" y="{top + plot_h + 18}" text-anchor="middle">{label}</text>')
    out.append(f'<text x="{left + plot_w / 2}" y="{height - 8}" text-anchor="middle">offered msg/s (loggen, 256-byte '
               f'messages)</text>')
    out.append(f'<text transform="translate(16 {top + plot_h / 2}) rotate(-90)" text-anchor="middle">'
               f'CPU µs per message</text>')
    for n, daemon in enumerate(daemons):
        colour = COLOURS.get(daemon, "black")
        offset = (n - (len(daemons) - 1) / 2) * 4  # whiskers side by side, not on top of each other
        path = []
        for i, (workload, _) in enumerate(points):
            values = s.values(workload, daemon, "cpu_us_per_msg")
            if not values:
                continue
            med, lo, hi = spread(values)
            cx = x(i) + offset
            path.append(f"{cx:.1f},{y(med):.1f}")
            out.append(f'<line x1="{cx:.1f}" y1="{y(lo):.1f}" x2="{cx:.1f}" y2="{y(hi):.1f}" stroke="{colour}"/>')
            out.append(f'<circle cx="{cx:.1f}" cy="{y(med):.1f}" r="3" fill="{colour}"/>')
        out.append(f'<polyline points="{" ".join(path)}" fill="none" stroke="{colour}" stroke-width="2"/>')
        ly = top + 10 + 20 * n
        out.append(f'<line x1="{left + plot_w + 15}" y1="{ly}" x2="{left + plot_w + 35}" y2="{ly}" stroke="{colour}" '
                   f'stroke-width="2"/>')
        out.append(f'<text x="{left + plot_w + 40}" y="{ly + 4}">{daemon}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def report(text: str, emit, svg_path: Path, markdown_path: Path, quick: bool) -> None:
    """Everything after the runs, from the RESULT lines alone: a saved run gives the same report (`--report`)."""
    s = Summary(parse(text))
    for entry in summary_lines(s) + table_lines(s):
        emit(entry)
    if quick:
        emit("NOTE this was a smoke test (--quick or --smoke): one run of a few seconds per daemon and workload, whose "
             "ratios move by tens of per cent from run to run. No TARGET is judged: judge them on a full run.")
    else:
        for entry in target_lines(s):
            emit(entry)
    drawing = svg(s)
    if drawing:
        svg_path.parent.mkdir(parents=True, exist_ok=True)
        svg_path.write_text(drawing)
        emit(f"PLOT {svg_path}")
    markdown_path.parent.mkdir(parents=True, exist_ok=True)
    markdown_path.write_text(markdown(s))
    emit(f"MARKDOWN {markdown_path}")


def members_up(consoles: list[Path]) -> int:
    """Members some leader moved to Up (the leader may change while nodes join: read every node's log)."""
    up = set()
    for console in consoles:
        text = console.read_text(errors="replace") if console.exists() else ""
        up.update(re.findall(r"Leader is moving node \[(\S+)\] to \[Up\]", text))
    return len(up)


def measure_idle(emit, seconds: float, settle: float, binary: Path, build: str, with_lua: bool) -> None:
    """
    Idle CPU, as % of one core: every daemon started at once (an idle process barely disturbs another) with no
    traffic: rsyslog, syslogintr, syslogintr+lua, and a 2-node syslogintr cluster on loopback. Once all listen and the
    cluster's 2 members are Up, `settle` seconds for start-up's background work (the JIT recompiling what timers
    call), then utime+stime over `seconds`.
    """
    base = WORK / "idle"
    nodes: list[tuple[str, str, int, subprocess.Popen]] = []
    idle_conf = CONF / "syslogintr-idle.conf"
    try:
        singles = [Rsyslog(), Syslogintr(binary=binary)] + ([SyslogintrWithLua(binary)] if with_lua else [])
        for daemon in singles:
            work = base / daemon.name
            work.mkdir(parents=True, exist_ok=True)
            template = None if isinstance(daemon, Rsyslog) else idle_conf
            proc = start(daemon, work, free_port(), work / "messages", ("udp", "tcp"), template)
            nodes.append((daemon.name, "single", 0, proc))
        remoting = [free_port(), free_port()]
        consoles = []
        for i in range(2):
            work = base / f"cluster-node{i}"
            work.mkdir(parents=True, exist_ok=True)
            cluster = (f"  cluster {{\n    enabled = true\n    port = {remoting[i]}\n"
                       f"    seed-nodes = [\"127.0.0.1:{remoting[0]}\"]\n  }}\n")
            proc = start(Syslogintr(binary=binary), work, free_port(), work / "messages", ("udp", "tcp"), idle_conf,
                         cluster)
            nodes.append(("syslogintr", "cluster", i, proc))
            consoles.append(work / "syslogintr.console")
        deadline = time.monotonic() + 90
        while members_up(consoles) < 2:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the 2-node cluster did not form in 90 s; see {base}/cluster-node*/")
            time.sleep(0.2)
        time.sleep(settle)
        before = [cpu_seconds(proc.pid) for *_, proc in nodes]
        started = time.monotonic()
        time.sleep(seconds)
        elapsed = time.monotonic() - started
        after = [cpu_seconds(proc.pid) for *_, proc in nodes]
        rss = [status_mib(proc.pid, "VmRSS") for *_, proc in nodes]
    finally:
        for *_, proc in nodes:
            stop(proc)
    for (name, mode, node, _), cpu0, cpu1, resident in zip(nodes, before, after, rss):
        emit(line("RESULT", {"bench": "idle", "daemon": name, "mode": mode, "node": node,
                             "build": "distro" if name == "rsyslog" else build,
                             "seconds": f"{elapsed:.0f}", "settle": f"{settle:.0f}", "cpu_pct": f"{100 * (cpu1 - cpu0) / elapsed:.3f}",
                             "rss_mb": f"{resident:.1f}"}))


def measure_startup(emit, reps: int, binary: Path, build: str) -> None:
    """Process start to UDP and TCP listening (polled every 5 ms in /proc/net), rsyslog and syslogintr in turn."""
    daemons = [Rsyslog(), Syslogintr(binary=binary)]
    for rep in range(1, reps + 1):
        for daemon in daemons:
            work = WORK / "startup" / daemon.name
            work.mkdir(parents=True, exist_ok=True)
            template = None if isinstance(daemon, Rsyslog) else CONF / "syslogintr-idle.conf"
            began = time.monotonic()
            proc = start(daemon, work, free_port(), work / "messages", ("udp", "tcp"), template)
            elapsed = time.monotonic() - began
            stop(proc)
            emit(line("RESULT", {"bench": "startup", "daemon": daemon.name,
                                 "build": "distro" if isinstance(daemon, Rsyslog) else build, "rep": rep,
                                 "seconds": f"{elapsed:.3f}"}))


def workloads(seconds: int, smoke: bool) -> list[Workload]:
    if smoke:
        return [Workload("udp-1k", "udp", 1000, seconds), Workload("tcp-1k", "tcp", 1000, seconds)]
    return [Workload("tcp-max", "tcp", FULL_SPEED, seconds)] + [
        Workload(f"udp-{rate // 1000}k", "udp", rate, seconds) for rate in (10_000, 25_000, 50_000, 100_000)] + [
        Workload("udp-max", "udp", FULL_SPEED, seconds)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="smoke test of the whole bench: 1 repetition of 5 s, 10 s idle; not for ratios")
    parser.add_argument("--smoke", action="store_true",
                        help="CI: syslogintr only, 1000 msg/s over UDP and TCP for 3 s, no idle or start-up")
    parser.add_argument("--daemons", default="rsyslog,syslogintr,syslogintr+lua",
                        help="comma-separated subset of rsyslog,syslog-ng,syslogintr,syslogintr+lua, run in this order")
    parser.add_argument("--workloads", help="comma-separated subset of tcp-max,udp-10k,udp-25k,udp-50k,udp-100k,udp-max")
    parser.add_argument("--seconds", type=int, help="length of each measured loggen run (default 10; --quick 5)")
    parser.add_argument("--reps", type=int, help="repetitions of each workload, daemons interleaved (default 3)")
    parser.add_argument("--idle-seconds", type=float, help="idle CPU measured over this long (default 30; "
                        "--quick 10; 0: no idle or start-up measurement)")
    parser.add_argument("--idle-settle", type=float, help="seconds from all listening (and the cluster Up) to the idle "
                        "window: start-up's tail, the JIT recompiling what timers call (default 60; --quick 10)")
    parser.add_argument("--published", type=Path,
                        help="the published syslogintr (dotnet publish) for idle and start-up; default the Release build")
    parser.add_argument("--report", type=Path, metavar="FILE",
                        help="no runs: summarise a saved run's output (bench/.work/results.txt) again")
    parser.add_argument("--svg", type=Path, default=WORK / "bench-cpu-per-msg.svg", help="where the plot goes")
    parser.add_argument("--markdown", type=Path, default=WORK / "performance.md",
                        help="where the README's table goes")
    args = parser.parse_args()

    if args.report:
        report(args.report.read_text(), Output(None), args.svg, args.markdown, quick=re.search(r"^RUN --(quick|smoke)", args.report.read_text(), re.M) is not None)
        print(args.markdown.read_text())
        return 0

    names = ["syslogintr"] if args.smoke else [n for n in args.daemons.split(",") if n]
    unknown = [n for n in names if n not in DAEMONS]
    if unknown:
        parser.error(f"unknown daemon(s): {', '.join(unknown)}")
    emit = Output(RESULTS)
    if "syslogintr+lua" in names and not SyslogintrWithLua.available():
        names.remove("syslogintr+lua")
        emit("SKIP daemon=syslogintr+lua: this build has no Lua rules stage")
    short = args.quick or args.smoke
    seconds = args.seconds or (3 if args.smoke else 5 if args.quick else 10)
    reps = args.reps or (1 if short else 3)
    idle_seconds = 0 if args.smoke else args.idle_seconds if args.idle_seconds is not None else 10 if args.quick else 30
    idle_settle = args.idle_settle if args.idle_settle is not None else 10 if args.quick else 60
    quiet = 1.5 if short else 2.0

    atexit.register(stop_all)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda signum, _frame: sys.exit(128 + signum))

    mode = " --quick " if args.quick else " --smoke " if args.smoke else " "
    emit(f"RUN{mode}reps={reps} seconds={seconds} warm_up={WARM_UP_SECONDS}s@{WARM_UP_RATE} daemons={','.join(names)}")
    if args.quick:
        emit("NOTE --quick is a smoke test of the bench, not for ratios or targets: run bench/run.sh for those")
    # Other work on the machine slows every daemon; say how busy it was so figures from two runs can be compared.
    emit(f"MACHINE cpus={os.cpu_count()} loadavg={Path('/proc/loadavg').read_text().strip()} at start")
    began = time.monotonic()
    selected = workloads(seconds, args.smoke)
    if args.workloads:
        wanted = args.workloads.split(",")
        selected = [w for w in selected if w.name in wanted]
    failed = False
    for workload in selected:
        for rep in range(1, reps + 1):
            for name in names:
                log(f"{workload.name} rep {rep}/{reps} -> {name}")
                for attempt in range(1, RUN_ATTEMPTS + 1):
                    try:
                        fields = run_once(DAEMONS[name], workload, rep, quiet)
                        break
                    except LoggenFailed as e:
                        # The load generator's failure, not the daemon's: a fresh daemon on a fresh port.
                        if attempt == RUN_ATTEMPTS:
                            raise
                        emit(f"RETRY daemon={name} workload={workload.name} rep={rep} reason={str(e)[:200]!r}")
                failed |= int(fields["written"]) == 0
                emit(line("RESULT", fields))
    if idle_seconds > 0:
        binary, build = (args.published.resolve(), "publish") if args.published else (SYSLOGINTR, "release")
        log(f"idle CPU over {idle_seconds:g} s and start-up ({build} build)")
        measure_idle(emit, idle_seconds, idle_settle, binary, build, "syslogintr+lua" in names)
        measure_startup(emit, reps, binary, build)
    emit(f"MACHINE cpus={os.cpu_count()} loadavg={Path('/proc/loadavg').read_text().strip()} at end "
         f"elapsed={time.monotonic() - began:.0f}s")
    report(RESULTS.read_text(), emit, args.svg, args.markdown, quick=short)
    return 1 if failed or not selected else 0


if __name__ == "__main__":
    sys.exit(main())
