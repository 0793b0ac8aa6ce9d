#!/usr/bin/env bash
# BenchmarkDotNet micro-benchmarks: the parser (ns, bytes allocated and msg/s per message) and, in process, the
# UDP listener -> router -> file sink path of a whole node. A short job (3 warm-up and 3 measured iterations) keeps
# it to a few minutes. Arguments go to BenchmarkDotNet, e.g. `bench/micro.sh --filter '*Parser*'`.
set -euo pipefail
cd "$(dirname "$0")/.."
args=("$@")
[ ${#args[@]} -eq 0 ] && args=(--filter '*')
dotnet run -c Release --project bench/Syslogintr.Bench -- --job short --artifacts bench/.work/BenchmarkDotNet.Artifacts "${args[@]}"
