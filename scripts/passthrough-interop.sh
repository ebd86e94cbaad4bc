#!/usr/bin/env bash
# passthrough-interop.sh -- the passthrough ALG between Debian's real PPTP programs (root).
#
#   ns lan  : br0 -- [guest: pptp-linux + pppd 10.77.1.5, gw 10.77.1.1]
#                 -- the engine's own client (dial) on br0 10.77.1.6
#                 -- veth -> router
#   ns rtr  : lan 10.77.1.1/24, wan 10.77.0.2/24, forwarding, nft masquerade on "wan",
#             kernel PPTP helper not attached, `appliance.jar passthrough` (our ALG)
#   ns wan  : br0 -- [guest: pptpd 10.77.0.1] ; veth -> router
#
# Both LAN clients hold tunnels to the one real pptpd at the same time and ping its tunnel
# address; then hang up; the ALG's GRE rules must be gone.
# Usage: sudo scripts/passthrough-interop.sh   (after: ./mvnw -pl appliance -am package -DskipTests)
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
PG=${PPTP_GUEST:-/work/shared/peers/pptp-guest}
JAVA=${JAVA_HOME:-$("$HERE/scripts/find-jdk.sh")}/bin/java
JAR=$HERE/appliance/target/appliance.jar
OUT=$(mktemp -d /tmp/passthrough-interop.XXXXXX)
TAG=pi$$
LAN=$TAG-lan RTR=$TAG-rtr WAN=$TAG-wan
PIDS=()

cleanup() {
  local rc=$?
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  for ns in $LAN $RTR $WAN; do ip netns del "$ns" 2>/dev/null || true; done
  echo "outputs in $OUT"
  exit $rc
}
trap cleanup EXIT

wait_for() { # file pattern pid
  for _ in $(seq 240); do
    grep -q "$2" "$1" && return 0
    kill -0 "$3" 2>/dev/null || { cat "$1"; echo "process for $1 died"; return 1; }
    sleep 0.5
  done
  cat "$1"; echo "timeout waiting for $2 in $1"; return 1
}

for ns in $LAN $RTR $WAN; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
for ns in $LAN $WAN; do ip -n "$ns" link add br0 type bridge; ip -n "$ns" link set br0 up; done
ip -n $LAN link add up0 type veth peer name lan netns $RTR
ip -n $WAN link add up0 type veth peer name wan netns $RTR
for ns in $LAN $WAN; do ip -n "$ns" link set up0 master br0; ip -n "$ns" link set up0 up; done
ip -n $RTR addr add 10.77.1.1/24 dev lan; ip -n $RTR link set lan up
ip -n $RTR addr add 10.77.0.2/24 dev wan; ip -n $RTR link set wan up
ip -n $LAN addr add 10.77.1.6/24 dev br0; ip -n $LAN route add default via 10.77.1.1
ip netns exec $RTR sysctl -q -w net.ipv4.ip_forward=1
ip netns exec $RTR nft add table ip nat
ip netns exec $RTR nft 'add chain ip nat post { type nat hook postrouting priority srcnat; }'
ip netns exec $RTR nft add rule ip nat post oifname wan masquerade
echo "kernel helper auto-assignment: $(ip netns exec $RTR sysctl -n net.netfilter.nf_conntrack_helper 2>/dev/null || echo n/a)"

"$PG" server --netns $WAN --bridge br0 --tap pgs$$ --guest-ip 10.77.0.1/24 --user alice --password 's3cr3t!' \
  --timeout 600 >"$OUT/server.out" 2>&1 & PIDS+=($!)
ip netns exec $RTR "$JAVA" --enable-native-access=ALL-UNNAMED -jar "$JAR" passthrough >"$OUT/alg.out" 2>&1 & PIDS+=($!)
wait_for "$OUT/alg.out" '^READY' "${PIDS[1]}"
wait_for "$OUT/server.out" '^SERVER_READY' "${PIDS[0]}"

echo 's3cr3t!' | ip netns exec $LAN "$JAVA" --enable-native-access=ALL-UNNAMED -jar "$JAR" dial --server 10.77.0.1 \
  --user alice --password-stdin --mppe require-128 >"$OUT/dial.out" 2>&1 & DIAL=$!; PIDS+=($DIAL)
wait_for "$OUT/dial.out" '^UP ' $DIAL
grep '^UP ' "$OUT/dial.out"
PEER=$(sed -n 's/^UP .* peer=\([^ ]*\) .*/\1/p' "$OUT/dial.out")

rc=0
# The real client, with the engine's client still up: both tunnels at once through the ALG.
"$PG" client --netns $LAN --bridge br0 --tap pgc$$ --guest-ip 10.77.1.5/24 --gateway 10.77.1.1 --server 10.77.0.1 \
  --user alice --password 's3cr3t!' --mppe required --auth mschap-v2 --ping peer \
  --exec "ping -c 3 -W 2 $PEER" --timeout 60 >"$OUT/client.out" 2>&1 || rc=$?
grep -E '^(PPP_UP|PPP_FAIL|PING|EXEC|RESULT|DONE)' "$OUT/client.out" || true
echo "real client exit code: $rc"
echo "--- ALG while both were up ---"
grep -E '^(CALLS|CALL )' "$OUT/alg.out" || true
ip netns exec $LAN ping -c 3 -W 2 "$PEER" && echo "engine client still pings through its tunnel" || rc=9
ip netns exec $RTR nft list table ip homerouter_alg | grep -c 'ip protocol gre' | sed 's/^/GRE rules now: /'
kill $DIAL; wait $DIAL 2>/dev/null || true
sleep 1
left=$(ip netns exec $RTR nft list table ip homerouter_alg | grep -c 'ip protocol gre' || true)
echo "GRE rules after both hung up: $left"
[[ $left == 0 ]] || rc=10
grep -E 'PPP_UP|PPP_DOWN|CDN|Call-Disconnect|call' "$OUT/server.out" | head -20 || true
exit $rc
