#!/usr/bin/env bash
# Acceptance 1c: TCP throughput (iperf3) through the PPTP tunnel between two throw-away network
# namespaces (the appliance in one, the engine's `dial` client in the other, separate JVMs as in
# production), against the same veth pair without the tunnel, at 1400-octet IP packets with
# offloads off. For each mode (stateless MPPE-128, stateful MPPE-128, unencrypted) one tunnel is
# brought up and iperf3 runs alternate veth / tunnel / veth / tunnel, so every ratio compares two
# runs made seconds apart on the same machine. Root only; everything is removed at the end.
#
# Usage: bench/tunnel-throughput.sh RESULT_FILE [SECONDS_PER_RUN] [PAIRS]
# Writes key=value lines: veth and tunnel Mbit/s of every run, per mode.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRIPT_NAME=tunnel-throughput
. scripts/processes.sh

OUT=${1:?result file}
SECS=${2:-8}
PAIRS=${3:-2}
WARMUP=${BENCH_TUNNEL_WARMUP:-6}
# A mode is a pptp.mppe setting; "+threads" after it runs both JVMs with the data path's former
# threading (a receive thread each for GRE and TUN instead of one event loop), for the side-by-side
# before/after of that change.
MODES=${BENCH_TUNNEL_MODES:-"require-128 require-128+threads require-128-stateful none"}

if [ "$(id -u)" -ne 0 ]; then
  echo "tunnel-throughput: needs root (namespaces, TUN, raw GRE)" >&2
  echo "skipped=not root" > "$OUT"
  exit 0
fi
for tool in ip iperf3 ethtool sqlite3; do
  command -v "$tool" >/dev/null || { echo "tunnel-throughput: '$tool' missing (scripts/setup-host.sh bench installs it)" >&2; exit 1; }
done
JAVA_HOME=${JAVA_HOME:-$(scripts/find-jdk.sh)}
JAVA=$JAVA_HOME/bin/java
# Extra JVM options for both JVMs, e.g. a flight recording to profile the data path:
# BENCH_JAVA_OPTS='-XX:StartFlightRecording=filename=/tmp/tunnel-%p.jfr,settings=profile'
read -r -a JAVA_OPTS <<< "${BENCH_JAVA_OPTS:-}"
# BENCH_JAR: another build to measure, e.g. the commit before a change, for a before/after.
JAR=${BENCH_JAR:-appliance/target/appliance.jar}
[ -f "$JAR" ] || { echo "tunnel-throughput: $JAR missing: build first" >&2; exit 1; }

