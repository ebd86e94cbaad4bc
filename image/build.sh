#!/usr/bin/env bash
# make image: build the HomeRouter firmware for ARCH (arm64 default, armhf) into image/out/.
# Needs root (debootstrap, chroot) and the host packages that host-setup.sh installs.
# Stages cache their results under image/work/$ARCH/, so a rebuild repeats only what changed.
source "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { echo "make image needs root (debootstrap, chroot)" >&2; exit 1; }
export IMAGE_VERSION=${IMAGE_VERSION:-$(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' "$REPO_DIR/pom.xml" | head -1 | sed 's/-SNAPSHOT//')+$(date -u +%Y%m%d%H%M).$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo local)}
start=$(date +%s)
"$IMAGE_DIR/host-setup.sh"
for s in "$IMAGE_DIR"/stages/[0-9]*.sh; do
  t=$(date +%s); "$s"; log "$(basename "$s" .sh): $(( $(date +%s) - t )) s"
done
name=$(cat "$OUT/latest-$ARCH")
mb() { echo "$(( ($(stat -c %s "$1") + 524288) / 1048576 )) MiB"; }
echo "==> image/out/$name.img.zst  (flash with dd; $(mb "$OUT/$name.img") unpacked)"
echo "    root file system (squashfs, one slot): $(mb "$SQUASHFS")   [goal <= 100 MB]"
echo "    flashable image, compressed:           $(mb "$OUT/$name.img.zst")"
echo "    update bundle:                         $(mb "$OUT/$name.update")"
echo "    built in $(( $(date +%s) - start )) s"
