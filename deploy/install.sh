#!/bin/sh
# Installs syslogintr as a systemd service, idempotently (run it again to upgrade):
#   sudo deploy/install.sh                 publish a self-contained build and install it
#   deploy/install.sh --root DIR --from D  install the build in D under DIR (a package's staging root, the tests)
#
# What goes where (under DIR, when given):
#   /opt/syslogintr/                 the self-contained build (no .NET needed on the host), README.md
#   /etc/syslogintr/syslogintr.conf  deploy/syslogintr.conf, unless you edited the installed one: then the new
#                                    one is written beside it as syslogintr.conf.dist and yours is kept
#   /etc/syslogintr/rules/           the example rules and their modules (rules/), each kept the same way if edited
#   /etc/systemd/system/             syslogintr.service and syslogintr.socket
#   /etc/sysctl.d/60-syslogintr.conf net.core.rmem_max = 8 MiB (deploy/syslogintr.sysctl), so the UDP listener
#                                    gets its 8 MiB receive buffer without CAP_NET_ADMIN; applied at once on this host;
#                                    kept if edited (a host that needs more), as the config is
#   /var/lib/syslogintr, /var/log/syslogintr: the service's working directory and log files, owned by
#                                    the system user syslogintr, which is created if missing
# Without --root, on a host run by systemd, the units are enabled (and a running service restarted).
#
# The publish: dotnet publish Syslogintr.Node -c Release -r linux-x64 --self-contained
#   -p:PublishReadyToRun=true   precompiled code: less to JIT at start, for a larger /opt/syslogintr
#   -p:InvariantGlobalization=false is the default: the host's ICU is used (libicu; install it if missing).
# Not trimmed, not single-file: Akka.NET loads types by reflection, and KeraLua's liblua must stay a file.
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
root=${DESTDIR:-}
from=
rid=linux-x64
while [ $# -gt 0 ]; do
    case $1 in
        --root) root=$2; shift 2 ;;
        --from) from=$2; shift 2 ;;
        --rid) rid=$2; shift 2 ;;
        *) echo "usage: $0 [--root DIR] [--from PUBLISHED_DIR] [--rid RUNTIME_ID]" >&2; exit 2 ;;
    esac
done
root=${root%/}

if [ -z "$from" ]; then
    from=$(mktemp -d)
    trap 'rm -rf "$from"' EXIT
    dotnet publish "$repo/Syslogintr.Node" -c Release -r "$rid" --self-contained -p:PublishReadyToRun=true -o "$from"
fi
[ -x "$from/syslogintr" ] || { echo "install.sh: $from/syslogintr is not an executable build" >&2; exit 1; }

# A shipped file, never overwriting an edited one. FILE.dist is always the shipped copy: an installed file equal
# to the previous FILE.dist was not edited, so it is upgraded; one that differs is the operator's and stays.
install_kept() { # SOURCE DEST MODE
    if [ ! -e "$2" ] || { [ -e "$2.dist" ] && cmp -s "$2" "$2.dist"; }; then
        install -m "$3" "$1" "$2"
    elif ! cmp -s "$1" "$2"; then
        echo "install.sh: kept your edited $2; the shipped version is $2.dist"
    fi
    install -m "$3" "$1" "$2.dist"
}

# The user: a system account without a shell or home of its own.
if ! grep -q '^syslogintr:' "$root/etc/passwd" 2>/dev/null; then
    if [ -n "$root" ]; then
        useradd --root "$root" --system --user-group --home-dir /var/lib/syslogintr --no-create-home --shell /usr/sbin/nologin syslogintr
    else
        useradd --system --user-group --home-dir /var/lib/syslogintr --no-create-home --shell /usr/sbin/nologin syslogintr
    fi
fi
owner=$(awk -F: '$1 == "syslogintr" { print $3 ":" $4 }' "$root/etc/passwd")

# The build: staged beside the old one, then swapped, so a running node keeps its files until it restarts.
mkdir -p "$root/opt"
rm -rf "$root/opt/syslogintr.new" "$root/opt/syslogintr.old"
cp -a "$from/." "$root/opt/syslogintr.new/"
install -m 0644 "$repo/README.md" "$root/opt/syslogintr.new/README.md"
if [ -d "$root/opt/syslogintr" ]; then
    mv "$root/opt/syslogintr" "$root/opt/syslogintr.old"
fi
mv "$root/opt/syslogintr.new" "$root/opt/syslogintr"
rm -rf "$root/opt/syslogintr.old"

# Config and rules: root's, readable by the service.
install -d -m 0755 "$root/etc/syslogintr"
install_kept "$repo/deploy/syslogintr.conf" "$root/etc/syslogintr/syslogintr.conf" 0644
(cd "$repo/rules" && find . -type f ! -name '*.dist') | while read -r rule; do
    install -d -m 0755 "$(dirname "$root/etc/syslogintr/rules/$rule")"
    install_kept "$repo/rules/$rule" "$root/etc/syslogintr/rules/$rule" 0644
done

install -d -m 0750 -o "${owner%:*}" -g "${owner#*:}" "$root/var/lib/syslogintr" "$root/var/log/syslogintr"
install -d -m 0755 "$root/etc/systemd/system"
install -m 0644 "$repo/deploy/syslogintr.service" "$repo/deploy/syslogintr.socket" "$root/etc/systemd/system/"
install -d -m 0755 "$root/etc/sysctl.d"
install_kept "$repo/deploy/syslogintr.sysctl" "$root/etc/sysctl.d/60-syslogintr.conf" 0644

if [ -z "$root" ]; then
    sysctl -q -p /etc/sysctl.d/60-syslogintr.conf || echo "install.sh: could not apply /etc/sysctl.d/60-syslogintr.conf now; it applies at boot"
fi

if [ -z "$root" ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    systemctl enable syslogintr.socket syslogintr.service
    systemctl try-restart syslogintr.service
    echo "install.sh: installed; start it (rsyslog and syslog-ng are stopped: Conflicts=) with"
    echo "  systemctl start syslogintr.socket syslogintr.service"
else
    echo "install.sh: installed under ${root:-/}"
fi
