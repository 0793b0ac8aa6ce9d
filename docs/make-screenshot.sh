#!/bin/sh
# Regenerates docs/status-page.png: the desktop screenshot that the status page test takes in headless Chromium
# of a node with a probe down, an alert mailed and a ban active. Needs Debian's chromium.
set -eu
cd "$(dirname "$0")/.."
SYSLOGINTR_SCREENSHOTS="$PWD/docs" dotnet test Syslogintr.Tests --filter "FullyQualifiedName~StatusPageInChromiumTests"
