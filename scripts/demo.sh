#!/usr/bin/env bash
# `make demo`: the PPTP VPN server working end to end on this machine, in under a minute.
# Everything happens inside two throw-away network namespaces (a "server" and a "client" box joined
# by a virtual cable); the machine's own network is never touched. Needs root (namespaces, TUN,
# raw GRE). Everything is torn down at the end, on error and on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "demo: this demo needs root: it creates network namespaces, TUN devices and a raw GRE socket."
  echo "demo: run it as:  sudo make demo"
  exit 1
fi
for tool in ip nft ping timeout; do
  command -v "$tool" >/dev/null || { echo "demo: '$tool' is missing (Debian: apt-get install iproute2 nftables iputils-ping coreutils)"; exit 1; }
done
JAVA_HOME=$(scripts/find-jdk.sh) || exit 1
export JAVA_HOME
JAVA=$JAVA_HOME/bin/java
JAR=appliance/target/appliance.jar

SRV=hr-demo-srv-$$          # namespace names carry our pid: never collide with anything else
CLI=hr-demo-cli-$$
SERVER_IP=10.99.0.1
CLIENT_IP=10.99.0.2
TUNNEL_SERVER=192.168.250.1 # the appliance's default tunnel address
USER_NAME=demo
PASSWORD=demo-password-$$
SIZE=$((20 * 1024 * 1024))
WORK=$(mktemp -d /tmp/homerouter-demo.XXXXXX)
SERVER_PID=
DIAL_PID=
SINK_PID=

say() { printf '\n==> %s\n' "$*"; }
indent() { sed 's/^/    /'; }
# stop PID (SIGTERM: the appliance and the client hang up cleanly; SIGKILL after 10 s), await LOG TEXT SECONDS.
SCRIPT_NAME=demo
. scripts/processes.sh

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  say "Cleaning up: stopping the processes and deleting both namespaces"
  stop "$SINK_PID"; stop "$DIAL_PID"; stop "$SERVER_PID"
  ip netns delete "$CLI" 2>/dev/null || true
  ip netns delete "$SRV" 2>/dev/null || true
  rm -rf "$WORK"
  if [ "$status" -eq 0 ]; then echo "    done: nothing is left behind."; else echo "    demo ended early (status $status)."; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM   # Ctrl-C: the EXIT trap above cleans up

# Waits up to $3 seconds for text $2 in log $1; shows the log and fails if it never comes.

say "Step 1/7: building the appliance jar (about 15 s on a warm cache)"
./mvnw -B -ntp -q -DskipTests package
echo "    built $JAR"

say "Step 2/7: creating two network namespaces, '$SRV' (the router) and '$CLI' (a laptop),"
echo "    joined by a virtual cable: router $SERVER_IP, laptop $CLIENT_IP"
ip netns add "$SRV"
ip netns add "$CLI"
ip -n "$SRV" link set lo up
ip -n "$CLI" link set lo up
ip -n "$SRV" link add veth0 type veth peer name veth0 netns "$CLI"
ip -n "$SRV" addr add "$SERVER_IP/24" dev veth0
ip -n "$CLI" addr add "$CLIENT_IP/24" dev veth0
ip -n "$SRV" link set veth0 up
ip -n "$CLI" link set veth0 up

say "Step 3/7: adding the VPN user '$USER_NAME' and starting the appliance in the router namespace"
"$JAVA" -jar "$JAR" user add "$USER_NAME" --password-stdin --data-dir "$WORK/data" <<< "$PASSWORD" | indent
# ip netns exec replaces itself with java, so $! is the JVM: SIGTERM reaches it directly.
ip netns exec "$SRV" "$JAVA" -jar "$JAR" run --data-dir "$WORK/data" --pptp-port 1723 --ui-port 8080 \
  > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
await "$WORK/server.log" "PPTP control listening" 30
grep -E "data plane|PPTP control listening" "$WORK/server.log" | sed 's/^.*\] //' | indent

say "Step 4/7: dialing in from the laptop namespace with the appliance's own PPTP client"
echo "    (MS-CHAPv2 login, 128-bit MPPE encryption required)"
ip netns exec "$CLI" "$JAVA" -jar "$JAR" dial --server "$SERVER_IP" --user "$USER_NAME" --password-stdin \
  <<< "$PASSWORD" > "$WORK/dial.log" 2>&1 &
