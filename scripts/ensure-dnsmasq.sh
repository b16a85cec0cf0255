#!/usr/bin/env bash
# The broker's discovery tests run Debian's dnsmasq on a free loopback port as the DNS server whose
# records change (as a Kubernetes headless Service's do). `dnsmasq-base` is the binary alone, no
# system service. Install it when it is missing and we may; otherwise say exactly what to do.
set -euo pipefail
if command -v dnsmasq >/dev/null || [ -x /usr/sbin/dnsmasq ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "installing Debian's dnsmasq-base for the broker's discovery tests..." >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dnsmasq-base >/dev/null
  exit 0
fi
echo "dnsmasq is missing: install Debian's package (sudo apt-get install -y dnsmasq-base), then run the tests again." >&2
exit 1
