#!/bin/sh
# Fetches and builds the real guest software cvisor boots as Linux guests, into a cache outside
# the repository (docs/guest-images.md):
#
#   $CACHE_DIR/images/$ARCH/linux-$ARCH.Image          Debian's kernel (uncompressed Image)
#   $CACHE_DIR/images/$ARCH/initramfs-$ARCH.cpio.gz    busybox + /init, built here
#   $CACHE_DIR/images/$ARCH/rootfs-$ARCH.ext4          ext4 root file system for root=/dev/vda
#   $CACHE_DIR/images/$ARCH/u-boot-qemu-<debarch>.bin  U-Boot for QEMU virt, from u-boot-qemu
#
# usage: CACHE_DIR=~/.cache/cvisor ARCH=aarch64 scripts/guest-images.sh [--refresh]
#
# Idempotent: every product carries a stamp naming its inputs, and a run whose products match
# their inputs only reads files - no apt, no network. The private apt index is refreshed when it
# is missing, older than GUEST_IMAGES_MAX_AGE_DAYS (default 3), or with --refresh.
# Nothing outside $CACHE_DIR is written (but scratch space under $TMPDIR), except that the host's
# u-boot-qemu package (arch:all, prebuilt firmware) is installed when it is missing.
set -eu

CACHE_DIR=${CACHE_DIR:-${HOME:?HOME is not set}/.cache/cvisor}
ARCH=${ARCH:-aarch64}
MAX_AGE_DAYS=${GUEST_IMAGES_MAX_AGE_DAYS:-3}
REFRESH=0

prog=guest-images
die() { echo "$prog: error: $*" >&2; exit 1; }
warn() { echo "$prog: warning: $*" >&2; }
say() { echo "$prog: $*"; }

for arg in "$@"; do
    case $arg in
    --refresh) REFRESH=1 ;;
    -h | --help) sed -n '2,${/^#/!q;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) die "unknown argument '$arg' (try --help)" ;;
    esac
done

# ---- per-architecture facts ---------------------------------------------------------------
# Everything that differs between guest architectures lives here; the steps below only use
# these variables.
KERNEL_HOP_RE=                           # a second package the versioned kernel depends on
KERNEL_MODULES_DIR=./lib/modules         # where the kernel package keeps its modules
MODULES_PKG_RE=                          # non-empty: the modules are in this package, named in the
                                         # versioned kernel's Depends (else in the kernel package)
APT_SUITE=                               # non-empty: a private sources list naming this suite
case $ARCH in
aarch64 | arm64)
    ARCH=aarch64
    DEB_ARCH=arm64
    KERNEL_META=linux-image-arm64        # meta package; Depends names the versioned kernel
    KERNEL_PKG_RE='^linux-image-[0-9].*-arm64$'
    KERNEL_IN_DEB='./boot/vmlinuz-*'     # path of the Image inside the kernel .deb
    KERNEL_MAGIC_OFF=56                  # arm64 Image header: magic "ARM\x64" at 0x38
    KERNEL_MAGIC=41524d64
    UBOOT_SRC=/usr/lib/u-boot/qemu_arm64/u-boot.bin
    ;;
x86_64 | amd64)
    ARCH=x86_64
    DEB_ARCH=amd64
    KERNEL_META=linux-image-amd64
    KERNEL_PKG_RE='^linux-image-[0-9].*-amd64$'
    KERNEL_IN_DEB='./boot/vmlinuz-*'     # a bzImage (cvisor reads its setup header)
    KERNEL_MAGIC_OFF=514                 # x86 boot protocol: "HdrS" at 0x202
    KERNEL_MAGIC=48647253
    KERNEL_NAME=linux-x86_64.bzImage
    UBOOT_SRC=                           # no U-Boot for x86 guests
    ;;
riscv64)
    # Debian bookworm has no riscv64 port: forky serves it (the trixie riscv64 index was seen
    # failing its size check). linux-image-<ver>-riscv64 is small and depends on
    # linux-binary-<ver>-riscv64, which holds the Image alone (as /usr/lib/modules/<ver>/vmlinuz).
    DEB_ARCH=riscv64
    APT_SUITE=forky
    KERNEL_META=linux-image-riscv64
    KERNEL_PKG_RE='^linux-image-[0-9].*-riscv64$'
    KERNEL_HOP_RE='^linux-binary-[0-9].*-riscv64$'
    KERNEL_IN_DEB='./usr/lib/modules/*/vmlinuz'
    KERNEL_MODULES_DIR=./usr/lib/modules
    # ... and linux-image-<ver>-riscv64 also depends on linux-modules-<ver>-riscv64 (~117 MB),
    # which holds the modules, each xz-compressed (.ko.xz).
    MODULES_PKG_RE='^linux-modules-[0-9].*-riscv64$'
    KERNEL_MAGIC_OFF=56                  # riscv Image header: magic2 "RSC\x05" at 0x38
    KERNEL_MAGIC=52534305
    UBOOT_SRC=/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin
    ;;
