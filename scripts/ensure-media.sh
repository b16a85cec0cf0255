#!/usr/bin/env bash
# The task tests make their inputs at test time: speech with espeak-ng, resampled with sox, and text
# drawn in DejaVu Sans. Install Debian's packages when they are missing and we may; otherwise say
# exactly what to do.
set -euo pipefail
missing=()
command -v espeak-ng >/dev/null || missing+=(espeak-ng)
command -v sox >/dev/null || missing+=(sox)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "installing Debian's ${missing[*]} for the task tests..." >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  exit 0
fi
echo "missing ${missing[*]}: install Debian's packages (sudo apt-get install -y ${missing[*]}), then run the tests again." >&2
exit 1
