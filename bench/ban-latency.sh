#!/usr/bin/env bash
# Ban propagation latency across a 3-node cluster in one process (about 1 minute): bans decided on a rotating node,
# applied by the other two; one `RESULT bench=ban-propagation ...` line per replication.write setting.
#   bench/ban-latency.sh                              200 bans, 50 ms apart, write = local, majority, all
#   bench/ban-latency.sh --bans 500 --write all
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run -c Release --project bench/Syslogintr.Bench -- ban-latency "$@"
