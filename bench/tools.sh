# Installs the peers and the load generator the benchmarks need. Sourced by run.sh and smoke.sh.
#
# rsyslog is installed as a Debian package. syslog-ng-core (which ships `loggen`) conflicts with rsyslog as an
# installed package, so it is downloaded and unpacked into bench/.tools/syslog-ng and run from there with
# LD_LIBRARY_PATH and SYSLOGNG_PREFIX; only its shared-library dependencies are installed with apt.
# Debian's policy-rc.d keeps apt from starting rsyslog as a service; the bench starts its own in the foreground.

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TOOLS_DIR="$BENCH_DIR/.tools"
SYSLOGNG_DIR="$TOOLS_DIR/syslog-ng"
export DEBIAN_FRONTEND=noninteractive

apt_updated=0
apt_update_once() {
  if [ "$apt_updated" = 0 ]; then
    apt-get update -qq -o DPkg::Lock::Timeout=300
    apt_updated=1
  fi
}

# Installs the named Debian packages that are not installed yet.
apt_ensure() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "bench: installing ${missing[*]}" >&2
  apt_update_once
  apt-get install -y -qq -o DPkg::Lock::Timeout=300 "${missing[@]}" >/dev/null
}

# Unpacks syslog-ng-core into bench/.tools/syslog-ng (the .deb is cached beside it).
unpack_syslog_ng() {
  [ -x "$SYSLOGNG_DIR/usr/bin/loggen" ] && return 0
  mkdir -p "$TOOLS_DIR"
  if ! ls "$TOOLS_DIR"/syslog-ng-core_*.deb >/dev/null 2>&1; then
    echo "bench: downloading syslog-ng-core" >&2
    # apt's _apt user cannot write into our folder; download as root quietly rather than warn.
    (cd "$TOOLS_DIR" && { apt-get download -qq syslog-ng-core 2>/dev/null || { apt_update_once; apt-get download -qq syslog-ng-core 2>/dev/null; }; })
  fi
  rm -rf "$SYSLOGNG_DIR.tmp"
  dpkg -x "$(ls "$TOOLS_DIR"/syslog-ng-core_*.deb | head -n1)" "$SYSLOGNG_DIR.tmp"
  mv "$SYSLOGNG_DIR.tmp" "$SYSLOGNG_DIR"
}

# loggen alone: the unpacked package plus the few libraries it links.
ensure_loggen() {
  apt_ensure libglib2.0-0 libssl3
  unpack_syslog_ng
}

# The syslog-ng daemon from the same unpacked package needs the package's library dependencies too.
ensure_syslog_ng() {
  ensure_loggen
  apt_ensure libcap2 libivykis0 libjson-c5 libnet1 libpcre3 libsystemd0 libwrap0
}

ensure_rsyslog() {
  command -v rsyslogd >/dev/null || apt_ensure rsyslog
}

export SYSLOGNG_DIR
