#!/usr/bin/env bash
# The Debian packages that are unpacked rather than installed: the kernel, the JDK (for its jmods:
# trixie has no openjdk-25-jmods package, openjdk-25-jdk-headless carries them), a static
# busybox for the initramfs and e2fsprogs with its libraries (the initramfs checks, and if need be
# formats, the data partition). apt in the base chroot fetches them for the target architecture.
source "$(dirname "$0")/../lib.sh"
DEBS=$WORK/debs; mkdir -p "$DEBS"
base=$WORK/base
INITRAMFS_DEBS="busybox-static $E2FSPROGS_DEBS"
key="$(cat "$WORK/base.stamp") $INITRAMFS_DEBS"
if [ -f "$DEBS/stamp" ] && [ "$(cat "$DEBS/stamp")" = "$key" ]; then
  log "debs: cached ($(ls "$DEBS"/*.deb | xargs -n1 basename | tr '\n' ' '))"; exit 0
fi
# The base's resolv.conf is systemd-resolved's symlink into /run (not there in the chroot): apt
# here resolves with the host's, and the root file system gets the symlink back (50-rootfs).
rm -f "$base/etc/resolv.conf"; cp -L /etc/resolv.conf "$base/etc/resolv.conf"
# The mirror is https: apt there checks its certificate against the host's CA certificates (the base
# has none), given by name (without the openssl package OpenSSL finds no default store).
ca=/etc/apt/host-ca-certificates.crt; cp -L /etc/ssl/certs/ca-certificates.crt "$base$ca"
base_apt() { chroot_run "$base" "$1" -o Acquire::https::CAInfo="$ca" "${@:2}"; }
base_apt apt-get -qq update
kpkg=$(base_apt apt-cache depends "linux-image-$KERNEL_FLAVOUR" | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -1)
[ -n "$kpkg" ] || { echo "no kernel package behind linux-image-$KERNEL_FLAVOUR" >&2; exit 1; }
rm -f "$DEBS"/*.deb
(cd "$DEBS" && chroot_run "$base" sh -c "cd /tmp && apt-get -qq -o Acquire::https::CAInfo=$ca download $kpkg $JDK_PKG ${JDK_PKG/jdk-headless/jre-headless} $INITRAMFS_DEBS" \
  && mv "$base"/tmp/*.deb "$DEBS"/)
: > "$base/etc/resolv.conf"; rm -f "$base$ca"
echo "$key" > "$DEBS/stamp"
log "debs: $(ls "$DEBS"/*.deb | xargs -n1 basename | tr '\n' ' ')"
