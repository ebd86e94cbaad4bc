#!/usr/bin/env bash
# The smallest Java runtime that runs the appliance: the modules jdeps finds in the fat jar, linked
# by the host's JDK 25 jlink from the target's jmods (jlink accepts jmods of the same 25.0 feature
# release), native debug symbols stripped with the target's objcopy (plain --strip-debug would run
# the host's, which cannot read aarch64 objects).
source "$(dirname "$0")/../lib.sh"
JAR=$REPO_DIR/appliance/target/appliance.jar
[ -f "$JAR" ] || { echo "no $JAR: run 'make build' first" >&2; exit 1; }
jdk=$WORK/jdk
if [ ! -d "$jdk/usr/lib/jvm" ] || [ "$WORK/debs/stamp" -nt "$jdk" ]; then
  rm -rf "$jdk"; mkdir -p "$jdk"
  for d in "$WORK"/debs/openjdk-25-*.deb; do dpkg-deb -x "$d" "$jdk"; done
  touch "$jdk"
fi
jmods=$(echo "$jdk"/usr/lib/jvm/java-25-openjdk-*/jmods)
[ -d "$jmods" ] || { echo "no jmods in $JDK_PKG" >&2; exit 1; }
# jdeps reports what the classes reference; jdk.unsupported (sun.misc.Unsafe, used by Netty through
# reflection) and jdk.crypto.cryptoki are not visible to it. Locale data is left out: English only.
modules=$("$JAVA_HOME/bin/jdeps" --multi-release 25 --ignore-missing-deps -q --print-module-deps "$JAR")
[[ ,$modules, == *,jdk.unsupported,* ]] || modules="$modules,jdk.unsupported"
key="$modules $(ls "$WORK"/debs/openjdk-25-jdk*.deb)"
if [ -f "$WORK/jre.stamp" ] && [ "$(cat "$WORK/jre.stamp")" = "$key" ]; then
  log "runtime: cached ($modules)"; exit 0
fi
rm -rf "$WORK/jre"
"$JAVA_HOME/bin/jlink" --module-path "$jmods" --add-modules "$modules" \
  --strip-native-debug-symbols "objcopy=$(command -v "$OBJCOPY")" \
  --strip-java-debug-attributes --no-header-files --no-man-pages --output "$WORK/jre"
# jlink only drops the debug sections; the symbol tables (hs_err names only) go too.
find "$WORK/jre" -name "*.debuginfo" -delete
find "$WORK/jre" -name "*.so" -exec "$OBJCOPY" --strip-unneeded {} \;
echo "$key" > "$WORK/jre.stamp"
log "runtime: $modules -> $(du -sh "$WORK/jre" | cut -f1)"
