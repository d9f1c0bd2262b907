#!/usr/bin/env python3
"""Helpers for the FAT test fixtures (tests/unit/lib/fat/mkimages.sh).

  fatimg.py pattern OUT SIZE SEED   write SIZE bytes of the test pattern (see below)
  fatimg.py fsinfo-reset IMG        FAT32: set the FSInfo next-free hint to "unknown" so that
                                    mtools allocates from the start and fills holes
  fatimg.py mbr OUT VOLUME START    write an MBR disk with VOLUME as a type 0x0e partition at
                                    sector START (in entry 1); when START >= 4096, entry 0 is a
                                    type 0x83 partition at sector 2048 (2048 sectors of filler)
  fatimg.py truncate IMG OUT        copy IMG without its trailing all-zero sectors
  fatimg.py fold IMG OUT            fold IMG for the fuzzer's wrap-around device (see fold())

The pattern is a hash of the 32-bit word index, so tests can compute any byte on their own:
byte i = little-endian byte (i % 4) of mix32((i // 4) ^ SEED), mix32 as in test_fat.c.
"""
import struct
import sys

M = 0xFFFFFFFF


def mix32(x):
    x ^= x >> 16
    x = (x * 0x7FEB352D) & M
    x ^= x >> 15
    x = (x * 0x846CA68B) & M
    x ^= x >> 16
    return x


def pattern(out, size, seed):
    words = (size + 3) // 4
    data = struct.pack("<%dI" % words, *(mix32(w ^ seed) for w in range(words)))
    with open(out, "wb") as f:
        f.write(data[:size])


def fsinfo_reset(img):
    with open(img, "r+b") as f:
        bpb = f.read(512)
        fsinfo = struct.unpack_from("<H", bpb, 48)[0]
        f.seek(fsinfo * 512)
        sec = bytearray(f.read(512))
        assert sec[0:4] == b"RRaA" and sec[484:488] == b"rrAa", "no FSInfo sector"
        struct.pack_into("<I", sec, 492, 0xFFFFFFFF)
        f.seek(fsinfo * 512)
        f.write(sec)


def mbr(out, volume, start):
    with open(volume, "rb") as f:
        vol = f.read()
    assert len(vol) % 512 == 0
    sectors = len(vol) // 512
    sec = bytearray(512)

    def entry(i, status, ptype, first, count):
        # CHS fields set to the "use LBA" values (0xfe, 0xff, 0xff).
        struct.pack_into("<B3sB3sII", sec, 446 + 16 * i, status, b"\xfe\xff\xff", ptype,
                         b"\xfe\xff\xff", first, count)

    filler = b""
    if start >= 4096:  # room for a non-FAT partition in front
        entry(0, 0x00, 0x83, 2048, 2048)
        filler = bytes(512 * 2047) + bytes((i * 7) & 0xFF for i in range(512)) * 2048
    entry(1, 0x80, 0x0E, start, sectors)
    sec[510:512] = b"\x55\xaa"
    with open(out, "wb") as f:
        f.write(sec)
        f.write(filler)
        f.write(bytes(512 * (start - 1 - len(filler) // 512)))
        f.write(vol)


def truncate(img, out):
    """Copies img without its trailing all-zero sectors (fuzz seeds)."""
    with open(img, "rb") as f:
        data = f.read()
    end = len(data)
    while end >= 512 and data[end - 512:end] == bytes(512):
        end -= 512
    with open(out, "wb") as f:
        f.write(data[:end])


def fold(img, out):
    """Folds an image into the fewest sectors L such that its nonzero sectors keep distinct
    positions modulo L, for the fuzzer's wrap-around device (tests/fuzz/fuzz_fat.c), and marks
    it with bit 7 of byte 3. Zero sectors that the reader never needs (free FAT and directory
    space) alias other sectors; the FAT32 seed is built so that none it needs are zero."""
    with open(img, "rb") as f:
        data = f.read()
    used = [i for i in range(len(data) // 512) if data[i * 512:(i + 1) * 512] != bytes(512)]
    size = len(used)
    while len({i % size for i in used}) != len(used):
        size += 1
    folded = bytearray(512 * size)
    for i in used:
        folded[(i % size) * 512:(i % size + 1) * 512] = data[i * 512:(i + 1) * 512]
    folded[3] |= 0x80
    with open(out, "wb") as f:
        f.write(folded)


def main(argv):
    if argv[1] == "pattern":
        pattern(argv[2], int(argv[3]), int(argv[4], 0))
    elif argv[1] == "fsinfo-reset":
        fsinfo_reset(argv[2])
    elif argv[1] == "mbr":
        mbr(argv[2], argv[3], int(argv[4]))
    elif argv[1] == "truncate":
        truncate(argv[2], argv[3])
    elif argv[1] == "fold":
        fold(argv[2], argv[3])
    else:
        sys.exit("usage: see the module docstring")


if __name__ == "__main__":
    main(sys.argv)