*)
    die "ARCH '$ARCH' is not supported yet (supported: aarch64, riscv64, x86_64)"
    ;;
esac

IMAGES=$CACHE_DIR/images/$ARCH
DEBS=$CACHE_DIR/debs/$ARCH
STATE=$CACHE_DIR/state/$ARCH           # stamps and the resolved package set
APTDIR=$CACHE_DIR/apt/$DEB_ARCH         # private apt index, cache and (empty) status
KERNEL_OUT=$IMAGES/${KERNEL_NAME:-linux-$ARCH.Image}
INITRAMFS_OUT=$IMAGES/initramfs-$ARCH.cpio.gz
ROOTFS_OUT=$IMAGES/rootfs-$ARCH.ext4
UBOOT_OUT=$IMAGES/u-boot-qemu-$DEB_ARCH.bin

# Bump when the initramfs layout built below changes in a way the inputs do not show.
INITRAMFS_LAYOUT=3
# Kernel modules (from the kernel package) the initramfs carries and /init loads: Debian builds
# these virtio drivers and ext4 as modules; cvisor's emulated virtio devices need the first,
# a root file system on a disk (root=/dev/vda) the second. /init loads each list in its order
# (/lib/modules/load-order, load-order-root), each module after what it needs: virtio_net needs
# net_failover, which needs failover; ext4 needs jbd2, mbcache and crc16, and crc32c (a soft
# dependency, for its metadata checksums) from crc32c_generic.
# The build checks each module's own dependency list (depends= in its .modinfo) against the
# modules listed before it, so a kernel update that adds a dependency fails here, not in the guest.
# A .ko.xz is stored decompressed (busybox's insmod reads plain .ko files).
case $ARCH in
aarch64)
    INITRAMFS_MODULES="drivers/virtio/virtio_mmio.ko drivers/char/virtio_console.ko drivers/block/virtio_blk.ko
net/core/failover.ko drivers/net/net_failover.ko drivers/net/virtio_net.ko"
    # ... and those /init loads only for root= (/lib/modules/load-order-root), so that a boot
    # without a disk root does not pay for them.
    INITRAMFS_ROOT_MODULES="lib/crc16.ko crypto/crc32c_generic.ko fs/mbcache.ko fs/jbd2/jbd2.ko fs/ext4/ext4.ko"
    ;;
riscv64)
    # virtio_console is built in there; ext4's crc32c is the kernel's built-in crc32c library
    # (Linux >= 6.15), so no crypto module either.
    INITRAMFS_MODULES="drivers/virtio/virtio_mmio.ko.xz drivers/block/virtio_blk.ko.xz
net/core/failover.ko.xz drivers/net/net_failover.ko.xz drivers/net/virtio_net.ko.xz"
    INITRAMFS_ROOT_MODULES="lib/crc/crc16.ko.xz fs/mbcache.ko.xz fs/jbd2/jbd2.ko.xz fs/ext4/ext4.ko.xz"
    ;;
*)
    # x86_64: no virtio-mmio there.
    INITRAMFS_MODULES=
    INITRAMFS_ROOT_MODULES=
    ;;
esac
# The root file system image for root=/dev/vda: its size (ext4, 1 KiB blocks) and the bump for
# layout changes the inputs do not show.
ROOTFS_SIZE_KIB=16384
ROOTFS_LAYOUT=1
# Applets the init script and the tests rely on; the build fails if busybox lacks one.
REQUIRED_APPLETS="sh mount echo cat ls sleep nproc poweroff reboot dmesg uname date grep setsid
cttyhack insmod ip ping nc md5sum dd switch_root sync umount"

for tool in apt-get apt-cache dpkg-deb tar cpio gzip xz sha256sum od flock mkfs.ext4 debugfs; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found (run 'make bootstrap')"
done

mkdir -p "$IMAGES" "$DEBS" "$STATE" "$APTDIR/lists/partial" "$APTDIR/cache"
# Parallel runs (two make invocations, CI jobs sharing a cache) would race on the same files.
exec 9>"$CACHE_DIR/.guest-images.lock"
flock 9

# Scratch space. Not under $CACHE_DIR: that is often in a 0700 home directory, where apt's
# unprivileged download user (_apt) could not write. Products reach the cache via
# "copy to name.tmp, rename", so an interrupted run never leaves a half-written image.
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cvisor-guest-images.XXXXXX")
chmod 0755 "$TMP"
trap 'rm -rf "$TMP" "$IMAGES"/*.tmp' EXIT
trap 'exit 130' HUP INT PIPE TERM

