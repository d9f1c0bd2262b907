#!/bin/sh
# Builds the FAT unit-test fixtures into OUTDIR with mkfs.fat and mtools (no root, no mount):
#   fat16.img  16 MiB FAT16, 2 KiB clusters      fat32.img  40 MiB FAT32, 512-byte clusters
#   mbr.img    an MBR disk: a type 0x83 partition, then an 8 MiB FAT16 volume (type 0x0e)
# plus large.bin / fragmented.bin, the pattern files copied into the images.
# Usage: mkimages.sh OUTDIR
set -eu

out=$1
here=$(dirname "$0")
py="/usr/bin/python3 $here/fatimg.py"
# Non-ASCII names need a UTF-8 locale; MTOOLSRC=/dev/null ignores any user configuration.
export LC_ALL=C.UTF-8 MTOOLS_SKIP_CHECK=1 MTOOLSRC=/dev/null
PATH=$PATH:/usr/sbin:/sbin # mkfs.fat, for users whose PATH lacks the sbin directories

mkdir -p "$out"
work="$out/work"
rm -rf "$work"
mkdir -p "$work/src" "$work/many" "$work/frag"
s=$work/src

printf 'title = "a long name"\n' >"$s/A rather long file name.toml"
printf 'mixed\n' >"$s/Mixed Case Name.TXT"
printf 'non-ascii\n' >"$s/Grüße café.txt"
printf 'lower\n' >"$s/readme.txt"
printf 'upper\n' >"$s/UPPER.TXT"
: >"$s/empty.txt"
printf '[vm]\nname = "default"\nkernel = "/guest/vm_default/Image"\n' >"$s/linux.toml"
printf 'deep\n' >"$s/deep.txt"
long=$(printf 'n%.0s' $(seq 251)).txt # 255 characters
printf 'longest\n' >"$s/$long"
$py pattern "$out/large.bin" $((3 * 1024 * 1024 + 777)) 1
$py pattern "$out/fragmented.bin" $((100 * 1024 + 5)) 2
i=0
while [ $i -lt 120 ]; do
    n=$(printf '%03d' $i)
    printf '%s\n' "$n" >"$work/many/entry number $n.txt"
    i=$((i + 1))
done
for i in 00 01 02 03 04 05 06 07 08 09 10 11 12 13 14 15; do
    $py pattern "$work/frag/s$i" 2048 $((256 + 1$i - 100))
done

# populate IMAGE CLUSTER_BYTES: the same tree on every image.
populate() {
    img=$1
    $py pattern "$work/onecluster.bin" "$2" 3
    mcopy -i "$img" "$out/large.bin" "$s/A rather long file name.toml" "$s/Mixed Case Name.TXT" \
        "$s/Grüße café.txt" "$s/readme.txt" "$s/UPPER.TXT" "$s/empty.txt" "$work/onecluster.bin" ::/
    mmd -i "$img" ::/guest ::/guest/vm_default ::/guest/vm_default/a ::/guest/vm_default/a/b \
        ::/guest/vm_default/a/b/c ::/many ::/frag ::/longnames
    mcopy -i "$img" "$s/linux.toml" ::/guest/vm_default/
    mcopy -i "$img" "$s/deep.txt" ::/guest/vm_default/a/b/c/
    mcopy -i "$img" "$s/$long" ::/longnames/
    mcopy -i "$img" "$work/many/"* ::/many/
    # Fragmentation: 16 small files, every other one deleted, then a larger file fills the holes.
    mcopy -i "$img" "$work/frag/"* ::/frag/
    for i in 01 03 05 07 09 11 13 15; do
        mdel -i "$img" ::/frag/s$i
    done
    if [ "$3" = 32 ]; then
        $py fsinfo-reset "$img" # else mtools allocates after the last used cluster
    fi
    mcopy -i "$img" "$out/fragmented.bin" ::/frag/
}

rm -f "$work/fat16.img" "$work/fat32.img" "$work/part.img"
mkfs.fat -C -F 16 -s 4 -n CVISOR16 --invariant "$work/fat16.img" 16384 >/dev/null
populate "$work/fat16.img" 2048 16
mkfs.fat -C -F 32 -s 1 -n CVISOR32 --invariant "$work/fat32.img" 40960 >/dev/null
populate "$work/fat32.img" 512 32

mkfs.fat -C -F 16 -s 2 -h 6144 -n PART --invariant "$work/part.img" 8192 >/dev/null
mcopy -i "$work/part.img" "$s/A rather long file name.toml" "$s/readme.txt" ::/
mmd -i "$work/part.img" ::/guest ::/guest/vm_default
mcopy -i "$work/part.img" "$s/linux.toml" ::/guest/vm_default/
$py mbr "$work/mbr.img" "$work/part.img" 6144

mv "$work/fat16.img" "$work/fat32.img" "$work/mbr.img" "$out/"
rm -rf "$work"
