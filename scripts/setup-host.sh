#!/usr/bin/env bash
# Installs the Debian packages that the privileged test tiers need, when run as root, and the
# browser test's npm packages (webui/e2e, pinned by its package-lock.json).
# Idempotent and quiet when everything is present. Without root it only reports.
# `setup-host.sh bench` adds what `make bench` needs (iperf3; sqlite3 to set the server's MPPE policy).
set -eu
# chromium: the web UI's end-to-end test drives Debian's Chromium with playwright-core.
PACKAGES=(tshark iproute2 iptables nftables ethtool iputils-ping chromium)
if [ "${1:-}" = bench ]; then
  PACKAGES+=(iperf3 sqlite3)
  # iperf3's package asks whether to start a daemon: no.
  [ "$(id -u)" -ne 0 ] || echo "iperf3 iperf3/start_daemon boolean false" | debconf-set-selections 2>/dev/null || true
fi
E2E_DIR="$(cd "$(dirname "$0")/.." && pwd)/webui/e2e"
install_e2e() {
  # npm ci installs exactly the lockfile's versions; playwright-core downloads no browser of its own.
  if [ -f "$E2E_DIR/package-lock.json" ] && [ ! -d "$E2E_DIR/node_modules/playwright-core" ]; then
    if command -v npm >/dev/null; then
      echo "setup-host: installing the browser test's npm packages (webui/e2e)"
      (cd "$E2E_DIR" && npm ci --no-audit --no-fund --loglevel=error)
    else
      echo "setup-host: npm not found: the browser test will be skipped" >&2
    fi
  fi
}
install_e2e
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# python3: ClockStateTest's second opinion on adjtimex(2). Any python3 on the PATH will do.
command -v python3 >/dev/null || missing+=(python3)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "setup-host: not root, so not installing: ${missing[*]} (the root-only test tiers will be skipped)" >&2
  exit 0
fi
echo "setup-host: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# wireshark-common asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
