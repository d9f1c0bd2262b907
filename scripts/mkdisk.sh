#!/bin/sh
# Builds the FAT32 guest disk without root or mount: mkfs.fat on a file, then mtools.
#   mkdisk.sh OUT.img GUEST_DIR IMAGES_DIR CONFIG...
# Layout (axvisor's convention): /guest/vm_default/*.toml are booted by APP_FEATURES=fs;
# images go to /guest/images/.
set -eu
out=$1 guests=$2 images=$3
shift 3
size_mib=96
tmp="$out.tmp"
rm -f "$tmp"
mkfs.fat -C -F 32 -n CVISOR "$tmp" $((size_mib * 1024)) >/dev/null
export MTOOLS_SKIP_CHECK=1
mmd -i "$tmp" ::/guest ::/guest/vm_default ::/guest/images
for cfg in "$@"; do
    mcopy -i "$tmp" "$cfg" "::/guest/vm_default/$(basename "$cfg")"
done
for f in "$images"/linux-*.Image "$images"/linux-*.bzImage "$images"/initramfs-*.cpio.gz "$images"/rootfs-*.ext4 "$guests"/*.bin "$guests"/*.dtb; do
    [ -f "$f" ] && mcopy -i "$tmp" "$f" "::/guest/images/$(basename "$f")"
done
mv "$tmp" "$out"
echo "disk image $out:"
mdir -i "$out" -/ ::/guest | sed 's/^/  /'