DIAL_PID=$!
await "$WORK/dial.log" "^UP " 40
grep "^UP " "$WORK/dial.log" | indent
echo "    the laptop's routes now send $TUNNEL_SERVER through the tunnel:"
ip -n "$CLI" -4 route show | indent

say "Step 5/7: ping from the laptop to the router's tunnel address $TUNNEL_SERVER (through the encrypted tunnel)"
ip netns exec "$CLI" ping -c 3 -W 2 "$TUNNEL_SERVER" | indent

say "Step 6/7: sending $((SIZE >> 20)) MiB of random data through the tunnel and checking it arrives intact"
head -c "$SIZE" /dev/urandom > "$WORK/payload"
# A tiny receiver (the JDK runs it straight from source) that counts and hashes what it gets.
cat > "$WORK/Sink.java" <<'JAVA'
import java.net.*;
import java.security.MessageDigest;
import java.util.HexFormat;
class Sink {
    public static void main(String[] a) throws Exception {
        try (ServerSocket server = new ServerSocket(Integer.parseInt(a[1]), 1, InetAddress.getByName(a[0]))) {
            server.setSoTimeout(30_000);
            System.out.println("listening");
            try (Socket s = server.accept(); var in = s.getInputStream()) {
                s.setSoTimeout(30_000);
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                byte[] buffer = new byte[1 << 16];
                long total = 0;
                for (int n; (n = in.read(buffer)) >= 0; total += n) sha.update(buffer, 0, n);
                System.out.println(total + " " + HexFormat.of().formatHex(sha.digest()));
            }
        }
    }
}
JAVA
rx_before=$(ip netns exec "$SRV" cat /sys/class/net/pptp0/statistics/rx_bytes)
ip netns exec "$SRV" "$JAVA" "$WORK/Sink.java" "$TUNNEL_SERVER" 5001 > "$WORK/sink.log" 2>&1 &
SINK_PID=$!
await "$WORK/sink.log" "listening" 30
start=$(date +%s%N)
# bash's /dev/tcp: the laptop connects to the router's tunnel address and sends the file.
timeout 60 ip netns exec "$CLI" bash -c "cat '$WORK/payload' > /dev/tcp/$TUNNEL_SERVER/5001"
for _ in $(seq 1 300); do kill -0 "$SINK_PID" 2>/dev/null || break; sleep 0.1; done
end=$(date +%s%N)
SINK_PID=
read -r got_bytes got_sha < <(tail -n 1 "$WORK/sink.log")
sent_sha=$(sha256sum "$WORK/payload" | cut -d' ' -f1)
rx_after=$(ip netns exec "$SRV" cat /sys/class/net/pptp0/statistics/rx_bytes)
echo "    sent     $SIZE bytes, SHA-256 $sent_sha"
echo "    received $got_bytes bytes, SHA-256 $got_sha"
if [ "$got_bytes" = "$SIZE" ] && [ "$got_sha" = "$sent_sha" ]; then
  awk -v b="$SIZE" -v ns=$((end - start)) 'BEGIN { printf "    identical. %.1f MB/s through PPTP with MPPE-128\n", b / 1e6 / (ns / 1e9) }'
else
  echo "    MISMATCH: the data did not arrive intact"; exit 1
fi
echo "    the router's tunnel device pptp0 counted $((rx_after - rx_before)) bytes in (the data plus IP and TCP headers):"
ip -n "$SRV" -s link show pptp0 | indent

say "Step 7/7: hanging up from the laptop (as a user would), then stopping the router"
stop "$DIAL_PID"; DIAL_PID=
grep "^DOWN" "$WORK/dial.log" | indent
for _ in $(seq 1 50); do ip -n "$SRV" -o link show | grep -q pptp || break; sleep 0.1; done
grep -E "session ended" "$WORK/server.log" | sed 's/^.*\] /router: /' | indent
echo "    tunnel devices left: router $(ip -n "$SRV" -o link show | grep -c pptp || true), laptop $(ip -n "$CLI" -o link show | grep -c ppp || true)"
stop "$SERVER_PID"; SERVER_PID=
grep -E "stopped cleanly" "$WORK/server.log" | sed 's/^.*\] /router: /' | indent

say "The VPN works: login, encryption, ping and an intact $((SIZE >> 20)) MiB transfer, then a clean hang-up."
