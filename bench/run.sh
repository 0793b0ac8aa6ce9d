#!/usr/bin/env bash
# Benchmarks syslogintr side by side with rsyslog on this machine (bench/README.md says what each part measures).
#   bench/run.sh            3 interleaved repetitions of 10 s per daemon and workload, idle CPU over 30 s and
#                           start-up time of the published build, then the wire, ban propagation, failover and
#                           cluster ingest benchmarks: about 30 minutes on 2 cores
#   bench/run.sh --quick    a smoke test of all of it (1 repetition of 5 s, idle over 10 s, the Release build, one
#                           short round of the others): about 10 minutes; not for ratios or targets
#   bench/run.sh --daemons-only [driver arguments]   the daemons, idle and start-up only (about 20 minutes)
# Other arguments go to driver.py (e.g. --daemons rsyslog,syslogintr --workloads tcp-max,udp-50k --reps 5 --seconds 8).
# Prints RESULT lines per run and per daemon (median and min-max), RATIO lines syslogintr/peer, a table and TARGET
# lines; bench/.work/results.txt keeps the lines, bench/.work/performance.md the README's table and
# bench/.work/bench-cpu-per-msg.svg the plot (`python3 bench/driver.py --report bench/.work/results.txt
# --svg docs/bench-cpu-per-msg.svg` redraws the README's plot and prints its table from a saved run).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/tools.sh

quick=0 daemons_only=0 args=()
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1; args+=("$arg") ;;
    --daemons-only) daemons_only=1 ;;
    *) args+=("$arg") ;;
  esac
done

ensure_rsyslog
ensure_syslog_ng
mkdir -p bench/.work
echo "bench: building syslogintr (Release)" >&2
dotnet build -c Release -v q -nologo Syslogintr.Node >bench/.work/build.log 2>&1 || { cat bench/.work/build.log >&2; exit 1; }
if [ "$quick" = 0 ]; then
  # Start-up and idle are measured on what deploy/install.sh installs: self-contained, ReadyToRun.
  echo "bench: publishing syslogintr (as deploy/install.sh does)" >&2
  dotnet publish Syslogintr.Node -c Release -r linux-x64 --self-contained -p:PublishReadyToRun=true \
    -o bench/.work/publish -v q -nologo >bench/.work/publish.log 2>&1 || { cat bench/.work/publish.log >&2; exit 1; }
  args+=(--published bench/.work/publish/syslogintr)
fi

# The driver stops its daemons by pid on any exit; this trap stops the driver itself if the script is interrupted.
python3 bench/driver.py "${args[@]}" &
driver=$!
trap 'kill "$driver" 2>/dev/null || true' EXIT
wait "$driver"
trap - EXIT
[ "$daemons_only" = 1 ] && exit 0

if [ "$quick" = 1 ]; then bench/wire.sh 1 2; else bench/wire.sh; fi

# Ban propagation across a 3-node cluster in one process (about 1 minute): `RESULT bench=ban-propagation ...` lines.
bench/ban-latency.sh

# Singleton failover: three syslogintr processes in a cluster, the probe scheduler's node killed (kill -9), time until
# the probes run again on another node (`RESULT bench=failover ...`, see bench/README.md).
python3 bench/failover.py --runs "$([ "$quick" = 1 ] && echo 1 || echo 3)" &
failover=$!
trap 'kill "$failover" 2>/dev/null || true' EXIT
wait "$failover"

# Ingest with a partitioned rule on every message, 1 node vs 3 nodes (about 4 minutes; --quick: one round, about 1):
# `RESULT bench=cluster-ingest ...` lines, see bench/README.md.
ingest_args=()
if [ "$quick" = 1 ]; then ingest_args=(--quick); fi
python3 bench/cluster-ingest.py "${ingest_args[@]}" &
ingest=$!
trap 'kill "$ingest" 2>/dev/null || true' EXIT
wait "$ingest"
