#!/usr/bin/env bash
# Runs every coverage-guided fuzz target (Jazzer @FuzzTest) in fuzzing mode, one JVM per target
# (Jazzer fuzzes one target per run). `scripts/fuzz.sh brief` gives each the 10 s its annotation
# sets (part of `make test`); `scripts/fuzz.sh SECONDS` fuzzes each that long (`make fuzz`).
# A crash fails the run; Jazzer stores the crashing input under the test's resources
# (<Class>Inputs/<method>/), where every later `make test` replays it as a regression case.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-brief}
: "${JAVA_HOME:?run through make, which finds JDK 25}"
# module:TestClass — the fuzz targets, each a @FuzzTest method.
targets=(
  pptp-engine:ControlStreamFuzzTest
  pptp-engine:GreFuzzTest
  pptp-engine:SessionFuzzTest
  pptp-engine:MppeFuzzTest
  pptp-engine:AlgStreamFuzzTest
  webui:FormFuzzTest
  appliance:ConfigImportFuzzTest
)
extra=()
if [ "$seconds" != brief ]; then
  # libFuzzer's own flag; the last -max_total_time wins over the annotation's maxDuration.
  extra=(-Djazzer.internal.arg.0=jazzer -Djazzer.internal.arg.1=-max_total_time="$seconds")
fi
./mvnw -B -ntp -q test-compile
failed=()
for t in "${targets[@]}"; do
  module=${t%%:*} cls=${t#*:}
  log=$module/target/fuzz-$cls.log
  start=$(date +%s)
  # -am with a lifecycle phase: a module's reactor dependencies (webui needs pptp-engine) then come
  # from their target/classes of this build, never from a stale copy in the local repository.
  if JAZZER_FUZZ=1 ./mvnw -B -ntp -pl "$module" -am process-test-classes surefire:test -Dtest="$cls" \
      -Dsurefire.failIfNoSpecifiedTests=false \
      "${extra[@]}" >"$log" 2>&1; then
    verdict=ok
  else
    verdict=FAILED
    failed+=("$cls")
    # Say why here: CI keeps only what is printed, not the log or the saved crashing input.
    grep -m 3 -E 'FuzzTestFinding|Caused by|Test unit written|^== Java Exception' "$log" | sed 's/^/  /' || true
    crash=$(grep -oE 'Test unit written to [^ ]+' "$log" | tail -1 | cut -d' ' -f5 || true)
    if [ -n "$crash" ] && [ -f "$crash" ]; then
      echo "  crashing input (base64, save it under that path to replay it): $(base64 -w0 "$crash")"
    fi
  fi
  runs=$(grep -oE '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1 || true)
  echo "fuzz $cls: $verdict (${runs:-no libFuzzer summary}; $(( $(date +%s) - start )) s wall; log $log)"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz targets FAILED: ${failed[*]} (see the logs above)"
  exit 1
fi
