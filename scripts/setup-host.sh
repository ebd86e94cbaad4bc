#!/usr/bin/env bash
# Installs the Debian packages that the privileged test tiers need, when run as root.
# Idempotent and quiet when everything is present. Without root it only reports.
# `setup-host.sh bench` adds what `make bench` needs (iperf3; sqlite3 to set the server's MPPE policy).
set -eu
PACKAGES=(tshark iproute2 iptables nftables ethtool iputils-ping)
if [ "${1:-}" = bench ]; then
  PACKAGES+=(iperf3 sqlite3)
  # iperf3's package asks whether to start a daemon: no.
  [ "$(id -u)" -ne 0 ] || echo "iperf3 iperf3/start_daemon boolean false" | debconf-set-selections 2>/dev/null || true
fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
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
