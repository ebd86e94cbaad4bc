#!/usr/bin/env bash
# Installs the Debian packages that the test tiers need, when run as root, then the browser test's npm
# packages (webui/e2e, pinned by its package-lock.json), for any user.
# Idempotent and quiet when everything is present. Without root it installs no Debian package and
# says which tier that leaves out. What cannot be set up (no root, offline, a Node.js too old) is said
# in a banner naming the tier it skips; with CI=true that is an error (exit 1), since CI runs every tier.
# `setup-host.sh bench` adds what `make bench` needs (iperf3; sqlite3 to set the server's MPPE policy).
set -eu
is_root() { [ "$(id -u)" -eq 0 ]; }
in_ci() { [ "${CI:-}" = true ]; }
banner() {
  echo "################################################################################"
  printf '## %s\n' "$@"
  echo "################################################################################"
}
# A tier cannot run: say so; in CI, stop here.
cannot() {
  banner "$@"
  if in_ci; then echo "setup-host: CI must run every tier" >&2; exit 1; fi
}
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# chromium, nodejs, npm: the web UI's end-to-end test drives Debian's Chromium with playwright-core.
PACKAGES=(tshark iproute2 iptables nftables ethtool iputils-ping chromium)
# Debian's Node.js only where there is no npm at all: a Node.js already there (NodeSource's, say,
# which brings its own npm and conflicts with Debian's npm package) is kept.
command -v npm >/dev/null || PACKAGES+=(nodejs npm)
if [ "${1:-}" = bench ]; then
  PACKAGES+=(iperf3 sqlite3)
  # iperf3's package asks whether to start a daemon: no.
  ! is_root || echo "iperf3 iperf3/start_daemon boolean false" | debconf-set-selections 2>/dev/null || true
fi
missing=()
for p in "${PACKAGES[@]}"; do installed "$p" || missing+=("$p"); done
# python3: ClockStateTest's second opinion on adjtimex(2). Any python3 on the PATH will do.
command -v python3 >/dev/null || missing+=(python3)

if [ ${#missing[@]} -gt 0 ]; then
  if is_root; then
    echo "setup-host: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # wireshark-common asks whether non-root users may capture; answer no without a prompt.
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
    apt-get update -qq || echo "setup-host: apt-get update failed: trying with the package lists there are" >&2
    if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
      still=()
      for p in "${missing[@]}"; do
        if [ "$p" = python3 ]; then command -v python3 >/dev/null || still+=(python3); else installed "$p" || still+=("$p"); fi
      done
      cannot "COULD NOT INSTALL: ${still[*]} (apt-get failed: offline, or no Debian mirror?)." \
        "The tiers that use them fail or are skipped: chromium/nodejs/npm the browser test," \
        "the others the root tiers (tshark, nftables, ...)."
    fi
  else
    # Without root the root tiers are skipped anyway (the Makefile's banner); only the browser
    # tier, which runs as any user, is left out by a package missing here.
    browser=() other=()
    for p in "${missing[@]}"; do
      case $p in chromium|nodejs|npm) browser+=("$p") ;; *) other+=("$p") ;; esac
    done
    [ ${#other[@]} -eq 0 ] || echo "setup-host: not root, so not installing: ${other[*]} (for the root-only tiers, skipped without root)" >&2
    [ ${#browser[@]} -eq 0 ] || cannot "BROWSER TEST SKIPPED (WebUiBrowserTest): ${browser[*]} not installed." \
      "Run 'sudo scripts/setup-host.sh' once (or 'sudo make test'), which installs them."
  fi
fi

# The browser test's npm packages. npm ci installs exactly the lockfile's versions (again when the
# lockfile is newer than the install); playwright-core downloads no browser of its own.
E2E_DIR="$(cd "$(dirname "$0")/.." && pwd)/webui/e2e"
NODE_MIN=20   # playwright-core's "engines" in package-lock.json
if [ -f "$E2E_DIR/package-lock.json" ] && { [ ! -d "$E2E_DIR/node_modules/playwright-core" ] \
    || [ "$E2E_DIR/package-lock.json" -nt "$E2E_DIR/node_modules/.package-lock.json" ]; }; then
  if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
    # Without root the banner above already said it.
    ! is_root || cannot "BROWSER TEST SKIPPED (WebUiBrowserTest): no node/npm on the PATH."
  elif node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) && [ "$node_major" -lt "$NODE_MIN" ]; then
    cannot "BROWSER TEST SKIPPED (WebUiBrowserTest): playwright-core needs Node.js $NODE_MIN or newer;" \
      "this machine's node is $(node --version). Install a newer Node.js (Debian trixie's, or NodeSource's)."
  else
    echo "setup-host: installing the browser test's npm packages (webui/e2e)"
    if ! (cd "$E2E_DIR" && npm ci --no-audit --no-fund --loglevel=error); then
      # What a failed npm ci leaves is no install: the test then skips rather than runs half of one.
      rm -rf "$E2E_DIR/node_modules" 2>/dev/null || true
      cannot "BROWSER TEST SKIPPED (WebUiBrowserTest): 'npm ci' in webui/e2e failed (above):" \
        "offline, no access to the npm registry, or webui/e2e/node_modules not writable by $(id -un)?"
    fi
  fi
fi
exit 0
