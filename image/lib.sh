# Shared settings of the image build (sourced by build.sh and the stages).
# ARCH: arm64 (default) or armhf. Everything below image/work/ is a cache, image/out/ the product.
set -euo pipefail
IMAGE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$IMAGE_DIR")
ARCH=${ARCH:-arm64}
SUITE=trixie
# https: debootstrap and apt check the archive's signatures either way, but over plain HTTP anyone on
# the path sees what is fetched and can replay an older signed Release (the main archive's has no
# Valid-Until), holding the build at packages with known holes.
MIRROR=${MIRROR:-https://deb.debian.org/debian}
# The keys the Release file must be signed with (debian-archive-keyring, host-setup.sh): debootstrap
# is given them by name, as with a mirror named it would otherwise only warn when it cannot check.
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
WORK=${WORK:-$IMAGE_DIR/work/$ARCH}
OUT=${OUT:-$IMAGE_DIR/out}
# The root file system image of the version being built (the boot test builds its update elsewhere)
SQUASHFS=${SQUASHFS:-$WORK/rootfs.squashfs}
JAVA_HOME=${JAVA_HOME:-$("$REPO_DIR/scripts/find-jdk.sh")}
case "$ARCH" in
  arm64) QEMU_ARCH=aarch64; KERNEL_FLAVOUR=arm64; OBJCOPY=aarch64-linux-gnu-objcopy ;;
  armhf) QEMU_ARCH=arm; KERNEL_FLAVOUR=armmp-lpae; OBJCOPY=arm-linux-gnueabihf-objcopy ;;
  *) echo "ARCH must be arm64 or armhf" >&2; exit 2 ;;
esac
JDK_PKG=openjdk-25-jdk-headless
# e2fsprogs' packages with the libraries its e2fsck and mke2fs need beyond the base system's: the
# initramfs checks the data partition with them (20-debs fetches them, 40-kernel unpacks them).
E2FSPROGS_DEBS="e2fsprogs libext2fs2t64 libcom-err2"
# What the base system needs: an init, module loading (nftables needs kmod), the firewall, the
# network configuration; nothing interactive. (networkd is part of the systemd package in trixie)
# iptables (the nft backend): the PPTP passthrough ALG's NFQUEUE rule is an iptables rule.
BASE_PACKAGES=systemd,systemd-sysv,systemd-timesyncd,systemd-resolved,dbus,udev,kmod,nftables,iptables,iproute2,netbase
[ "$ARCH" = armhf ] && BASE_PACKAGES=$BASE_PACKAGES,libatomic1   # Zero's libjvm needs it

# The key update bundles are signed with (Ed25519, PEM): a maker's release build names its own
# (UPDATE_SIGNING_KEY); otherwise one is made here once and kept in image/keys/ (not in git). A router
# installs only bundles signed with the key of the firmware it runs (homerouter-update), so keep it:
# routers flashed with this image take updates built with it only. Absolute: the stages run openssl
# from other directories.
DEFAULT_SIGNING_KEY=$IMAGE_DIR/keys/update-signing.pem
UPDATE_SIGNING_KEY=$(realpath -m "${UPDATE_SIGNING_KEY:-$DEFAULT_SIGNING_KEY}")
signing_key() {
  if [ ! -s "$UPDATE_SIGNING_KEY" ]; then
    # A key named but missing (a typo, a key volume not mounted) stops the build: a throwaway one
    # would make images whose routers refuse every real update.
    if [ "$UPDATE_SIGNING_KEY" != "$(realpath -m "$DEFAULT_SIGNING_KEY")" ]; then
      echo "UPDATE_SIGNING_KEY=$UPDATE_SIGNING_KEY: no such key" >&2; exit 1
    fi
    mkdir -p "$(dirname "$UPDATE_SIGNING_KEY")"
    (umask 077 && openssl genpkey -algorithm ed25519 -out "$UPDATE_SIGNING_KEY")
    log "made an update signing key, $UPDATE_SIGNING_KEY: keep it (routers with this image take only updates it signs)"
  fi
}

log() { printf '[image %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
chroot_run() { chroot "$1" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 "${@:2}"; }
# Unmount whatever an interrupted chroot step left mounted below $1 (before removing the tree).
umount_below() { findmnt -rn -o TARGET | grep "^$1/" | sort -r | xargs -r -n1 umount -l 2>/dev/null || true; }
