#!/usr/bin/env python3
"""Post-processor step "modify": put the curtin hook and payload on partition 1.

    python3 install_curtin_hook.py DISK.raw

Reads the raw disk's GPT to find partition 1 (the ESXi image's FAT boot
partition), then writes with mtools at that byte offset, without root, nbd
or FUSE:

    ::/curtin/curtin-hooks     hooks/curtin_hooks.py (run by curtin at deploy time)
    ::/curtin/maas-esxi.pyz    payload/maas_esxi as a zip (run at ESXi first boot)
    ::/curtin/maas-esxi-provenance.json
                               with --provenance FILE: where the image came from
                               (docs/image-inspection.md#provenance), stamped
                               with the UTC time of this step

Both files are read back and compared. Any problem exits 1 with an ERROR
line, which fails the Packer build (the template chains this step before
compression, so no .dd.gz is written).
"""

import argparse
import datetime
import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
# The recipe may sit in a read-only package directory: no __pycache__ next to it.
sys.dont_write_bytecode = True

import gpt  # noqa: E402
import mtools  # noqa: E402
import payload_archive  # noqa: E402

RECIPE = os.path.dirname(HERE)
HOOK_SOURCE = os.path.join(RECIPE, "hooks", "curtin_hooks.py")
PACKAGE_DIR = os.path.join(RECIPE, "payload", "maas_esxi")


def say(message):
    sys.stdout.write("install-curtin-hook: %s\n" % message)
    sys.stdout.flush()


def provenance_record(source, work):
    """The record as written into the image: the build's JSON plus builtAt (UTC, now)."""
    with open(source, "r") as handle:
        record = json.load(handle)
    if not isinstance(record, dict):
        raise ValueError("%s does not hold a JSON object" % source)
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    record["builtAt"] = now.isoformat().replace("+00:00", "Z")
    path = os.path.join(work, "maas-esxi-provenance.json")
    with open(path, "w") as handle:
        json.dump(record, handle, indent=2, sort_keys=True)
        handle.write("\n")
    return path


def install(disk, partition_number=1, provenance=None):
    part = gpt.partition(disk, partition_number)
    say("partition %d: LBA %d-%d (%d MiB) at byte offset %d"
        % (part.number, part.first_lba, part.last_lba, part.size // (1024 * 1024), part.offset))
    if not mtools.is_fat(disk, part.offset):
        raise gpt.GptError("partition %d of %s holds no FAT file system" % (part.number, disk))
    work = tempfile.mkdtemp(prefix="maas-esxi-pp-")
    try:
        pyz = os.path.join(work, "maas-esxi.pyz")
        names = payload_archive.build(PACKAGE_DIR, pyz)
        say("payload: %d files, %d bytes" % (len(names), os.path.getsize(pyz)))
        files = [(HOOK_SOURCE, "::/curtin/curtin-hooks"), (pyz, "::/curtin/maas-esxi.pyz")]
        if provenance:
            files.append((provenance_record(provenance, work), "::/curtin/maas-esxi-provenance.json"))
        if not mtools.exists(disk, part.offset, "::/curtin"):
            mtools.run("mmd", disk, part.offset, ["::/curtin"])
        for source, target in files:
            mtools.run("mcopy", disk, part.offset, ["-o", source, target])
        for source, target in files:
            copy = os.path.join(work, "readback")
            if os.path.exists(copy):
                os.unlink(copy)
            mtools.run("mcopy", disk, part.offset, [target, copy])
            with open(source, "rb") as a, open(copy, "rb") as b:
                if a.read() != b.read():
                    raise mtools.MtoolsError("%s differs from %s after writing" % (target, source))
        say(mtools.run("mdir", disk, part.offset, ["::/curtin"]).strip().replace("\n", "\n    "))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("disk", help="raw disk image written by the ESXi installer")
    parser.add_argument("--partition", type=int, default=1, help=argparse.SUPPRESS)
    # The template passes the record's path in MAAS_ESXI_PROVENANCE (empty: no record).
    parser.add_argument("--provenance", default=os.environ.get("MAAS_ESXI_PROVENANCE", ""),
                        help="JSON provenance record to write next to the hook")
    args = parser.parse_args(argv)
    try:
        if not os.path.isfile(args.disk):
            raise gpt.GptError("%s does not exist" % args.disk)
        install(args.disk, args.partition, args.provenance or None)
    except (gpt.GptError, mtools.MtoolsError, OSError, ValueError) as err:
        sys.stderr.write("install-curtin-hook: ERROR: %s\n" % err)
        return 1
    say("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