# ---- private apt -----------------------------------------------------------------------------
# apt is pointed at a private index, cache and dpkg status under $APTDIR, for another
# architecture, so the host's own apt state (/var/lib/apt/lists, /var/cache/apt) is never
# written. The sources and apt.conf.d (proxies, mirror settings) are the host's.
: >>"$APTDIR/status"
set -- -oAPT::Architecture="$DEB_ARCH" -oAPT::Architectures="$DEB_ARCH" \
    -oDir::State::Lists="$APTDIR/lists" -oDir::State::status="$APTDIR/status" \
    -oDir::Cache="$APTDIR/cache" -oDir::Cache::pkgcache= -oDir::Cache::srcpkgcache=
APT_SOURCES_FILE=
if [ -n "$APT_SUITE" ]; then
    # The host's mirror, another suite, this architecture only; nothing else is listed.
    APT_SOURCES_FILE=$APTDIR/sources.list
    echo "deb [arch=$DEB_ARCH signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $APT_SUITE main" >"$APT_SOURCES_FILE"
fi
if [ -n "$APT_SOURCES_FILE" ]; then
    set -- "$@" -oDir::Etc::SourceList="$APT_SOURCES_FILE" -oDir::Etc::SourceParts=/dev/null
fi
apt_get() { apt-get -q "$@"; }

LISTS_STAMP=$APTDIR/lists.stamp
lists_fresh() {
    [ -f "$LISTS_STAMP" ] && [ -n "$(find "$LISTS_STAMP" -mtime -"$MAX_AGE_DAYS")" ]
}

update_lists() {
    say "refreshing the $DEB_ARCH package index (apt-get update, private lists in $APTDIR)"
    # --error-on=any: without it, an unreachable archive is only a warning and exit code 0.
    if apt_get "$@" update --error-on=any >"$TMP/update.log" 2>&1; then
        touch "$LISTS_STAMP"
    elif [ -f "$LISTS_STAMP" ]; then
        # An old index still names packages whose checksums are known: keep going offline.
        sed 's/^/    /' "$TMP/update.log" >&2
        warn "apt-get update failed; using the existing index from $(date -r "$LISTS_STAMP")"
    else
        sed 's/^/    /' "$TMP/update.log" >&2
        die "apt-get update for $DEB_ARCH failed (see above); is the Debian archive reachable?"
    fi
}

if [ "$REFRESH" = 1 ] || ! lists_fresh; then
    update_lists "$@"
fi

# ---- resolve the package set -----------------------------------------------------------------
# Asking apt-cache costs seconds (it parses the whole index), so the answer is kept in
# $STATE/resolved and only recomputed when the index changed.
RESOLVED=$STATE/resolved
RESOLVE_KEY="$DEB_ARCH $KERNEL_META busybox-static $APT_SOURCES_FILE modules:$MODULES_PKG_RE"

# field NAME FILE: the value of "NAME:" in one apt-cache show stanza.
field() { sed -n "s/^$1: //p" "$2" | head -n 1; }

