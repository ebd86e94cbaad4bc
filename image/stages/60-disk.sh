#!/usr/bin/env bash
# The products in image/out/: the flashable disk image (GPT: 1 data, 2 root A, 3 root B), the update
# bundle of this version, the kernel and initramfs for QEMU's direct boot.
source "$(dirname "$0")/../lib.sh"
: "${IMAGE_VERSION:?}"
SLOT_MB=${SLOT_MB:-256}; DATA_MB=${DATA_MB:-128}
name=homerouter-$IMAGE_VERSION-$ARCH
mkdir -p "$OUT"; rm -f "$OUT"/homerouter-*-"$ARCH".{img,img.zst,update}
sq=$SQUASHFS
[ "$(stat -c %s "$sq")" -le $((SLOT_MB << 20)) ] || { echo "rootfs larger than a ${SLOT_MB} MiB slot" >&2; exit 1; }
# The update bundle: what homerouter-update writes into the other slot.
b=$WORK/bundle; rm -rf "$b"; mkdir -p "$b"
cp "$WORK/root/etc/homerouter-release" "$b/release"; ln "$sq" "$b/rootfs.squashfs" 2>/dev/null || cp "$sq" "$b/"
# Signed (Ed25519 over SHA256SUMS, which covers the release too); the small files first, so that a
# router reading the bundle as a stream has checked them before the root file system arrives.
signing_key
(cd "$b" && sha256sum release rootfs.squashfs > SHA256SUMS \
  && openssl pkeyutl -sign -inkey "$UPDATE_SIGNING_KEY" -rawin -in SHA256SUMS -out SHA256SUMS.sig \
  && tar -cf "$OUT/$name.update" release SHA256SUMS SHA256SUMS.sig rootfs.squashfs)
[ -n "${BUNDLE_ONLY:-}" ] && { echo "$name" > "$OUT/latest-$ARCH"; log "update bundle: $OUT/$name.update"; exit 0; }
# The data partition starts with the slot record and the appliance's (empty) state directory.
d=$WORK/data; rm -rf "$d" "$WORK/data.ext4"; mkdir -p "$d/boot" "$d/homerouter" "$d/timesync"; echo a > "$d/boot/slot"
mkfs.ext4 -q -L hrdata -d "$d" "$WORK/data.ext4" "${DATA_MB}M"
img=$OUT/$name.img
truncate -s $(( (1 + DATA_MB + 2 * SLOT_MB + 1) << 20 )) "$img"
sfdisk -q "$img" <<PT
label: gpt
start=1MiB, size=${DATA_MB}MiB, name=hrdata
size=${SLOT_MB}MiB, name=root-a
size=${SLOT_MB}MiB, name=root-b
PT
dd if="$WORK/data.ext4" of="$img" bs=1M seek=1 conv=notrunc,sparse status=none
dd if="$sq" of="$img" bs=1M seek=$((1 + DATA_MB)) conv=notrunc,sparse status=none
zstd -q -19 -T0 -f "$img" -o "$img.zst"
cp "$WORK/kernel/vmlinuz" "$OUT/vmlinuz-$ARCH"; cp "$WORK/kernel/initrd.img" "$OUT/initrd-$ARCH.img"
echo "$name" > "$OUT/latest-$ARCH"
