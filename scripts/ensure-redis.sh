#!/usr/bin/env bash
# The broker's tests run a real redis-server (Debian's package) for the shared job store and rate
# limits; they fail, not skip, without one. Install it when it is missing and we may; otherwise say
# exactly what to do. The tests start their own servers on free ports: none needs to be running.
set -euo pipefail
if command -v redis-server >/dev/null; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "installing Debian's redis-server for the broker tests..." >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  # The package starts a system service; the tests need only the binary.
  if command -v systemctl >/dev/null && systemctl is-active --quiet redis-server 2>/dev/null; then systemctl stop redis-server || true; fi
  exit 0
fi
echo "redis-server is missing: install Debian's package (sudo apt-get install -y redis-server), then run the tests again." >&2
exit 1