resolve() {
    apt-cache "$@" show --no-all-versions "$KERNEL_META" >"$TMP/meta" 2>"$TMP/err" ||
        die "$KERNEL_META ($DEB_ARCH) not found in the index: $(cat "$TMP/err")"
    # Depends: linux-image-6.1.0-56-arm64 (= 6.1.192-2)  ->  linux-image-6.1.0-56-arm64
    # shellcheck disable=SC2020  # (both separators become newlines)
    kpkg=$(field Depends "$TMP/meta" | tr ',|' '\n\n' | sed 's/^ *//; s/[ (].*//' |
        grep -E "$KERNEL_PKG_RE" | head -n 1) || true
    [ -n "$kpkg" ] || die "cannot find the versioned kernel in $KERNEL_META's Depends: \
$(field Depends "$TMP/meta")"
    if [ -n "$KERNEL_HOP_RE" ]; then
        # The versioned package holds no Image: the package it depends on does.
        apt-cache "$@" show --no-all-versions "$kpkg" >"$TMP/meta" 2>"$TMP/err" ||
            die "$kpkg ($DEB_ARCH) not found in the index: $(cat "$TMP/err")"
        # shellcheck disable=SC2020  # (both separators become newlines)
        hop=$(field Depends "$TMP/meta" | tr ',|' '\n\n' | sed 's/^ *//; s/[ (].*//' |
            grep -E "$KERNEL_HOP_RE" | head -n 1) || true
        [ -n "$hop" ] || die "cannot find the kernel binary package in $kpkg's Depends: \
$(field Depends "$TMP/meta")"
        kpkg=$hop
    fi
    mpkg=$kpkg
    if [ -n "$MODULES_PKG_RE" ]; then
        # shellcheck disable=SC2020  # (both separators become newlines)
        mpkg=$(field Depends "$TMP/meta" | tr ',|' '\n\n' | sed 's/^ *//; s/[ (].*//' |
            grep -E "$MODULES_PKG_RE" | head -n 1) || true
        [ -n "$mpkg" ] || die "cannot find the kernel modules package ($MODULES_PKG_RE) in the \
versioned kernel's Depends: $(field Depends "$TMP/meta")"
    fi
    : >"$TMP/resolved"
    echo "key $RESOLVE_KEY" >>"$TMP/resolved"
    for role_pkg in "kernel $kpkg" "modules $mpkg" "busybox busybox-static"; do
        role=${role_pkg% *} pkg=${role_pkg#* }
        apt-cache "$@" show --no-all-versions "$pkg" >"$TMP/pkg" 2>"$TMP/err" ||
            die "$pkg ($DEB_ARCH) not found in the index: $(cat "$TMP/err")"
        ver=$(field Version "$TMP/pkg") sha=$(field SHA256 "$TMP/pkg")
        file=$(field Filename "$TMP/pkg")
        if [ -z "$ver" ] || [ -z "$sha" ] || [ -z "$file" ]; then
            die "incomplete index entry for $pkg"
        fi
        echo "$role $pkg $ver $sha ${file##*/}" >>"$TMP/resolved"
    done
    mv "$TMP/resolved" "$RESOLVED"
}

if [ ! -f "$RESOLVED" ] || [ -n "$(find "$LISTS_STAMP" -newer "$RESOLVED" 2>/dev/null)" ] ||
    [ "$(sed -n 's/^key //p' "$RESOLVED")" != "$RESOLVE_KEY" ]; then
    resolve "$@"
fi

# lookup ROLE: sets PKG VER SHA DEB from the resolved set.
lookup() {
    line=$(grep "^$1 " "$RESOLVED") || die "internal: no '$1' in $RESOLVED"
    # shellcheck disable=SC2086  # split the line into its fields
    set -- $line
    PKG=$2 VER=$3 SHA=$4 DEB=$DEBS/$5
}

# fetch_deb "$@": makes sure $DEB (package $PKG=$VER) is present with the index's SHA256.
# apt-get download verifies the archive's checksums; the sha256sum check here also covers a
# .deb left from an earlier (possibly interrupted) run.
fetch_deb() {
    if [ -f "$DEB" ] && echo "$SHA  $DEB" | sha256sum -c --status; then
        return 0
    fi
    say "downloading $PKG $VER ($DEB_ARCH)"
    dl=$TMP/download
    rm -rf "$dl" && mkdir -p "$dl"
    # As root, apt downloads as the unprivileged _apt user: let it write there.
    if [ "$(id -u)" = 0 ] && id _apt >/dev/null 2>&1; then chown _apt "$dl"; fi
    (cd "$dl" && apt_get "$@" download "$PKG=$VER") >"$TMP/download.log" 2>&1 || {
        sed 's/^/    /' "$TMP/download.log" >&2
        die "downloading $PKG $VER failed (see above)"
    }
    got=$(find "$dl" -name '*.deb' | head -n 1)
    [ -n "$got" ] || die "apt-get download $PKG produced no .deb"
    echo "$SHA  $got" | sha256sum -c --status || die "$PKG: SHA256 differs from the index"
    mv "$got" "$DEB"
    # Older versions of the same package are no longer referenced.
    for old in "$DEBS/${PKG}_"*.deb; do
        [ "$old" = "$DEB" ] || rm -f "$old"
    done
}

stamp_is() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

# ---- kernel ------------------------------------------------------------------------------------
lookup kernel
KERNEL_STAMP=$STATE/kernel.stamp
KERNEL_KEY="$PKG $VER $SHA"
if [ -f "$KERNEL_OUT" ] && stamp_is "$KERNEL_STAMP" "$KERNEL_KEY"; then
    say "kernel up to date ($PKG $VER)"
else
    fetch_deb "$@"
    # Only the Image is needed: extracting just it skips ~300 MB of modules that dpkg -x
    # would write.
    mkdir -p "$TMP/kernel"
    dpkg-deb --fsys-tarfile "$DEB" | tar -x -C "$TMP/kernel" --wildcards "$KERNEL_IN_DEB" ||
        die "$PKG: no $KERNEL_IN_DEB in $DEB"
    img=$(find "$TMP/kernel" -type f | head -n 1)
    magic=$(od -An -tx1 -j "$KERNEL_MAGIC_OFF" -N 4 "$img" | tr -d ' \n')
    [ "$magic" = "$KERNEL_MAGIC" ] ||
        die "$PKG: ${img#"$TMP/kernel/"} is not an uncompressed $ARCH Image (magic '$magic')"
    mv "$img" "$KERNEL_OUT.tmp" && mv "$KERNEL_OUT.tmp" "$KERNEL_OUT"
    echo "$KERNEL_KEY" >"$KERNEL_STAMP"
    say "kernel installed from $PKG $VER"
fi
KERNEL_VERSION=${PKG#linux-image-}
KERNEL_VERSION=${KERNEL_VERSION#linux-binary-}

# ---- initramfs ---------------------------------------------------------------------------------
# The guest's /init. Tests match the two banner lines and the "~ # " prompt exactly.
init_script() {
    cat <<'EOF'
#!/bin/sh
# cvisor test guest init (generated by cvisor scripts/guest-images.sh)
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root TERM=vt100
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# Drivers for the virtio devices cvisor may give this VM (none given: they load and stay idle),
# in dependency order.
while read -r m; do insmod "/lib/modules/$m" 2>/dev/null; done </lib/modules/load-order
read -r up idle </proc/uptime
echo "cvisor-guest: init started, uptime $up"
echo "cvisor-guest: $(uname -r) $(nproc) CPUs"
# root=DEV on the kernel command line (with rootfstype=, default ext4, and ro or rw, default
# rw): mount that disk and hand over to its /sbin/init. Without it, or if it cannot be
# mounted, the shell runs here, in the initramfs.
root= fstype=ext4 mode=rw
for arg in $(cat /proc/cmdline); do
    case $arg in
    root=*) root=${arg#root=} ;;
    rootfstype=*) fstype=${arg#rootfstype=} ;;
    ro | rw) mode=$arg ;;
    esac
done
if [ -n "$root" ]; then
    # ext4 and what it needs, in dependency order (also for a data disk: run this loop by hand).
    while read -r m; do insmod "/lib/modules/$m" 2>/dev/null; done </lib/modules/load-order-root
    # The disk's driver probed it when it was loaded; give a slow probe two seconds more.
    n=0
    while [ ! -b "$root" ] && [ $n -lt 20 ]; do sleep 0.1; n=$((n + 1)); done
    mkdir -p /newroot
    if mount -t "$fstype" -o "$mode" "$root" /newroot && [ -x /newroot/sbin/init ]; then
        echo "cvisor-guest: switching to the root file system on $root ($fstype, $mode)"
        mount -o move /dev /newroot/dev
        umount /sys /proc
        exec switch_root /newroot /sbin/init
    fi
    umount /newroot 2>/dev/null
    echo "cvisor-guest: cannot mount $root ($fstype) with a /sbin/init; staying in the initramfs"
fi
export PS1='~ # '
# A session of its own with the console as controlling tty, so job control and ^C work.
setsid cttyhack sh
# The shell exited: power off (PSCI SYSTEM_OFF); init must never return.
poweroff -f
sleep 1
reboot -f
EOF
}

# applets BUSYBOX: the applet names compiled into a busybox binary, one a line. busybox is
# $DEB_ARCH code and cannot run here, so read its applet name table instead: the names are
# stored sorted and NUL-separated, starting "[\0[[\0", ending with an empty name.
applets() {
    off=$(LC_ALL=C grep -obUaP '\[\x00\[\[\x00' "$1" | head -n 1 | cut -d: -f1)
    [ -n "$off" ] || return 1
    tail -c +"$((off + 1))" "$1" | tr '\0' '\n' | sed '/^$/q' | sed '/^$/d' | head -n 1000
}

# busybox_tree DIR: a root directory with busybox (from the fetched package $DEB), a symlink
# per applet and the empty directories a root needs. Sets n to the number of applets.
busybox_tree() {
    rm -rf "$TMP/bb" && mkdir -p "$TMP/bb"
    dpkg-deb -x "$DEB" "$TMP/bb"
    bb=
    for p in bin/busybox usr/bin/busybox; do
        [ -f "$TMP/bb/$p" ] && bb=$TMP/bb/$p && break
    done
    [ -n "$bb" ] || die "$PKG: no busybox binary in $DEB"
    applets "$bb" >"$TMP/applets" || die "cannot find the applet table in $PKG's busybox"
    # Sanity: a plausible number of plain names, including everything /init and tests use.
    n=$(wc -l <"$TMP/applets")
    if [ "$n" -lt 50 ] || grep -qv '^[][a-z0-9._-]*$' "$TMP/applets"; then
        die "$PKG: applet table looks wrong ($n entries)"
    fi
    for a in $REQUIRED_APPLETS; do
        grep -qx "$a" "$TMP/applets" || die "$PKG's busybox lacks the '$a' applet"
    done
    mkdir -p "$1/bin" "$1/dev" "$1/proc" "$1/sys" "$1/tmp" "$1/root" "$1/etc" "$1/usr" "$1/mnt"
    chmod 1777 "$1/tmp"
    chmod 0700 "$1/root"
    ln -s bin "$1/sbin"
    ln -s ../bin "$1/usr/bin"
    ln -s ../bin "$1/usr/sbin"
    cp "$bb" "$1/bin/busybox"
    chmod 0755 "$1/bin/busybox"
    while read -r a; do
        [ "$a" = busybox ] || ln -s busybox "$1/bin/$a"
    done <"$TMP/applets"
}

lookup modules
MODULES_DEB=$DEB MODULES_PKG_KEY="$PKG $VER $SHA"
lookup busybox
INITRAMFS_STAMP=$STATE/initramfs.stamp
INITRAMFS_KEY=$({
    echo "layout $INITRAMFS_LAYOUT $PKG $VER $SHA $MODULES_PKG_KEY $INITRAMFS_MODULES $INITRAMFS_ROOT_MODULES"
    init_script
} | sha256sum | cut -d' ' -f1)
# Checkouts with different init scripts or module lists (branches, CI clones) share this cache:
# each build is kept under its key, so switching between them neither rebuilds nor hands one
# checkout the other's initramfs (the per-build links below name the key this checkout asked for).
INITRAMFS_KEYED=$IMAGES/initramfs-$ARCH-$(echo "$INITRAMFS_KEY" | cut -c1-16).cpio.gz
if [ -f "$INITRAMFS_KEYED" ]; then
    say "initramfs up to date ($PKG $VER)"
    touch "$INITRAMFS_KEYED"
    if ! [ "$INITRAMFS_OUT" -ef "$INITRAMFS_KEYED" ]; then
        ln -f "$INITRAMFS_KEYED" "$INITRAMFS_OUT.tmp" && mv "$INITRAMFS_OUT.tmp" "$INITRAMFS_OUT"
        echo "$INITRAMFS_KEY" >"$INITRAMFS_STAMP"
    fi
else
    fetch_deb "$@"
    root=$TMP/root
    busybox_tree "$root"
    init_script >"$root/init"
    chmod 0755 "$root/init"
    # The modules, from the package holding them (the kernel package, fetched again if only its
    # Image was kept, or the separate modules package).
    mkdir -p "$TMP/mods" "$root/lib/modules"
    : >"$root/lib/modules/load-order"
    : >"$root/lib/modules/load-order-root"
    if [ -n "$INITRAMFS_MODULES$INITRAMFS_ROOT_MODULES" ]; then
        lookup modules
        fetch_deb "$@"
        paths=
        for mod in $INITRAMFS_MODULES $INITRAMFS_ROOT_MODULES; do
            paths="$paths $KERNEL_MODULES_DIR/$KERNEL_VERSION/kernel/$mod"
        done
        say "extracting the initramfs's modules from $PKG $VER"
        # shellcheck disable=SC2086  # one argument per path
        dpkg-deb --fsys-tarfile "$MODULES_DEB" | tar -x -C "$TMP/mods" $paths 2>"$TMP/mods.err" ||
            die "$PKG: cannot extract the modules $INITRAMFS_MODULES $INITRAMFS_ROOT_MODULES: $(cat "$TMP/mods.err")"
        have=" "
        for list_mod in "load-order $INITRAMFS_MODULES" "load-order-root $INITRAMFS_ROOT_MODULES"; do
            list=${list_mod%% *}
            for mod in ${list_mod#* }; do
                src=$TMP/mods/$KERNEL_MODULES_DIR/$KERNEL_VERSION/kernel/$mod
                name=${mod##*/} && name=${name%.xz}
                case $mod in
                *.xz) xz -dc "$src" >"$root/lib/modules/$name" || die "$PKG: cannot decompress $mod" ;;
                *) cp "$src" "$root/lib/modules/$name" ;;
                esac
                # Its dependencies (module names, "-" and "_" alike) must be loaded before it.
                deps=$(tr '\0' '\n' <"$root/lib/modules/$name" | sed -n 's/^depends=//p' | head -n 1)
                for dep in $(echo "$deps" | tr ',-' ' _'); do
                    case $have in
                    *" $dep "*) ;;
                    *) die "$PKG: module ${name%.ko} needs $dep, which is not listed before it" ;;
                    esac
                done
                have="$have$(echo "${name%.ko}" | tr - _) "
                echo "$name" >>"$root/lib/modules/$list"
            done
        done
    fi
    lookup busybox
    # No /dev/console node: making one needs root, and the kernel's built-in initramfs
    # (unpacked before this one) already provides it.
    #
    # Reproducible archive: fixed order, owner and timestamps, no gzip name/time.
    find "$root" -exec touch -h -d @0 {} +
    (cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
        cpio -o -H newc -R 0:0 --reproducible --quiet) >"$TMP/initramfs.cpio" ||
        die "building the initramfs (cpio) failed"
    gzip -9n <"$TMP/initramfs.cpio" >"$INITRAMFS_OUT.tmp" || die "compressing the initramfs failed"
    ln -f "$INITRAMFS_OUT.tmp" "$INITRAMFS_KEYED" && mv "$INITRAMFS_OUT.tmp" "$INITRAMFS_OUT"
    echo "$INITRAMFS_KEY" >"$INITRAMFS_STAMP"
    # Builds for other keys not asked for in two weeks are dropped.
    find "$IMAGES" -name "initramfs-$ARCH-*.cpio.gz" -mtime +14 -delete
    say "initramfs built from $PKG $VER ($n applets)"
