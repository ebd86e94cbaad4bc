#!/usr/bin/env bash
# Acceptance 1d: GRE throughput through a router namespace that NATs a LAN client's PPTP tunnel,
# with our ALG (the appliance's `passthrough`: control through NFQUEUE, GRE by the nftables rules it
# installs per call) against the kernel's own nf_conntrack_pptp + nf_nat_pptp (assigned with an
# nftables `ct helper`, since the nf_conntrack_helper sysctl is gone), on the same topology:
#
#   lan (engine's `dial`) --veth-- rtr (masquerade; ALG or kernel helper) --veth-- wan (appliance `run`)
#
# iperf3 runs from lan through the tunnel to the server's tunnel address; rounds alternate ALG /
# kernel, each with its own fresh call, so every ratio compares runs made seconds apart. The tunnel
# is unencrypted so that the endpoints' RC4 weighs least on what is compared: the router's path.
# Root only; everything is removed at the end.
#
# Usage: bench/alg-throughput.sh RESULT_FILE [SECONDS_PER_RUN] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
SCRIPT_NAME=alg-throughput
. scripts/processes.sh

OUT=${1:?result file}
SECS=${2:-8}
ROUNDS=${3:-2}
WARMUP=${BENCH_ALG_WARMUP:-4}

if [ "$(id -u)" -ne 0 ]; then
  echo "alg-throughput: needs root (namespaces, NFQUEUE, nftables)" >&2
  echo "skipped=not root" > "$OUT"
  exit 0
fi
for tool in ip iperf3 ethtool nft sqlite3; do
  command -v "$tool" >/dev/null || { echo "alg-throughput: '$tool' missing (scripts/setup-host.sh bench installs it)" >&2; exit 1; }
done
JAVA_HOME=${JAVA_HOME:-$(scripts/find-jdk.sh)}
JAVA=$JAVA_HOME/bin/java
JAR=appliance/target/appliance.jar
[ -f "$JAR" ] || { echo "alg-throughput: $JAR missing: build first" >&2; exit 1; }

WAN=hr-alg-wan-$$
RTR=hr-alg-rtr-$$
LAN=hr-alg-lan-$$
SERVER_IP=10.78.0.1
ROUTER_WAN=10.78.0.2
ROUTER_LAN=10.78.1.1
CLIENT_IP=10.78.1.2
TUNNEL_SERVER=192.168.250.1
USER_NAME=bench
PASSWORD=bench-password-$$
WORK=$(mktemp -d /tmp/homerouter-alg-bench.XXXXXX)
SERVER_PID=
DIAL_PID=
ALG_PID=

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop "$DIAL_PID"; stop "$ALG_PID"; stop "$SERVER_PID"
  for ns in "$LAN" "$RTR" "$WAN"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
    ip netns delete "$ns" 2>/dev/null || true
  done
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for ns in "$WAN" "$RTR" "$LAN"; do
  ip netns add "$ns"
  ip -n "$ns" link set lo up
done
# veth NAME_IN_A in A, NAME_IN_RTR in the router, offloads off on both ends (as 1c).
link() {
  local a=$1 a_dev=$2 a_cidr=$3 r_dev=$4 r_cidr=$5
  ip -n "$a" link add "$a_dev" type veth peer name "$r_dev" netns "$RTR"
  ip -n "$a" addr add "$a_cidr" dev "$a_dev"
  ip -n "$RTR" addr add "$r_cidr" dev "$r_dev"
  ip netns exec "$a" ethtool -K "$a_dev" tso off gso off gro off >/dev/null
  ip netns exec "$RTR" ethtool -K "$r_dev" tso off gso off gro off >/dev/null
  ip -n "$a" link set "$a_dev" up
  ip -n "$RTR" link set "$r_dev" up
}
link "$WAN" veth0 "$SERVER_IP/24" wan "$ROUTER_WAN/24"
link "$LAN" veth0 "$CLIENT_IP/24" lan "$ROUTER_LAN/24"
ip -n "$LAN" route add default via "$ROUTER_LAN"
ip netns exec "$RTR" sysctl -q -w net.ipv4.ip_forward=1
# A home router's NAT: everything leaving on the WAN side gets the router's address.
ip netns exec "$RTR" nft -f - <<'EOF'
table ip nat {
  chain post { type nat hook postrouting priority srcnat; oifname "wan" masquerade; }
}
EOF

