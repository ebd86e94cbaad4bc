#!/usr/bin/env bash
# The Debian base system, from debootstrap: cached in $WORK/base (keyed by the package list), so
# only the first build pays for it (~4 min on 2 idle cores, ~12 min when the CPU is shared).
source "$(dirname "$0")/../lib.sh"
key="$SUITE $ARCH $BASE_PACKAGES $MIRROR"
if [ -f "$WORK/base.stamp" ] && [ "$(cat "$WORK/base.stamp")" = "$key" ]; then
  log "base: cached ($WORK/base)"; exit 0
fi
umount_below "$WORK/base"; rm -rf "$WORK/base" "$WORK/base.stamp"; mkdir -p "$WORK"
log "base: debootstrap $SUITE $ARCH (minbase + $BASE_PACKAGES)"
debootstrap --arch="$ARCH" --variant=minbase --include="$BASE_PACKAGES" \
  "$SUITE" "$WORK/base" "$MIRROR" > "$WORK/debootstrap.log" 2>&1 \
  || { tail -20 "$WORK/debootstrap.log" >&2; exit 1; }
echo "$key" > "$WORK/base.stamp"
log "base: done ($(du -sh "$WORK/base" | cut -f1))"
