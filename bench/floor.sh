#!/usr/bin/env bash
# The memory floor under syslogintr: the resident set of what a node is built on, each published as deploy/install.sh
# publishes the node (self-contained, ReadyToRun), idle after a few datagrams:
#   runtime   the .NET runtime and nothing else
#   akka      a bare Akka.NET actor system (ActorSystem.Create) with one actor and a UDP socket
#   hosting   the same started as the node starts it: the generic host and Akka.Hosting
#   node      syslogintr itself (bench/conf/syslogintr-idle.conf: UDP and TCP, the file sink, the status endpoint)
# and, with --aot, akka and hosting published with NativeAOT: as they are, then with Akka's assemblies kept whole
# (-p:RootAkka=true). Prints `RESULT bench=floor ...` lines: rss_mb (anon_mb + file_mb + shmem_mb, the last the
# runtime's double-mapped code and loader heaps), or the error it stopped with.
#   bench/floor.sh [--aot] [--settle SECONDS]      about 2 minutes; --aot about 6 more
set -euo pipefail
cd "$(dirname "$0")/.."
aot=0 settle=15
while [ $# -gt 0 ]; do
  case "$1" in
    --aot) aot=1 ;;
    --settle) settle=$2; shift ;;
    *) echo "usage: bench/floor.sh [--aot] [--settle SECONDS]" >&2; exit 2 ;;
  esac
  shift
done
work="$PWD/bench/.work/floor"
rm -rf "$work" && mkdir -p "$work"

# The bench driver's own helpers: a port free for both UDP and TCP, and the node's config from its template.
driver() { python3 -c "import sys; sys.path.insert(0, 'bench'); import driver; $1"; }
free_port() { driver 'print(driver.free_port())'; }

# measure NAME BUILD PORT -- COMMAND...: starts it in the work folder (the node keeps its state under ./var), waits
# until it listens (up to 60 s; the runtime mode prints nothing), sends 100 datagrams, lets it settle, reads its
# resident set from /proc and stops it.
measure() {
  local name=$1 build=$2 port=$3; shift 4
  local log="$work/$name-$build.log"
  (cd "$work" && exec "$@") >"$log" 2>&1 &
  local pid=$! waited=0
  if [ "$name" != runtime ]; then
    while ! grep -q -i -E "^listening|application started" "$log" && kill -0 "$pid" 2>/dev/null && [ $waited -lt 600 ]; do
      sleep 0.1; waited=$((waited + 1))
    done
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    local error
    error=$(grep -m1 -E "Exception|rror" "$log" | cut -c1-200 || true)
    echo "RESULT bench=floor mode=$name build=$build started=no error=\"${error:-exited, see $log}\""
    return
  fi
  python3 - "$port" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(100):
    s.sendto(b"<13>Dec  3 08:00:00 host floor: datagram %d" % i, ("127.0.0.1", int(sys.argv[1])))
PY
  sleep "$settle"
  local kb anon file shmem
  read -r kb anon file shmem < <(awk '/^VmRSS/{r=$2} /^RssAnon/{a=$2} /^RssFile/{f=$2} /^RssShmem/{s=$2}
    END{print r, a, f, s}' /proc/$pid/status)
  kill "$pid"
  timeout 20 tail --pid="$pid" -f /dev/null || kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
  echo "RESULT bench=floor mode=$name build=$build started=yes rss_mb=$((kb / 1024)) anon_mb=$((anon / 1024))" \
    "file_mb=$((file / 1024)) shmem_mb=$((shmem / 1024))"
}

publish() {  # publish OUT [extra properties...]
  local out=$1; shift
  dotnet publish bench/RuntimeFloor -c Release -r linux-x64 --self-contained -o "$out" -v q -nologo "$@" \
    >"$out.log" 2>&1 || { cat "$out.log" >&2; exit 1; }
}

echo "bench: publishing the floor program and syslogintr (ReadyToRun)" >&2
publish "$work/r2r" -p:PublishReadyToRun=true
dotnet publish Syslogintr.Node -c Release -r linux-x64 --self-contained -p:PublishReadyToRun=true \
  -o "$work/node" -v q -nologo >"$work/node.log" 2>&1 || { cat "$work/node.log" >&2; exit 1; }

for mode in runtime akka hosting; do
  port=$(free_port)
  measure "$mode" r2r "$port" -- "$work/r2r/runtime-floor" "$mode" "$port"
done
port=$(free_port)
conf=$(driver "from pathlib import Path; print(driver.Syslogintr().write_config(Path('$work'), $port, Path('$work/messages'), driver.CONF / 'syslogintr-idle.conf'))")
measure node r2r "$port" -- "$work/node/syslogintr" run --config "$conf"

if [ "$aot" = 1 ]; then
  # Trim analysis warnings (Akka.NET's reflection) are what this shows; they must not stop the publish.
  echo "bench: publishing the floor program with NativeAOT, as it is and with Akka kept whole" >&2
  publish "$work/aot" -p:PublishAot=true -p:TreatWarningsAsErrors=false
  publish "$work/aot-rooted" -p:PublishAot=true -p:RootAkka=true -p:TreatWarningsAsErrors=false
  for build in aot aot-rooted; do
    for mode in akka hosting; do
      port=$(free_port)
      measure "$mode" "$build" "$port" -- "$work/$build/runtime-floor" "$mode" "$port"
    done
  done
fi
