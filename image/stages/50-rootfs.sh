#!/usr/bin/env bash
# The root file system of one firmware version: the cached base system, trimmed, plus the runtime,
# the jar, the pruned kernel modules and the files in overlay/; packed as squashfs (xz).
source "$(dirname "$0")/../lib.sh"
: "${IMAGE_VERSION:?}"
R=$WORK/root
signing_key
if [ -n "${REUSE_ROOT:-}" ] && [ -f "$R/etc/homerouter-release" ]; then
  # The boot test's update: the tree just built, under another version (only the release differs).
  sed -i "s/^VERSION=.*/VERSION=$IMAGE_VERSION/" "$R/etc/homerouter-release"
else
umount_below "$R"; rm -rf "$R"; cp -a "$WORK/base" "$R"
kver=$(cat "$WORK/kernel/version")
# Nothing installs packages on the router (updates replace the whole root): drop apt's lists and
# caches, documentation, locales.
rm -rf "$R"/var/lib/apt/lists/* "$R"/var/cache/apt/* "$R"/var/cache/debconf/*-old "$R"/var/log/* \
  "$R"/usr/share/{doc,man,info,locale,lintian,bash-completion,zsh} "$R"/usr/share/common-licenses \
  "$R"/usr/lib/modules "$R"/lib/modules 2>/dev/null || true
mkdir -p "$R/usr/share/doc" "$R/usr/lib/modules"
cp -a "$WORK/kernel/modules/$kver" "$R/usr/lib/modules/"
cp -a "$IMAGE_DIR"/overlay/. "$R"/
mkdir -p "$R/usr/lib/homerouter" "$R/data" "$R/var/lib/homerouter"
cp -a "$WORK/jre" "$R/usr/lib/homerouter/jre"
install -m 644 "$REPO_DIR/appliance/target/appliance.jar" "$R/usr/lib/homerouter/appliance.jar"
# The public half of the key its updates must be signed with (homerouter-update checks it).
mkdir -p "$R/usr/share/homerouter"
openssl pkey -in "$UPDATE_SIGNING_KEY" -pubout -out "$R/usr/share/homerouter/update-signing.pub"
# The kernel and initramfs also live in the slot, for boot loaders that load them from the root
# (U-Boot's sqfsload); QEMU gets them from image/out/.
mkdir -p "$R/boot"; cp "$WORK/kernel/vmlinuz" "$WORK/kernel/initrd.img" "$R/boot/"
# The database schema this firmware reads and writes, as its jar says: homerouter-update refuses to
# go back to a firmware of an older one, which cannot read the router's settings.
schema=$("$JAVA_HOME/bin/java" -jar "$REPO_DIR/appliance/target/appliance.jar" --version | sed -n 's/^database schema \([0-9][0-9]*\)$/\1/p')
[ -n "$schema" ] || { echo "appliance.jar --version names no database schema" >&2; exit 1; }
cat > "$R/etc/homerouter-release" <<REL
NAME=HomeRouter
VERSION=$IMAGE_VERSION
ARCH=$ARCH
KERNEL=$kver
SCHEMA=$schema
BUILT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
REL
echo homerouter > "$R/etc/hostname"
# Most ARM routers have no battery-backed clock: they boot at a stale time (1970, or systemd's
# build date) until systemd-timesyncd reaches a time server (DHCP's, or Debian's pool, found
# through systemd-resolved). systemd starts the clock no earlier than this file's date (its
# mtime), so until then times in the log and the session history are at least no older than
# this firmware.
touch "$R/usr/lib/clock-epoch"
printf '127.0.0.1 localhost\n127.0.1.1 homerouter\n::1 localhost ip6-localhost ip6-loopback\n' > "$R/etc/hosts"
: > "$R/etc/machine-id"
# D-Bus's copy, written by debootstrap, would be every router's ID (systemd takes it when
# /etc/machine-id is empty): one file, made per router at boot by the initramfs.
ln -sfn /etc/machine-id "$R/var/lib/dbus/machine-id"
# Names resolve through systemd-resolved, with the DNS servers DHCP gives the WAN (the time
# servers' pool needs it); the router itself has no other use for DNS.
ln -sfn ../run/systemd/resolve/stub-resolv.conf "$R/etc/resolv.conf"
# The service's class-data archive (CDS), made here into the read-only root. Written by the service's
# own user on /data at its first run, as before (-XX:+AutoCreateSharedArchive), it was code that user
# could leave for every later start, across reboots and updates. The classes: those the service
# loads while it starts and serves its first pages, listed by a run of the same jar with this host's
# JDK 25 (a list of class names, not machine code) in a network namespace of its own (nothing of this
# host's network is touched); the target's JVM dumps them below (qemu-user), warning about the few
# the jlink'd runtime lacks.
app_classes() {
  local t rc; t=$(mktemp -d)
  # shellcheck disable=SC2016
  unshare --net sh -c '
    ip link set lo up
    "$1" -XX:DumpLoadedClassList="$2/classes.lst" -XX:+UseSerialGC -jar "$3" \
      run --data-dir "$2/data" --ui-port 8080 --ui-address 0.0.0.0 > "$2/run.log" 2>&1 & pid=$!
    ok=1
    for i in $(seq 180); do
      python3 -c "import urllib.request as u; [u.urlopen(\"http://127.0.0.1:8080\" + p, timeout=10).read() for p in (\"/\", \"/setup\", \"/login\")]" 2>/dev/null && { ok=0; break; }
      sleep 1
    done
    kill $pid; wait $pid; exit $ok' sh "$JAVA_HOME/bin/java" "$t" "$REPO_DIR/appliance/target/appliance.jar" && rc=0 || rc=$?
  cp "$t/classes.lst" "$WORK/app-classes.lst"; cp "$t/run.log" "$WORK/app-classes-run.log"; rm -rf "$t"
  [ $rc = 0 ] || { tail -20 "$WORK/app-classes-run.log" >&2; echo "the appliance's UI did not answer in its class-listing run" >&2; exit 1; }
  log "rootfs: $(grep -c '^org/homerouter/' "$WORK/app-classes.lst") of the appliance's classes listed for its CDS archive ($(wc -l < "$WORK/app-classes.lst") lines)"
}
app_classes
mount -t proc proc "$R/proc"; trap 'umount "$R/proc" 2>/dev/null || true' EXIT
chroot_run "$R" sh -e -c "
  depmod $kver
  useradd --system --no-create-home --home-dir /var/lib/homerouter --shell /usr/sbin/nologin homerouter
  passwd -l root >/dev/null
  systemctl enable -q homerouter.service homerouter-update.socket homerouter-hold.service homerouter-lan.service homerouter-trial.timer homerouter-quick-starts.timer nftables.service systemd-networkd.service systemd-timesyncd.service systemd-resolved.service
  # fstrim.timer stays: once a week it tells the SD card or eMMC which blocks of /data are free, which
  # its wear levelling needs (the database rewrites its pages there); it is quiet where unsupported.
  systemctl enable -q fstrim.timer
  systemctl mask -q apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service 2>/dev/null || true
  # The JDK's own class-data archive (the homerouter command's; the service has its own, below)
  /usr/lib/homerouter/jre/bin/java -Xshare:dump -XX:+UseSerialGC >/dev/null
"
# The service's, from the list above: same jar path and GC as homerouter.service's ExecStart.
cp "$WORK/app-classes.lst" "$R/tmp/app-classes.lst"
chroot_run "$R" /usr/lib/homerouter/jre/bin/java -Xshare:dump -XX:SharedClassListFile=/tmp/app-classes.lst \
  -XX:SharedArchiveFile=/usr/lib/homerouter/app-cds.jsa -XX:+UseSerialGC -cp /usr/lib/homerouter/appliance.jar \
  > "$WORK/app-cds.log" 2>&1 || { tail -20 "$WORK/app-cds.log" >&2; exit 1; }
rm -f "$R/tmp/app-classes.lst"
log "rootfs: the service's CDS archive $(du -h "$R/usr/lib/homerouter/app-cds.jsa" | cut -f1) ($(grep -c warning "$WORK/app-cds.log") warnings, $WORK/app-cds.log)"
umount "$R/proc"
fi
mkdir -p "$OUT"
rm -f "$SQUASHFS"
mksquashfs "$R" "$SQUASHFS" -comp xz -b 1M -noappend -quiet -no-progress >/dev/null
log "rootfs: $IMAGE_VERSION, $(du -sh "$R" | cut -f1) unpacked, squashfs $(du -h "$SQUASHFS" | cut -f1)"
