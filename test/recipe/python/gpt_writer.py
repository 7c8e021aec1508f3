"""Write a small GPT disk image in pure Python (an independent check of scripts/gpt.py)."""

import struct
import uuid
import zlib

ESP = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
LINUX_NATIVE = "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7"


def write_gpt(path, size_bytes, partitions, sector=512):
    """partitions: [(number, first_lba, last_lba, type_guid, name)]"""
    sectors = size_bytes // sector
    entries = bytearray(128 * 128)
    for number, first, last, type_guid, name in partitions:
        entry = (uuid.UUID(type_guid).bytes_le + uuid.uuid4().bytes_le +
                 struct.pack("<QQQ", first, last, 0) + name.encode("utf-16-le").ljust(72, b"\0"))
        entries[(number - 1) * 128:number * 128] = entry
    entries_crc = zlib.crc32(bytes(entries)) & 0xFFFFFFFF

    def header(current, backup, entries_lba):
        fields = struct.pack("<8sIIIIQQQQ16sQIII", b"EFI PART", 0x00010000, 92, 0, 0, current, backup,
                             34, sectors - 34, uuid.uuid4().bytes_le, entries_lba, 128, 128, entries_crc)
        crc = zlib.crc32(fields) & 0xFFFFFFFF
        return fields[:16] + struct.pack("<I", crc) + fields[20:]

    with open(path, "wb") as disk:
        disk.truncate(size_bytes)
        mbr = bytearray(512)
        mbr[446:462] = struct.pack("<B3sB3sII", 0, b"\0\x02\0", 0xEE, b"\xff\xff\xff", 1,
                                   min(sectors - 1, 0xFFFFFFFF))
        mbr[510:512] = b"\x55\xaa"
        disk.write(bytes(mbr))
        disk.seek(sector)
        disk.write(header(1, sectors - 1, 2))
        disk.seek(2 * sector)
        disk.write(bytes(entries))
        disk.seek((sectors - 33) * sector)
        disk.write(bytes(entries))
        disk.seek((sectors - 1) * sector)
        disk.write(header(sectors - 1, 1, sectors - 33))
