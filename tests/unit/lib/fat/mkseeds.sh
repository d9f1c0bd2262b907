#!/bin/sh
# Regenerates the committed fuzz seeds (tests/fuzz/corpus/fuzz_fat): small FAT images cut
# after their last non-zero sector. The fuzzer's device reads zeros past the end of its input,
# so a cut image still mounts with its full geometry.
# Usage: mkseeds.sh [OUTDIR]
set -eu

out=${1:-tests/fuzz/corpus/fuzz_fat}
here=$(dirname "$0")
py="/usr/bin/python3 $here/fatimg.py"
export LC_ALL=C.UTF-8 MTOOLS_SKIP_CHECK=1 MTOOLSRC=/dev/null
PATH=$PATH:/usr/sbin:/sbin # mkfs.fat, for users whose PATH lacks the sbin directories
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

# FAT16 at its smallest: 4269 one-sector clusters, one FAT, a one-sector root directory.
mkfs.fat -C -F 16 -s 1 -f 1 -r 16 -R 1 -n SEED --invariant "$work/f16.img" 2150 >/dev/null
printf 'name = "seed"\n' >"$work/A long name.toml"
printf 'kernel = "Image"\n' >"$work/linux.toml"
$py pattern "$work/two.bin" 700 5
for i in 1 2 3 4; do printf '%s' "$i" >"$work/s$i"; done
$py pattern "$work/frag.bin" 1400 6
mcopy -i "$work/f16.img" "$work/A long name.toml" "$work/two.bin" ::/
mmd -i "$work/f16.img" ::/guest ::/guest/vm_default
mcopy -i "$work/f16.img" "$work/linux.toml" ::/guest/vm_default/
mcopy -i "$work/f16.img" "$work/s1" "$work/s2" "$work/s3" "$work/s4" ::/guest/
mdel -i "$work/f16.img" ::/guest/s1 ::/guest/s3
mcopy -i "$work/f16.img" "$work/frag.bin" ::/guest/
$py truncate "$work/f16.img" "$out/fat16.seed"

# The same volume as the second partition of an MBR disk, at sector 1.
$py mbr "$work/mbr.img" "$work/f16.img" 1
$py truncate "$work/mbr.img" "$out/mbr-fat16.seed"

# FAT32: the FATs alone take 2 x 630 sectors. fat32-head.img is the reserved area only (boot
# sector, FSInfo, backup boot sector: the root directory reads as empty); fat32-fold.img is a
# whole small tree folded for the fuzzer's wrap-around mode (one FAT; no empty files, whose
# zero sectors would alias).
mkfs.fat -C -F 32 -s 1 -n SEED32 --invariant "$work/f32.img" 40960 >/dev/null
head -c 4096 "$work/f32.img" >"$out/fat32-head.seed"
mkfs.fat -C -F 32 -s 1 -f 1 -n SEED32 --invariant "$work/f32f.img" 40960 >/dev/null
mcopy -i "$work/f32f.img" "$work/A long name.toml" "$work/two.bin" ::/
mmd -i "$work/f32f.img" ::/guest ::/guest/vm_default
mcopy -i "$work/f32f.img" "$work/linux.toml" ::/guest/vm_default/
mcopy -i "$work/f32f.img" "$work/s1" "$work/s2" "$work/s3" "$work/s4" ::/guest/
mdel -i "$work/f32f.img" ::/guest/s1 ::/guest/s3
$py fsinfo-reset "$work/f32f.img"
mcopy -i "$work/f32f.img" "$work/frag.bin" ::/guest/
$py fold "$work/f32f.img" "$out/fat32-fold.seed"
