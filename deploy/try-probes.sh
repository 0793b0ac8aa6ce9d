#!/usr/bin/env bash
# Checks the probes, alerts and mail against real daemons: Debian's Apache (mod_status on a loopback port, run
# from a private config so /etc/apache2 is untouched) and Postfix's smtp-sink as the mail server. The node probes
# Apache over HTTP and through its pid file; we stop Apache, expect one "down" mail listing both probes, start it
# again, expect one "recovered" mail (group-window 5s > every 3s: both probes land in one mail). Needs root (apt-get, Apache's user switch). Takes about a minute after the
# packages are installed. Ports can be moved: APACHE_PORT, SMTP_PORT, SYSLOG_PORT.
set -euo pipefail
cd "$(dirname "$0")/.."

APACHE_PORT=${APACHE_PORT:-18080}
SMTP_PORT=${SMTP_PORT:-12525}
SYSLOG_PORT=${SYSLOG_PORT:-15514}
work=$(mktemp -d /tmp/try-probes.XXXXXX)
chmod 755 "$work" # smtp-sink writes as nobody
node_pid="" sink_pid=""

cleanup() {
  [ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null || true
  [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null || true
  [ -f "$work/apache.pid" ] && apache2 -f "$work/httpd.conf" -k stop 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "try-probes: FAILED: $*" >&2; echo "--- node log"; tail -30 "$work/node.log" >&2 || true; exit 1; }

# Wait up to $1 seconds for the command in the remaining arguments to succeed.
wait_for() {
  local seconds=$1; shift
  for _ in $(seq $((seconds * 5))); do "$@" && return 0; sleep 0.2; done
  return 1
}

need=()
command -v apache2 >/dev/null || need+=(apache2)
command -v smtp-sink >/dev/null || need+=(postfix)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

echo "== building the node"
dotnet build -c Release -v q --nologo Syslogintr.Node >/dev/null

echo "== Apache with mod_status on 127.0.0.1:$APACHE_PORT"
mods=/usr/lib/apache2/modules
cat >"$work/httpd.conf" <<CONF
ServerRoot "$work"
ServerName localhost
Listen 127.0.0.1:$APACHE_PORT
PidFile "$work/apache.pid"
ErrorLog "$work/apache-error.log"
User www-data
Group www-data
LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule authz_host_module $mods/mod_authz_host.so
LoadModule status_module $mods/mod_status.so
ExtendedStatus On
<Location "/server-status">
  SetHandler server-status
  Require ip 127.0.0.1
</Location>
CONF
apache2 -f "$work/httpd.conf" -k start
wait_for 10 curl -fs "http://127.0.0.1:$APACHE_PORT/server-status?auto" -o /dev/null 2>/dev/null \
  || wait_for 10 test -s "$work/apache.pid" || fail "Apache did not start"

echo "== smtp-sink on 127.0.0.1:$SMTP_PORT"
mkdir -p "$work/mail" && chmod 777 "$work/mail"
smtp-sink -u nobody -d "$work/mail/%M%S." "127.0.0.1:$SMTP_PORT" 50 &
sink_pid=$!

cat >"$work/node.conf" <<CONF
syslogintr {
  listeners {
    udp.bind = "127.0.0.1:$SYSLOG_PORT"
    tcp.bind = "127.0.0.1:$SYSLOG_PORT"
    local.path = "$work/log"
  }
  files.messages { path = "$work/messages", flush-interval = 100ms }
  probes {
    web    { kind = http-status, url = "http://127.0.0.1:$APACHE_PORT/server-status?auto", every = 3s, timeout = 2s, jitter = 0s }
    apache { kind = pidfile, path = "$work/apache.pid", process-name = apache2, every = 3s, timeout = 2s, jitter = 0s }
  }
  alerts { group-window = 5s, state-file = "$work/alerts.json" }
  mail {
    smtp { host = "127.0.0.1", port = $SMTP_PORT }
    to = "root@localhost"
    outbox = "$work/outbox"
  }
}
CONF

echo "== node"
dotnet Syslogintr.Node/bin/Release/net10.0/syslogintr.dll --config "$work/node.conf" >"$work/node.log" 2>&1 &
node_pid=$!

mails() { find "$work/mail" -type f | wc -l; }
have_mails() { [ "$(mails)" -ge "$1" ]; }
has_line() { grep -q -- "$1" "$work/messages" 2>/dev/null; }

wait_for 20 has_line " check/httpd\[.*accesses=" || fail "no check/httpd statistics line"
wait_for 10 has_line " check/apache\[.*still running" || fail "no check/apache line"
grep -m1 " check/httpd\[" "$work/messages"
grep -m1 " check/apache\[" "$work/messages"
[ "$(mails)" -eq 0 ] || fail "mail sent while everything was up"

echo "== stopping Apache: expect one mail listing both probes"
apache2 -f "$work/httpd.conf" -k stop
wait_for 20 has_line "WEB SERVER NOT RUNNING" || fail "web probe did not report down"
wait_for 20 have_mails 1 || fail "no alert mail"
grep -m1 " check/httpd\[.*WEB SERVER NOT RUNNING" "$work/messages"
grep -m1 " check/apache\[.*pid file" "$work/messages"
grep -h "^Subject:" "$work"/mail/*

echo "== starting Apache again: expect one recovery mail"
apache2 -f "$work/httpd.conf" -k start
wait_for 30 have_mails 2 || fail "no recovery mail"
sleep 7 # two more probe rounds: no further mail may arrive
[ "$(mails)" -eq 2 ] || fail "expected exactly 2 mails, got $(mails)"
grep -h "^Subject:" "$work"/mail/* | sort
grep -hq "^Subject: .*2 down" "$work"/mail/* || fail "the down mail does not list both probes"
grep -hq "^Subject: .*2 recovered" "$work"/mail/* || fail "the recovery mail does not list both probes"
echo "try-probes: OK (2 mails: one down, one recovered; probe lines in the messages file)"