fi

# ---- root file system ---------------------------------------------------------------------------
# The /sbin/init of the root file system image, run by the initramfs's /init after switch_root
# (root=/dev/vda). Tests match the banner line and the "~ # " prompt exactly.
rootfs_init() {
    cat <<'EOF'
#!/bin/sh
# cvisor test root file system init (generated by cvisor scripts/guest-images.sh)
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root TERM=vt100
mount -t proc proc /proc
mount -t sysfs sysfs /sys
# The initramfs moved its devtmpfs here; mount one if it did not.
[ -c /dev/null ] || mount -t devtmpfs devtmpfs /dev 2>/dev/null
read -r up idle </proc/uptime
echo "cvisor-rootfs: init started on the disk, uptime $up"
export PS1='~ # '
setsid cttyhack sh
# The shell exited: everything written reaches the disk before the power goes.
sync
mount -o remount,ro /
poweroff -f
sleep 1
reboot -f
EOF
}

# An ext4 image of busybox and that init, made without root privileges: mkfs.ext4 -d copies a
# directory tree into the new file system. Fixed UUID, hash seed and file times (two builds still
# differ in bytes mke2fs varies: the image is not reproducible, unlike the initramfs).
lookup busybox
ROOTFS_STAMP=$STATE/rootfs.stamp
ROOTFS_KEY=$({
    echo "layout $ROOTFS_LAYOUT $ROOTFS_SIZE_KIB $PKG $VER $SHA"
    rootfs_init
} | sha256sum | cut -d' ' -f1)
# Kept under its key like the initramfs, for the same reason.
ROOTFS_KEYED=$IMAGES/rootfs-$ARCH-$(echo "$ROOTFS_KEY" | cut -c1-16).ext4
if [ -f "$ROOTFS_KEYED" ]; then
    say "root file system up to date ($PKG $VER)"
    touch "$ROOTFS_KEYED"
    if ! [ "$ROOTFS_OUT" -ef "$ROOTFS_KEYED" ]; then
        ln -f "$ROOTFS_KEYED" "$ROOTFS_OUT.tmp" && mv "$ROOTFS_OUT.tmp" "$ROOTFS_OUT"
        echo "$ROOTFS_KEY" >"$ROOTFS_STAMP"
    fi
