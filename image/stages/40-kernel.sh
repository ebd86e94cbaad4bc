#!/usr/bin/env bash
# The kernel (Debian's, unpacked), its modules pruned to what a router needs (modules.keep), and a
# small busybox initramfs that mounts the A/B root (initramfs/init).
source "$(dirname "$0")/../lib.sh"
K=$WORK/kernel
kdeb=$(ls "$WORK"/debs/linux-image-[0-9]*.deb)
if [ ! -f "$K/stamp" ] || [ "$(cat "$K/stamp")" != "$kdeb" ]; then
  rm -rf "$K"; mkdir -p "$K/deb"; dpkg-deb -x "$kdeb" "$K/deb"; echo "$kdeb" > "$K/stamp"
fi
moddir=$(ls -d "$K"/deb/usr/lib/modules/* 2>/dev/null || ls -d "$K"/deb/lib/modules/*)
kver=$(basename "$moddir")
# The package leaves modules.dep to its postinst; the host's depmod reads <base>/lib/modules.
if [ ! -f "$moddir/modules.dep" ]; then
  [ -e "$K/deb/lib/modules" ] || { mkdir -p "$K/deb/lib"; ln -s ../usr/lib/modules "$K/deb/lib/modules"; }
  depmod -b "$K/deb" "$kver"
fi
echo "$kver" > "$K/version"
# 1. prune: the kept prefixes, then their dependencies from modules.dep (transitively)
python3 - "$moddir" "$IMAGE_DIR/modules.keep" > "$K/keep.list" <<'PY'
import fnmatch, sys, os
moddir, keepfile = sys.argv[1:3]
pats = [w for line in open(keepfile) if not line.startswith('#') for w in line.split()]
deps = {}
for line in open(os.path.join(moddir, 'modules.dep')):
    mod, _, rest = line.partition(':')
    deps[mod] = rest.split()
def kept(m):
    rel = m[len('kernel/'):] if m.startswith('kernel/') else m
    return any(rel.startswith(p) if p.endswith('/') else fnmatch.fnmatch(rel, p) for p in pats)
todo = [m for m in deps if kept(m)]
keep = set()
while todo:
    m = todo.pop()
    if m not in keep:
        keep.add(m); todo.extend(deps.get(m, []))
print('\n'.join(sorted(keep)))
PY
rm -rf "$K/modules"; mkdir -p "$K/modules/$kver"
(cd "$moddir" && cp --parents -a $(cat "$K/keep.list") modules.order modules.builtin modules.builtin.modinfo "$K/modules/$kver/")
# modules.dep etc. are made in the target root by its own depmod (stage 50)
log "kernel: $kver, $(wc -l < "$K/keep.list") of $(wc -l < "$moddir/modules.dep") modules kept ($(du -sh "$K/modules" | cut -f1))"
# 2. initramfs: busybox, the modules that mount the root (decompressed, loaded in dependency order)
I=$K/initramfs; rm -rf "$I"; mkdir -p "$I"/{bin,dev,proc,sys,mnt,newroot,lib/modules}
rm -rf "$K/bb"; dpkg-deb -x "$WORK"/debs/busybox-static_*.deb "$K/bb"
install -m 755 "$(ls "$K"/bb/usr/bin/busybox "$K"/bb/bin/busybox 2>/dev/null | head -1)" "$I/bin/busybox"
for a in sh mount umount mkdir cat echo sleep insmod switch_root ls rm sync mv dd blkid grep sed readlink uname sort tail printf reboot; do ln -s busybox "$I/bin/$a"; done
python3 - "$moddir" virtio_pci virtio_blk virtio_mmio crc32c_generic squashfs overlay ext4 mmc_block sdhci-of-arasan dw_mmc-rockchip sdhci-iproc > "$I/lib/modules/load.order" <<'PY'
import sys, os
moddir, wanted = sys.argv[1], sys.argv[2:]
deps, byname = {}, {}
for line in open(os.path.join(moddir, 'modules.dep')):
    mod, _, rest = line.partition(':'); deps[mod] = rest.split()
    byname[os.path.basename(mod).split('.ko')[0].replace('-', '_')] = mod
order = []
def visit(m):
    if m in order: return
    for d in deps[m]: visit(d)
    order.append(m)
for w in wanted:
    m = byname.get(w.replace('-', '_'))
    if m: visit(m)   # built in or absent on this kernel: nothing to load
print('\n'.join(order))
PY
while read -r m; do
  f=$(basename "$m"); f=${f%.xz}; f=${f%.zst}
  case "$m" in *.xz) xz -dc "$moddir/$m" ;; *.zst) zstd -qdc "$moddir/$m" ;; *) cat "$moddir/$m" ;; esac > "$I/lib/modules/$f"
  echo "$f"
done < "$I/lib/modules/load.order" > "$I/lib/modules/load.list"
# e2fsck and mke2fs (dynamically linked: Debian has no static mke2fs) with the libraries they need,
# found through their ELF headers in the unpacked e2fsprogs packages and the base system; the loader
# at its own path (PT_INTERP), the libraries in /lib/<multiarch> (one of its default directories).
rm -rf "$K/e2fs"; mkdir -p "$K/e2fs"
for pkg in $E2FSPROGS_DEBS; do dpkg-deb -x "$(ls "$WORK"/debs/"${pkg}"_*.deb)" "$K/e2fs"; done
# In /sbin, called by that path: busybox's shell runs its own applets first, and its mke2fs makes
# ext2 only (and knows no -t).
mkdir -p "$I/etc" "$I/lib" "$I/sbin"
install -m 755 "$K/e2fs/usr/sbin/e2fsck" "$K/e2fs/usr/sbin/mke2fs" "$I/sbin/" 2>/dev/null \
  || install -m 755 "$K/e2fs/sbin/e2fsck" "$K/e2fs/sbin/mke2fs" "$I/sbin/"
cp "$K/e2fs/etc/mke2fs.conf" "$I/etc/"
# No battery-backed clock on most boards: the initramfs's clock may be 1970 or the RTC's 2000, so
# every superblock would look written "in the future" (and be "fixed" at each boot).
printf '[options]\n\tbroken_system_clock = 1\n' > "$I/etc/e2fsck.conf"
python3 - "${OBJCOPY%objcopy}readelf" "$I" "$K/e2fs" "$WORK/base" <<'PY'
import os, re, shutil, subprocess, sys
readelf, initramfs, roots = sys.argv[1], sys.argv[2], sys.argv[3:]
def elf(path, what):
    return subprocess.run([readelf, what, path], capture_output=True, text=True, check=True).stdout
def find(name):   # (the library's file, its multiarch directory name)
    for r in roots:
        for d in ("usr/lib", "lib"):
            top = os.path.join(r, d)
            for sub in sorted(os.listdir(top)) if os.path.isdir(top) else []:
                f = os.path.join(top, sub, name)
                if re.fullmatch(r"\w+-linux-gnu\w*", sub) and os.path.exists(f):
                    return os.path.realpath(f), sub
    raise SystemExit(f"initramfs: no {name} for e2fsprogs")
todo = [os.path.join(initramfs, "sbin", b) for b in ("e2fsck", "mke2fs")]
interp = re.search(r"interpreter: (\S+)\]", elf(todo[0], "-l")).group(1)
done = set()
while todo:
    for lib in re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", elf(todo.pop(), "-d")):
        if lib not in done:
            f, multiarch = find(lib); done.add(lib); todo.append(f)
            os.makedirs(os.path.join(initramfs, "lib", multiarch), exist_ok=True)
            shutil.copy(f, os.path.join(initramfs, "lib", multiarch, lib))
loader = next(os.path.realpath(os.path.join(r, interp.lstrip("/"))) for r in roots[1:])
os.makedirs(os.path.dirname(initramfs + interp), exist_ok=True)
shutil.copy(loader, initramfs + interp)
print(f"initramfs: e2fsck, mke2fs with {' '.join(sorted(done))} and {interp}", file=sys.stderr)
PY
install -m 755 "$IMAGE_DIR/initramfs/init" "$I/init"
(cd "$I" && find . | cpio -o -H newc --quiet | zstd -q -19 > "$K/initrd.img") || (cd "$I" && find . | cpio -o -H newc --quiet | gzip -9 > "$K/initrd.img")
cp "$K"/deb/boot/vmlinuz-* "$K/vmlinuz"
log "kernel: initramfs $(du -h "$K/initrd.img" | cut -f1) ($(wc -l < "$I/lib/modules/load.list") modules)"
