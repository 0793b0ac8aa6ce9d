#!/usr/bin/env bash
# Smoke test of the benchmark for CI: syslogintr only, 1000 msg/s over UDP and TCP for 3 s each after a 2 s warm-up,
# then the report (table, plot, Markdown) from those lines. About 25 s after the build.
# Fails unless it prints RESULT lines with messages written. Expects nothing installed but the .NET SDK.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/tools.sh

ensure_loggen
mkdir -p bench/.work
dotnet build -c Release -v q -nologo Syslogintr.Node >bench/.work/build.log 2>&1 || { cat bench/.work/build.log >&2; exit 1; }
python3 bench/driver.py --smoke &
driver=$!
trap 'kill "$driver" 2>/dev/null || true' EXIT
wait "$driver"