"$JAVA" -jar "$JAR" user add "$USER_NAME" --password-stdin --data-dir "$WORK/data" <<< "$PASSWORD" > /dev/null
# Unencrypted tunnel (see above); the server's MPPE policy is a stored setting, as the UI sets it.
sqlite3 "$WORK/data/appliance.db" "UPDATE settings SET value = 'none' WHERE key = 'pptp.mppe'"
ip netns exec "$WAN" "$JAVA" -jar "$JAR" run --data-dir "$WORK/data" --pptp-port 1723 --ui-port 18080 \
  > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
await "$WORK/server.log" "PPTP control listening" 60

router_on() {
  case $1 in
    alg)
      ip netns exec "$RTR" "$JAVA" -jar "$JAR" passthrough --queue 24 > "$WORK/alg.log" 2>&1 &
      ALG_PID=$!
      await "$WORK/alg.log" "^READY" 60 ;;
    kernel)
      # The kernel's helper, assigned to PPTP control connections as nft(8) documents for ct helpers.
      ip netns exec "$RTR" nft -f - <<'EOF'
table ip pptphelper {
  ct helper pptp { type "pptp" protocol tcp; }
  chain pre { type filter hook prerouting priority filter; tcp dport 1723 counter ct helper set "pptp"; }
}
EOF
      ;;
  esac
}

router_off() {
  case $1 in
    alg) stop "$ALG_PID"; ALG_PID= ;;
    kernel) ip netns exec "$RTR" nft delete table ip pptphelper ;;
  esac
  # Each round starts from a clean conntrack table: no mapping of the previous call survives.
  ip netns exec "$RTR" sh -c 'command -v conntrack >/dev/null && conntrack -F >/dev/null 2>&1 || true'
}

# iperf SECONDS: prints Mbit/s received.
iperf() {
  local secs=$1
  ip netns exec "$WAN" iperf3 -s -1 -B "$TUNNEL_SERVER" > "$WORK/iperf-server.log" 2>&1 &
  local server=$!
  for _ in $(seq 1 50); do
    ip netns exec "$WAN" ss -ltn 2>/dev/null | grep -q "$TUNNEL_SERVER:5201" && break
    sleep 0.1
  done
  local log=$WORK/iperf-client.log
  timeout $((secs + 30)) ip netns exec "$LAN" iperf3 -c "$TUNNEL_SERVER" -t "$secs" -f m > "$log" 2>&1 || true
  wait "$server" 2>/dev/null || true
  local mbps
  mbps=$(awk '/receiver/ { print $(NF-2) }' "$log" | tail -n 1)
  echo "${mbps:-0}"
}

: > "$OUT"
for round in $(seq 1 "$ROUNDS"); do
  for mode in alg kernel; do
    router_on "$mode"
    ip netns exec "$LAN" "$JAVA" -jar "$JAR" dial --server "$SERVER_IP" --user "$USER_NAME" --password-stdin \
      --mppe none <<< "$PASSWORD" > "$WORK/dial-$mode-$round.log" 2>&1 &
    DIAL_PID=$!
    await "$WORK/dial-$mode-$round.log" "^UP " 60
    # Proof that the mode under test carried the call: the ALG's tracked call, or the helper's rule hits.
    case $mode in
      alg) await "$WORK/alg.log" "state=CONNECTED" 20
           evidence=$(ip netns exec "$RTR" nft list table ip homerouter_alg | grep -c "ip protocol gre" || true)
           evidence="$evidence GRE NAT rules" ;;
      kernel) evidence=$(ip netns exec "$RTR" nft list chain ip pptphelper pre | sed -n 's/.*packets \([0-9]*\).*/\1/p')
              evidence="${evidence:-0} control packets through the kernel helper" ;;
    esac
    # Unmeasured first, for both modes alike: the JIT compiles the tunnel endpoints' data path in
    # their first seconds of traffic (the dial is a new JVM per call, and the server's first call
    # would otherwise be round 1's ALG call alone, which made that round the low one).
    iperf "$WARMUP" > /dev/null
    mbps=$(iperf "$SECS")
    echo "alg-throughput: round $round $mode: $mbps Mbit/s ($evidence)" >&2
    echo "round$round.$mode=$mbps" >> "$OUT"
    echo "round$round.$mode.evidence=$evidence" >> "$OUT"
    stop "$DIAL_PID"; DIAL_PID=
    router_off "$mode"
    sleep 1
  done
done
echo "secondsPerRun=$SECS" >> "$OUT"
echo "warmupSeconds=$WARMUP" >> "$OUT"
