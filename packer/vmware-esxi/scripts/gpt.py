"""Read a GUID partition table from a raw disk image (no tools, no root).

Used to find the byte offset of the ESXi image's partition 1 so mtools can
write into it with `mcopy -i IMAGE@@OFFSET` (docs/packer.md: no nbd kernel
module, no FUSE).
"""

import struct
import uuid
import zlib

HEADER = struct.Struct("<8sIIIIQQQQ16sQIII")
SIGNATURE = b"EFI PART"


class GptError(Exception):
    pass


class Partition(object):
    def __init__(self, number, first_lba, last_lba, type_guid, name, sector_size):
        self.number = number
        self.first_lba = first_lba
        self.last_lba = last_lba
        self.type_guid = type_guid
        self.name = name
        self.sector_size = sector_size

    @property
    def offset(self):
        return self.first_lba * self.sector_size

    @property
    def size(self):
        return (self.last_lba - self.first_lba + 1) * self.sector_size


def read_partitions(path):
    """Partitions of the GPT in `path`, in table order (number = slot + 1)."""
    with open(path, "rb") as disk:
        for sector_size in (512, 4096):
            disk.seek(sector_size)
            raw = disk.read(HEADER.size)
            if raw[:8] == SIGNATURE:
                break
        else:
            raise GptError("%s has no GPT header at LBA 1 (not a GPT disk image?)" % path)
        (_sig, _rev, header_size, header_crc, _res, _cur, _backup, _first, _last, _guid,
         entries_lba, entry_count, entry_size, entries_crc) = HEADER.unpack(raw)
        disk.seek(sector_size)
        header = bytearray(disk.read(header_size))
        header[16:20] = b"\0\0\0\0"
        if zlib.crc32(bytes(header)) & 0xFFFFFFFF != header_crc:
            raise GptError("%s: GPT header checksum mismatch" % path)
        if entry_size < 128 or entry_count > 1024:
            raise GptError("%s: implausible GPT entry table (%d x %d)" % (path, entry_count, entry_size))
        disk.seek(entries_lba * sector_size)
        table = disk.read(entry_count * entry_size)
        if len(table) != entry_count * entry_size:
            raise GptError("%s: GPT entry table is truncated" % path)
        if zlib.crc32(table) & 0xFFFFFFFF != entries_crc:
            raise GptError("%s: GPT entry table checksum mismatch" % path)
    partitions = []
    for index in range(entry_count):
        entry = table[index * entry_size:(index + 1) * entry_size]
        if entry[:16] == b"\0" * 16:
            continue
        first, last = struct.unpack_from("<QQ", entry, 32)
        name = entry[56:128].decode("utf-16-le", "replace").split("\0", 1)[0]
        partitions.append(Partition(index + 1, first, last,
                                    str(uuid.UUID(bytes_le=bytes(entry[:16]))).upper(),
                                    name, sector_size))
    return partitions


def partition(path, number):
    for part in read_partitions(path):
        if part.number == number:
            return part
    raise GptError("%s has no partition %d" % (path, number))