else
    fetch_deb "$@"
    rfs=$TMP/rootfs
    busybox_tree "$rfs"
    rm -f "$rfs/bin/init" # busybox's own init applet: the script below takes its place
    rootfs_init >"$rfs/bin/init"
    chmod 0755 "$rfs/bin/init"
    echo "cvisor test root file system: $PKG $VER" >"$rfs/etc/cvisor-rootfs"
    echo cvisor >"$rfs/etc/hostname"
    find "$rfs" -exec touch -h -d @0 {} +
    uuid=6376736f-7200-4000-8000-726f6f746673
    rm -f "$ROOTFS_OUT.tmp"
    E2FSPROGS_FAKE_TIME=1 mkfs.ext4 -q -F -L cvisor-root -U "$uuid" -E "root_owner=0:0,hash_seed=$uuid" \
        -d "$rfs" "$ROOTFS_OUT.tmp" "${ROOTFS_SIZE_KIB}k" >"$TMP/mkfs.log" 2>&1 || {
        sed 's/^/    /' "$TMP/mkfs.log" >&2
        die "making the root file system (mkfs.ext4 -d) failed"
    }
    # mkfs.ext4 -d gives each file the owner it has here: make them root's, as on a real root.
    if [ "$(id -u)" != 0 ]; then
        (cd "$rfs" && find . -mindepth 1) | sed 's|^\.||' |
            while read -r f; do printf 'sif %s uid 0\nsif %s gid 0\n' "$f" "$f"; done >"$TMP/owners"
        E2FSPROGS_FAKE_TIME=1 debugfs -w -f "$TMP/owners" "$ROOTFS_OUT.tmp" >"$TMP/owners.log" 2>&1 ||
            die "setting the owners in the root file system (debugfs) failed"
    fi
    ln -f "$ROOTFS_OUT.tmp" "$ROOTFS_KEYED" && mv "$ROOTFS_OUT.tmp" "$ROOTFS_OUT"
    echo "$ROOTFS_KEY" >"$ROOTFS_STAMP"
    find "$IMAGES" -name "rootfs-$ARCH-*.ext4" -mtime +14 -delete
    say "root file system built from $PKG $VER (ext4, $((ROOTFS_SIZE_KIB / 1024)) MiB)"
