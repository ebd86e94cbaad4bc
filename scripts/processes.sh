# Process helpers shared by the scripts that run the appliance in namespaces (make demo, the
# benchmarks): source it; SCRIPT_NAME names the script in messages.

# Stops a process: SIGTERM (the appliance hangs up cleanly on it), SIGKILL after 10 s.
stop() {
  local pid=$1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

# Waits until TEXT (a grep pattern) appears in LOG, for at most SECONDS; else shows the log and fails.
await() {
  local log=$1 text=$2 seconds=$3
  for _ in $(seq 1 $((seconds * 10))); do
    grep -q -- "$text" "$log" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "$SCRIPT_NAME: '$text' did not appear within $seconds s in $log:" >&2
  sed 's/^/    /' "$log" >&2
  return 1
}
