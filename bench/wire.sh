#!/usr/bin/env bash
# Node-to-node wire cost: two processes on 127.0.0.1 through Akka.Remote; batches of 1024, 256 and 16 messages with
# our binary format vs one message per Tell with Akka's default JSON; and the codec alone (parsed fields vs raw
# re-parsed on arrival vs JSON). About 1.5 minutes with the defaults.
#   bench/wire.sh [ROUNDS [SECONDS]]     rounds of each mode, interleaved (default 3), seconds measured per run (4)
# Prints RESULT lines (one per run and a median line per mode) and a TARGET line.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/.work
echo "bench: building the wire benchmark (Release)" >&2
dotnet build -c Release -v q -nologo bench/Syslogintr.Bench >bench/.work/build-wire.log 2>&1 || { cat bench/.work/build-wire.log >&2; exit 1; }
# The benchmark stops its receiver process by closing its stdin (and kills it after 10 s); timeout bounds the whole.
timeout 900 dotnet bench/Syslogintr.Bench/bin/Release/net10.0/Syslogintr.Bench.dll wire "$@"
