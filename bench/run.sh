#!/usr/bin/env bash
# Benchmarks syslogintr side by side with rsyslog and syslog-ng on this machine, in one run.
#   bench/run.sh            10 s per workload (about 5 minutes, the ban propagation bench included)
#   bench/run.sh --quick    2 s per workload (about 2.5 minutes), for use while developing
# Extra arguments go to driver.py (e.g. --daemons rsyslog,syslogintr, --seconds 5).
# Prints a table, one `RESULT ...` line per daemon and workload, and `RATIO ...` lines syslogintr/peer.
# Then the node-to-node wire benchmark (bench/wire.sh; one round of 2 s per mode with --quick), the ban propagation,
# singleton failover and cluster ingest benchmarks (bench/cluster-ingest.py; one round with --quick).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/tools.sh

ensure_rsyslog
ensure_syslog_ng
mkdir -p bench/.work
echo "bench: building syslogintr (Release)" >&2
dotnet build -c Release -v q -nologo Syslogintr.Node >bench/.work/build.log 2>&1 || { cat bench/.work/build.log >&2; exit 1; }

# The driver stops its daemons by pid on any exit; this trap stops the driver itself if the script is interrupted.
python3 bench/driver.py "$@" &
driver=$!
trap 'kill "$driver" 2>/dev/null || true' EXIT
wait "$driver"
trap - EXIT

if [[ " $* " == *" --quick "* ]]; then bench/wire.sh 1 2; else bench/wire.sh; fi

# Ban propagation across a 3-node cluster in one process (about 1 minute): `RESULT bench=ban-propagation ...` lines.
bench/ban-latency.sh

# Singleton failover: three syslogintr processes in a cluster, the probe scheduler's node killed (kill -9), time until
# the probes run again on another node (`RESULT bench=failover ...`, see bench/README.md).
python3 bench/failover.py --runs 3 &
failover=$!
trap 'kill "$failover" 2>/dev/null || true' EXIT
wait "$failover"

# Ingest with a partitioned rule on every message, 1 node vs 3 nodes (about 4 minutes; --quick: one round, about 1):
# `RESULT bench=cluster-ingest ...` lines, see bench/README.md.
ingest_args=()
if [[ " $* " == *" --quick "* ]]; then ingest_args=(--quick); fi
python3 bench/cluster-ingest.py "${ingest_args[@]}" &
ingest=$!
trap 'kill "$ingest" 2>/dev/null || true' EXIT
wait "$ingest"
