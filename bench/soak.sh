#!/usr/bin/env bash
# `make soak`: acceptance point 4 of "P7 Hostile input and faults". SOAK_SESSIONS sessions (1000)
# kept up at once and churned for SOAK_MINUTES (10): connect, traffic both ways, hang up in three
# ways in turn. Samples heap, threads, descriptors and the server's books every 10 s; fails unless
# they are flat and everything is back to zero at the end. Prints the table and writes
# bench/results/soak.md. Not part of `make test`. Loopback TCP only; GRE stays in memory.
set -euo pipefail
cd "$(dirname "$0")/.."

JAVA_HOME=${JAVA_HOME:-$(scripts/find-jdk.sh)}
export JAVA_HOME
JAVA=$JAVA_HOME/bin/java
JAR=bench/target/benchmarks.jar
MINUTES=${SOAK_MINUTES:-10}
SESSIONS=${SOAK_SESSIONS:-1000}
OUT=${SOAK_OUT:-bench/results/soak.md}

echo "soak: building (the bench module is only in the 'bench' Maven profile, never in 'make test')"
./mvnw -B -ntp -q -Pbench -DskipTests -pl bench -am package
mkdir -p bench/target bench/results
# Both ends in one JVM hold a socket each per control connection: raise the open-file limit as far as allowed.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
echo "soak: $SESSIONS sessions for $MINUTES min (engine log at error level: bench/target/soak.log)"
exec "$JAVA" -Xmx512m --enable-native-access=ALL-UNNAMED -Dorg.slf4j.simpleLogger.defaultLogLevel=error \
  -Dbench.commit="$(git rev-parse --short HEAD 2>/dev/null || echo '?')" \
  -cp "$JAR" org.homerouter.bench.Soak "$OUT" "$MINUTES" "$SESSIONS" 2> bench/target/soak.log