fi

# ---- U-Boot ------------------------------------------------------------------------------------
if [ -n "$UBOOT_SRC" ]; then
    if [ ! -f "$UBOOT_SRC" ]; then
        say "installing the host package u-boot-qemu (for $UBOOT_SRC)"
        SUDO=
        [ "$(id -u)" = 0 ] || SUDO=sudo
        export DEBIAN_FRONTEND=noninteractive
        $SUDO apt-get install -y -qq --no-install-recommends u-boot-qemu >"$TMP/uboot.log" 2>&1 || {
            # The host's index may be missing or stale: refresh it once and retry.
            $SUDO apt-get update -qq >>"$TMP/uboot.log" 2>&1 &&
                $SUDO apt-get install -y -qq --no-install-recommends u-boot-qemu \
                    >>"$TMP/uboot.log" 2>&1
        } || {
            sed 's/^/    /' "$TMP/uboot.log" >&2
            die "installing u-boot-qemu failed (see above)"
        }
        [ -f "$UBOOT_SRC" ] || die "u-boot-qemu is installed but has no $UBOOT_SRC"
    fi
    if [ -f "$UBOOT_OUT" ] && cmp -s "$UBOOT_SRC" "$UBOOT_OUT"; then
        say "u-boot up to date"
    else
        cp "$UBOOT_SRC" "$UBOOT_OUT.tmp" && mv "$UBOOT_OUT.tmp" "$UBOOT_OUT"
        say "u-boot copied from $UBOOT_SRC"
    fi
