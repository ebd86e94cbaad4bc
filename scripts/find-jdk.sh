#!/usr/bin/env bash
# Prints the home of a JDK 25 or newer, or explains what to install and exits 1.
# Order: $JAVA_HOME, then every JDK under /usr/lib/jvm (Temurin's first), then `java` on PATH.
set -u
major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }
ok() { [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] && [ -x "$1/bin/jlink" ] || return 1; local v; v=$(major "$1"); [ -n "$v" ] && [ "${v%%.*}" -ge 25 ] 2>/dev/null; }
candidates=()
[ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
for d in /usr/lib/jvm/temurin-2[5-9]* /usr/lib/jvm/*-2[5-9]* /usr/lib/jvm/*; do [ -d "$d" ] && candidates+=("$d"); done
if command -v javac >/dev/null 2>&1; then candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"); fi
for c in "${candidates[@]}"; do
  if ok "$c"; then echo "$c"; exit 0; fi
done
cat >&2 <<MSG
ERROR: no JDK 25 found (looked at \$JAVA_HOME, /usr/lib/jvm/*, and javac on PATH).
This project needs a full JDK 25 (javac + jlink). Install one of:
  - Eclipse Temurin 25 (Adoptium's apt repository: package temurin-25-jdk), or
  - Debian trixie / Ubuntu: apt-get install openjdk-25-jdk
then run make again, or point JAVA_HOME at it.
MSG
exit 1