SRV=hr-bench-srv-$$
CLI=hr-bench-cli-$$
SERVER_IP=10.99.0.1
CLIENT_IP=10.99.0.2
TUNNEL_SERVER=192.168.250.1
USER_NAME=bench
PASSWORD=bench-password-$$
# 1400-octet IP packets on both paths: the tunnel's MTU is 1400 (its MRU), so TCP's MSS there is
# 1360; the plain veth keeps MTU 1500 (the tunnel's GRE packets, 1400 + 44 octets, must not be
# fragmented on it) and iperf3 sets the same MSS for the baseline.
MSS=1360
WORK=$(mktemp -d /tmp/homerouter-bench.XXXXXX)
SERVER_PID=
DIAL_PID=

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop "$DIAL_PID"; stop "$SERVER_PID"
  ip netns pids "$SRV" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
  ip netns pids "$CLI" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
  ip netns delete "$CLI" 2>/dev/null || true
  ip netns delete "$SRV" 2>/dev/null || true
  # BENCH_LOGS=DIR keeps the appliance's and dial's logs there (they are otherwise removed).
  if [ -n "${BENCH_LOGS:-}" ]; then mkdir -p "$BENCH_LOGS" && cp "$WORK"/*.log "$BENCH_LOGS"/ 2>/dev/null || true; fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$SRV"
ip netns add "$CLI"
ip -n "$SRV" link set lo up
ip -n "$CLI" link set lo up
ip -n "$SRV" link add veth0 type veth peer name veth0 netns "$CLI"
ip -n "$SRV" addr add "$SERVER_IP/24" dev veth0
ip -n "$CLI" addr add "$CLIENT_IP/24" dev veth0
for ns in "$SRV" "$CLI"; do
  ip netns exec "$ns" ethtool -K veth0 tso off gso off gro off
  ip -n "$ns" link set veth0 up
done

# utime + stime of a process, in clock ticks (proc(5), /proc/PID/stat fields 14 and 15).
cpu_ticks() {
  awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# Its system time alone (field 15): the kernel's share, system calls and the network stack work
# they run (a TUN write carries the packet through the inner TCP stack in the writer's context).
sys_ticks() {
  awk '{ print $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# One iperf3 run from the client namespace to ADDRESS in the server namespace, for SECONDS
# (default SECS): prints Mbit/s received.
iperf() {
  local address=$1 secs=${2:-$SECS}
  ip netns exec "$SRV" iperf3 -s -1 -B "$address" > "$WORK/iperf-server.log" 2>&1 &
  local server=$!
  for _ in $(seq 1 50); do
    ip netns exec "$SRV" ss -ltn 2>/dev/null | grep -q "$address:5201" && break
    sleep 0.1
  done
  local log=$WORK/iperf-client.log
  timeout $((secs + 30)) ip netns exec "$CLI" iperf3 -c "$address" -t "$secs" -M "$MSS" -f m > "$log" 2>&1 || true
  wait "$server" 2>/dev/null || true
  # "[  5]   0.00-8.00   sec   1.9 GBytes  2000 Mbits/sec  12   sender" / "... receiver"
  local mbps retr
  mbps=$(awk '/receiver/ { print $(NF-2) }' "$log" | tail -n 1)
  retr=$(awk '/sender/ { print $(NF-1) }' "$log" | tail -n 1)
  echo "tunnel-throughput:   $address: ${mbps:-?} Mbit/s, ${retr:-?} TCP retransmissions" >&2
  echo "${mbps:-0}"
}

"$JAVA" -jar "$JAR" user add "$USER_NAME" --password-stdin --data-dir "$WORK/data" <<< "$PASSWORD" > /dev/null
: > "$OUT"
for mode in $MODES; do
  mppe=${mode%+threads}
  MODE_OPTS=("${JAVA_OPTS[@]}")
  if [ "$mppe" != "$mode" ]; then MODE_OPTS+=(-Dhomerouter.datapath.sharedLoop=false); fi
  # The server's MPPE policy is a stored setting (the web UI's); set it as the UI would.
  sqlite3 "$WORK/data/appliance.db" "UPDATE settings SET value = '$mppe' WHERE key = 'pptp.mppe'"
  ip netns exec "$SRV" "$JAVA" "${MODE_OPTS[@]}" -jar "$JAR" run --data-dir "$WORK/data" --pptp-port 1723 --ui-port 18080 \
    > "$WORK/server-$mode.log" 2>&1 &
  SERVER_PID=$!
  await "$WORK/server-$mode.log" "PPTP control listening" 60
  ip netns exec "$CLI" "$JAVA" "${MODE_OPTS[@]}" -jar "$JAR" dial --server "$SERVER_IP" --user "$USER_NAME" --password-stdin \
    --mppe "$mppe" <<< "$PASSWORD" > "$WORK/dial-$mode.log" 2>&1 &
  DIAL_PID=$!
  await "$WORK/dial-$mode.log" "^UP " 60
  encryption=$(sed -n 's/^UP .*encryption=\([^ ]*\).*/\1/p' "$WORK/dial-$mode.log" | head -n 1)
  echo "tunnel-throughput: $mode is up with encryption=$encryption" >&2
  echo "mode.$mode.encryption=$encryption" >> "$OUT"
  for address in "$SERVER_IP" "$TUNNEL_SERVER"; do
    rtt=$(ip netns exec "$CLI" ping -q -c 5 -i 0.2 -W 2 "$address" | sed -n 's|.* = [0-9.]*/\([0-9.]*\)/.*|\1|p')
    echo "tunnel-throughput:   ping $address: average RTT ${rtt:-?} ms" >&2
  done
  # Warm-up through the tunnel, not counted: the JIT compiles the data path in its first seconds
  # of traffic (seconds of C2 time on 2 cores), a one-off cost a router pays once after boot.
  echo "tunnel-throughput: $mode warm-up (${WARMUP} s, not counted)" >&2
  iperf "$TUNNEL_SERVER" "$WARMUP" > /dev/null
  for pair in $(seq 1 "$PAIRS"); do
    veth=$(iperf "$SERVER_IP")
    cpu0=$(( $(cpu_ticks "$SERVER_PID") + $(cpu_ticks "$DIAL_PID") ))
    sys0=$(( $(sys_ticks "$SERVER_PID") + $(sys_ticks "$DIAL_PID") ))
    # GRE packets on the wire into the server: one per tunnelled segment (the TUN device's own
    # counter counts the joined packets of its offloads, not segments).
    packets0=$(ip netns exec "$SRV" cat /sys/class/net/veth0/statistics/rx_packets)
    tunnel=$(iperf "$TUNNEL_SERVER")
    cpu=$(( $(cpu_ticks "$SERVER_PID") + $(cpu_ticks "$DIAL_PID") - cpu0 ))
    sys=$(( $(sys_ticks "$SERVER_PID") + $(sys_ticks "$DIAL_PID") - sys0 ))
    packets=$(( $(ip netns exec "$SRV" cat /sys/class/net/veth0/statistics/rx_packets) - packets0 ))
    echo "tunnel-throughput: $mode pair $pair: veth $veth Mbit/s, tunnel $tunnel Mbit/s;" \
      "both JVMs used $cpu CPU ticks ($sys in the kernel) for $packets packets" >&2
    echo "mode.$mode.pair$pair.veth=$veth" >> "$OUT"
    echo "mode.$mode.pair$pair.tunnel=$tunnel" >> "$OUT"
    echo "mode.$mode.pair$pair.cpuTicks=$cpu" >> "$OUT"
    echo "mode.$mode.pair$pair.sysTicks=$sys" >> "$OUT"
    echo "mode.$mode.pair$pair.packets=$packets" >> "$OUT"
  done
  stop "$DIAL_PID"; DIAL_PID=
  stop "$SERVER_PID"; SERVER_PID=
done
echo "secondsPerRun=$SECS" >> "$OUT"
echo "clockTicksPerSecond=$(getconf CLK_TCK)" >> "$OUT"
echo "mss=$MSS" >> "$OUT"