fi

# ---- this build's view -------------------------------------------------------------------------
# LINK_DIR (make passes $(BUILD)/guest-images/$(ARCH)): symbolic links to exactly the products
# this run chose, so what a build embeds does not change when another checkout runs this script.
if [ -n "${LINK_DIR:-}" ]; then
    mkdir -p "$LINK_DIR"
    abs_images=$(cd "$IMAGES" && pwd) # a relative CACHE_DIR would make the links dangle
    for pair in "$KERNEL_OUT:${KERNEL_OUT##*/}" "$INITRAMFS_KEYED:${INITRAMFS_OUT##*/}" \
        "$ROOTFS_KEYED:${ROOTFS_OUT##*/}" ${UBOOT_SRC:+"$UBOOT_OUT:${UBOOT_OUT##*/}"}; do
        target=${pair%%:*}
        ln -sfn "$abs_images/${target##*/}" "$LINK_DIR/${pair#*:}" || die "cannot link ${pair#*:} into $LINK_DIR"
    done
fi

# ---- summary ----------------------------------------------------------------------------------
[ -z "$UBOOT_SRC" ] || uboot_ver=$(dpkg-query -W -f='${Version}' u-boot-qemu 2>/dev/null || echo '?')
lookup busybox
say "guest images for $ARCH in $IMAGES:"
for f in "$KERNEL_OUT" "$INITRAMFS_OUT" "$ROOTFS_OUT" ${UBOOT_SRC:+"$UBOOT_OUT"}; do
    case $f in
    "$KERNEL_OUT") what="Linux $KERNEL_VERSION" ;;
    "$INITRAMFS_OUT") what="busybox $VER" ;;
    "$ROOTFS_OUT") what="busybox $VER, ext4" ;;
    *) what="u-boot-qemu $uboot_ver" ;;
    esac
    printf '  %-28s %10s bytes  %s\n' "${f##*/}" "$(wc -c <"$f")" "$what"
done
