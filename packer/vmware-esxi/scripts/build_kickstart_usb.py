#!/usr/bin/env python3
"""Pre-build step: render the kickstart and put it on a small FAT USB image.

    MAAS_ESXI_ROOT_PASSWORD=... python3 build_kickstart_usb.py \
        --esxi-version 8.0 [--kickstart-extra FILE] --output usb.img

The template attaches usb.img as a USB stick and boots the installer with
`ks=usb://ks.cfg` (docs/packer.md). No root: a sparse file, an MBR written
here, a FAT32 file system made by `mformat` at the 1 MiB partition offset,
and `mcopy`. The password is read from the environment, never from the
command line, and checked against ESXi's rules first.
"""

import argparse
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
# The recipe may sit in a read-only package directory: no __pycache__ next to it.
sys.dont_write_bytecode = True

import esxi_password  # noqa: E402
import kickstart  # noqa: E402
import mtools  # noqa: E402

PASSWORD_ENV = "MAAS_ESXI_ROOT_PASSWORD"
DEFAULT_PASSWORD = "password123!"  # packer-maas's documented default (docs/packer.md)
IMAGE_MIB = 64
PARTITION_START = 2048  # sectors: 1 MiB
FAT32_LBA = 0x0C


def write_mbr(path, size_bytes):
    """One primary FAT32 (LBA) partition from 1 MiB to the end."""
    sectors = size_bytes // 512
    entry = struct.pack("<B3sB3sII", 0x00, b"\xfe\xff\xff", FAT32_LBA, b"\xfe\xff\xff",
                        PARTITION_START, sectors - PARTITION_START)
    with open(path, "wb") as handle:
        handle.truncate(size_bytes)
        handle.seek(440)
        handle.write(struct.pack("<I", 0x4D414153))  # disk signature "MAAS"
        handle.seek(446)
        handle.write(entry)
        handle.seek(510)
        handle.write(b"\x55\xaa")


def build_usb(output, ks_text, work_file):
    size = IMAGE_MIB * 1024 * 1024
    offset = PARTITION_START * 512
    write_mbr(output, size)
    mtools.run("mformat", output, offset, [
        "-F", "-T", str(size // 512 - PARTITION_START), "-h", "64", "-s", "32",
        "-H", str(PARTITION_START), "-v", "KICKSTART", "::"])
    with open(work_file, "w") as handle:
        handle.write(ks_text)
    mtools.run("mcopy", output, offset, ["-o", work_file, "::/KS.CFG"])
    if mtools.run("mtype", output, offset, ["::/KS.CFG"]) != ks_text:
        raise mtools.MtoolsError("KS.CFG read back from %s differs" % output)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--esxi-version", required=True, choices=kickstart.VERSIONS)
    parser.add_argument("--kickstart-extra", help="kickstart snippet merged into ours")
    parser.add_argument("--output", required=True, help="USB image to write (e.g. usb.img)")
    parser.add_argument("--print-kickstart", action="store_true",
                        help="also print the rendered kickstart, password masked")
    args = parser.parse_args(argv)
    password = os.environ.get(PASSWORD_ENV)
    if not password:
        password = DEFAULT_PASSWORD
        sys.stderr.write("build-kickstart-usb: WARNING: %s is not set; the image's root "
                         "password is the public default %r\n" % (PASSWORD_ENV, DEFAULT_PASSWORD))
    problems = esxi_password.password_problems(password)
    if problems:
        sys.stderr.write("build-kickstart-usb: ERROR: the root password does not meet ESXi's "
                         "rules; it %s\n" % "; it ".join(problems))
        return 2
    try:
        snippet = ""
        if args.kickstart_extra:
            with open(args.kickstart_extra) as handle:
                snippet = handle.read()
        text = kickstart.render(args.esxi_version, password, snippet)
        work_file = args.output + ".ks.tmp"
        try:
            build_usb(args.output, text, work_file)
        finally:
            if os.path.exists(work_file):
                os.unlink(work_file)
    except (kickstart.KickstartError, mtools.MtoolsError, OSError) as err:
        sys.stderr.write("build-kickstart-usb: ERROR: %s\n" % err)
        return 1
    if args.print_kickstart:
        sys.stdout.write(text.replace("rootpw %s" % password, "rootpw ********"))
    sys.stdout.write("build-kickstart-usb: wrote %s (KS.CFG for ESXi %s%s)\n" % (
        args.output, args.esxi_version, ", with kickstart extra" if snippet else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
