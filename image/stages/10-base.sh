#!/usr/bin/env bash
# The Debian base system, from debootstrap: cached in $WORK/base (keyed by the package list), so
# only the first build pays for it (~4 min on 2 idle cores, ~12 min when the CPU is shared).
source "$(dirname "$0")/../lib.sh"
# (The keyring in the key: a base made before its Release signature was required is made again.)
key="$SUITE $ARCH $BASE_PACKAGES $MIRROR $KEYRING"
if [ -f "$WORK/base.stamp" ] && [ "$(cat "$WORK/base.stamp")" = "$key" ]; then
  log "base: cached ($WORK/base)"; exit 0
fi
umount_below "$WORK/base"; rm -rf "$WORK/base" "$WORK/base.stamp"; mkdir -p "$WORK"
log "base: debootstrap $SUITE $ARCH (minbase + $BASE_PACKAGES)"
# --force-check-gpg: a Release file that cannot be checked stops debootstrap, where with a mirror
# named it only warned and went on with whatever the network gave it.
debootstrap --arch="$ARCH" --variant=minbase --include="$BASE_PACKAGES" \
  --keyring="$KEYRING" --force-check-gpg \
  "$SUITE" "$WORK/base" "$MIRROR" > "$WORK/debootstrap.log" 2>&1 \
  || { tail -20 "$WORK/debootstrap.log" >&2; exit 1; }
# And the build stops unless debootstrap says it checked it (its "I: Valid Release signature (key id ...)").
grep -q '^I: Valid Release signature' "$WORK/debootstrap.log" \
  || { echo "debootstrap did not verify the Release signature of $MIRROR ($WORK/debootstrap.log)" >&2; exit 1; }
log "base: $(grep -m1 '^I: Valid Release signature' "$WORK/debootstrap.log" | sed 's/^I: //')"
echo "$key" > "$WORK/base.stamp"
log "base: done ($(du -sh "$WORK/base" | cut -f1))"
