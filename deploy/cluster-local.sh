#!/usr/bin/env bash
# Three syslogintr nodes as one Akka cluster on loopback, from one build, each in a working directory of its own
# (its own run/ with pid file and unix socket, its own var/ with the messages file, its own ports):
#
#   deploy/cluster-local.sh up       build once (unless SYSLOGINTR_DLL names a build), write each node's config,
#                                    start the nodes, return once each has written its pid (listeners bound)
#   deploy/cluster-local.sh status   each node's process state, then `syslogintr cluster status` from a live node
#   deploy/cluster-local.sh down     SIGTERM to each node by the pid in its pid file (a graceful leave), wait for
#                                    each to exit and print its exit code
#
# Node i (1..3) listens for syslog on UDP and TCP 127.0.0.1:SYSLOG_PORT+i-1 and does remoting on
# 127.0.0.1:REMOTING_PORT+i-1, serves its status page and metrics on 127.0.0.1:HTTP_PORT+i-1; every node lists all
# three as seeds. Its output goes to node<i>/node.log and its exit
# code to node<i>/exit-code (0: stopped; 3: removed from the cluster, e.g. downed after a SIGSTOP).
# Environment: CLUSTER_DIR (./cluster-local), SYSLOG_PORT (5515), REMOTING_PORT (4053), HTTP_PORT (9514), SYSLOGINTR_DLL (an existing
# syslogintr.dll; default: built into CLUSTER_DIR/bin), EXTRA_CONF (a HOCON file appended to every node's config).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mkdir -p "${CLUSTER_DIR:-cluster-local}" && cd "${CLUSTER_DIR:-cluster-local}" && pwd)
syslog_port=${SYSLOG_PORT:-5515}
remoting_port=${REMOTING_PORT:-4053}
http_port=${HTTP_PORT:-9514}
dll=${SYSLOGINTR_DLL:-$dir/bin/syslogintr.dll}
nodes=(1 2 3)

node_dir() { echo "$dir/node$1"; }

# The pid of node $1 when it runs (its pid file names a live syslogintr process), else nothing.
live_pid() {
  local pid
  pid=$(cat "$(node_dir "$1")/run/syslogintr.pid" 2>/dev/null || true)
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q syslogintr && echo "$pid"
  return 0
}

meaning() {
  case $1 in
    0) echo "stopped";;
    1) echo "failed";;
    2) echo "bad configuration";;
    3) echo "removed from the cluster";;
    137) echo "killed (SIGKILL)";;
    *) echo "exit code $1";;
  esac
}

write_config() {
  local i=$1 seeds="" n
  for n in "${nodes[@]}"; do seeds+="${seeds:+, }\"127.0.0.1:$((remoting_port + n - 1))\""; done
  cat >"$(node_dir "$i")/cluster.conf" <<CONF
# Written by deploy/cluster-local.sh: node $i of ${#nodes[@]} on loopback.
syslogintr {
  hostname = "node$i"
  listeners {
    udp.bind = "127.0.0.1:$((syslog_port + i - 1))"
    tcp.bind = "127.0.0.1:$((syslog_port + i - 1))"
  }
  http.bind = "127.0.0.1:$((http_port + i - 1))"
  cluster {
    enabled = true
    hostname = "127.0.0.1"
    port = $((remoting_port + i - 1))
    seed-nodes = [$seeds]
  }
}
CONF
  if [ -n "${EXTRA_CONF:-}" ]; then cat "$EXTRA_CONF" >>"$(node_dir "$i")/cluster.conf"; fi
}

up() {
  if [ ! -f "$dll" ]; then
    echo "building syslogintr into $dir/bin (once)"
    dotnet build "$repo/Syslogintr.Node" -c Release -o "$dir/bin" --nologo -v quiet
  fi
  local i
  for i in "${nodes[@]}"; do
    mkdir -p "$(node_dir "$i")"
    if [ -n "$(live_pid "$i")" ]; then echo "node$i: already running (pid $(live_pid "$i"))"; continue; fi
    write_config "$i"
    rm -f "$(node_dir "$i")/exit-code"
    # Its own session, stdio to files: the node outlives this script and no terminal signal reaches it.
    (cd "$(node_dir "$i")" && setsid -f bash -c 'dotnet "$1" run --config cluster.conf; echo $? >exit-code' bash "$dll" \
      >"$(node_dir "$i")/node.log" 2>&1 </dev/null)
  done
  for i in "${nodes[@]}"; do
    local waited=0
    until [ -n "$(live_pid "$i")" ]; do
      if [ -f "$(node_dir "$i")/exit-code" ] || [ $waited -ge 600 ]; then
        echo "node$i: did not start; its log:" >&2
        tail -20 "$(node_dir "$i")/node.log" >&2
        exit 1
      fi
      sleep 0.1
      waited=$((waited + 1))
    done
    echo "node$i: pid $(live_pid "$i"), syslog 127.0.0.1:$((syslog_port + i - 1)), remoting 127.0.0.1:$((remoting_port + i - 1)), dir $(node_dir "$i")"
  done
}

down() {
  local i pid
  declare -A pids=()
  for i in "${nodes[@]}"; do
    pid=$(live_pid "$i")
    if [ -n "$pid" ]; then kill -TERM "$pid" && pids[$i]=$pid; fi
  done
  for i in "${nodes[@]}"; do
    [ -n "${pids[$i]:-}" ] || { echo "node$i: not running"; continue; }
    local waited=0
    while [ -d "/proc/${pids[$i]}" ] && [ $waited -lt 300 ]; do sleep 0.1; waited=$((waited + 1)); done
    if [ -d "/proc/${pids[$i]}" ]; then
      kill -KILL "${pids[$i]}"
      echo "node$i: still running 30 s after SIGTERM; killed"
    else
      # The wrapper writes the exit code just after the node exits.
      for _ in $(seq 20); do [ -f "$(node_dir "$i")/exit-code" ] && break; sleep 0.1; done
      local code
      code=$(cat "$(node_dir "$i")/exit-code" 2>/dev/null || echo "?")
      echo "node$i: $(meaning "$code") (exit code $code)"
    fi
  done
}

status() {
  local i pid asked=""
  for i in "${nodes[@]}"; do
    pid=$(live_pid "$i")
    if [ -n "$pid" ]; then
      echo "node$i: running, pid $pid"
      asked=${asked:-$i}
    elif [ -f "$(node_dir "$i")/exit-code" ]; then
      local code
      code=$(cat "$(node_dir "$i")/exit-code")
      echo "node$i: exited, $(meaning "$code") (exit code $code)"
    else
      echo "node$i: not running"
    fi
  done
  if [ -z "$asked" ]; then echo "no node is running"; return 1; fi
  echo
  (cd "$(node_dir "$asked")" && dotnet "$dll" cluster status --config cluster.conf)
}

case ${1:-} in
  up) up;;
  down) down;;
  status) status;;
  *) echo "usage: $0 up|down|status" >&2; exit 2;;
esac
