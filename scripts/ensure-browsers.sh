#!/usr/bin/env bash
# Browser tests run in the engines users have, all from Debian's packages (Playwright's own browser
# download cannot be reached here): Chromium (Playwright), Firefox ESR (puppeteer-core over WebDriver
# BiDi) and WebKitGTK's MiniBrowser (WebKitWebDriver, under Xvfb); the WebView host (examples/webview/host)
# is WebKitGTK from Python through GObject introspection. Installs what is missing when it may; otherwise
# says exactly what to do.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/firefox-esr ] || missing+=(firefox-esr)
[ -x /usr/bin/WebKitWebDriver ] || missing+=(webkit2gtk-driver)
[ -x /usr/bin/Xvfb ] || missing+=(xvfb)
dpkg-query -W -f='${Status}' gir1.2-webkit2-4.1 2>/dev/null | grep -q 'ok installed' || missing+=(gir1.2-webkit2-4.1)
/usr/bin/python3 -c 'import gi' 2>/dev/null || missing+=(python3-gi)
if [ "${#missing[@]}" -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "installing Debian's ${missing[*]} for the browser tests..." >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  exit 0
fi
echo "Browsers are missing: install Debian's packages (sudo apt-get install -y ${missing[*]}), then run the tests again." >&2
exit 1
