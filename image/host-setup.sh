#!/usr/bin/env bash
# The host side of `make image` (Debian/Ubuntu, root): debootstrap with Debian's archive keys (and
# the CA certificates for the https mirror), ip and nft for the appliance's class-listing run
# (50-rootfs), user-mode QEMU for the chroot
# steps, the ARM system emulator for the boot test, the target's objcopy for jlink, depmod (kmod) for the
# kernel's module index (a fresh host may not have it).
set -eu
source "$(dirname "$0")/lib.sh"
PACKAGES=(debootstrap debian-archive-keyring gpgv ca-certificates qemu-user-static binfmt-support qemu-system-arm e2fsprogs squashfs-tools zstd
          xz-utils cpio fdisk python3 kmod openssl iproute2 nftables "binutils-${OBJCOPY%-objcopy}")
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "host: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Running the target's binaries in the chroot needs binfmt_misc (not mounted on a fresh machine).
mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
update-binfmts --enable "qemu-$QEMU_ARCH" 2>/dev/null || true
