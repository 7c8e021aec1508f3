"""mtools on a FAT file system inside an image file, at a byte offset."""

import os
import subprocess


class MtoolsError(Exception):
    pass


def _env():
    env = dict(os.environ)
    # Image files have no real geometry; without this mtools refuses some of them.
    env["MTOOLS_SKIP_CHECK"] = "1"
    return env


def run(tool, image, offset, args):
    argv = [tool, "-i", "%s@@%d" % (image, offset)] + list(args)
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=_env())
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise MtoolsError("%s failed (exit %d): %s" % (
            " ".join(argv), proc.returncode,
            (err or out).decode("utf-8", "replace").strip() or "no output"))
    return out.decode("utf-8", "replace")


def exists(image, offset, path):
    argv = ["mdir", "-i", "%s@@%d" % (image, offset), "-b", path]
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=_env())
    proc.communicate()
    return proc.returncode == 0


def is_fat(image, offset):
    """Boot sector at `offset` has a plausible FAT BIOS parameter block.

    The type string ("FAT16   ") is informational and not always written,
    so the BPB fields are checked instead.
    """
    with open(image, "rb") as handle:
        handle.seek(offset)
        sector = handle.read(512)
    if len(sector) < 512 or sector[510:512] != b"\x55\xaa":
        return False
    bytes_per_sector = sector[11] | (sector[12] << 8)
    sectors_per_cluster = sector[13]
    reserved = sector[14] | (sector[15] << 8)
    fats = sector[16]
    return (bytes_per_sector in (512, 1024, 2048, 4096)
            and sectors_per_cluster in (1, 2, 4, 8, 16, 32, 64, 128)
            and reserved > 0 and fats in (1, 2))
