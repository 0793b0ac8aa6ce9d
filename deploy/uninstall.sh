#!/bin/sh
# Removes what deploy/install.sh installed: the units, the sysctl file and /opt/syslogintr. The config (/etc/syslogintr), the
# logs (/var/log/syslogintr), the state (/var/lib/syslogintr) and the user stay, unless --purge.
#   sudo deploy/uninstall.sh [--purge]      deploy/uninstall.sh --root DIR [--purge]
set -eu

root=${DESTDIR:-}
purge=
while [ $# -gt 0 ]; do
    case $1 in
        --root) root=$2; shift 2 ;;
        --purge) purge=1; shift ;;
        *) echo "usage: $0 [--root DIR] [--purge]" >&2; exit 2 ;;
    esac
done
root=${root%/}

if [ -z "$root" ] && [ -d /run/systemd/system ]; then
    systemctl disable --now syslogintr.service syslogintr.socket || true
fi

rm -f "$root/etc/systemd/system/syslogintr.service" "$root/etc/systemd/system/syslogintr.socket" \
    "$root/etc/sysctl.d/60-syslogintr.conf" "$root/etc/sysctl.d/60-syslogintr.conf.dist"
rm -rf "$root/opt/syslogintr"
if [ -z "$root" ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
fi

if [ -n "$purge" ]; then
    rm -rf "$root/etc/syslogintr" "$root/var/lib/syslogintr" "$root/var/log/syslogintr"
    if grep -q '^syslogintr:' "$root/etc/passwd" 2>/dev/null; then
        if [ -n "$root" ]; then userdel --root "$root" syslogintr; else userdel syslogintr; fi
    fi
fi
echo "uninstall.sh: removed${purge:+ (purged)} under ${root:-/}"
