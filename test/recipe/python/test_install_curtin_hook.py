"""Post-processing on a raw GPT disk: partition 1 found from the GPT, files put
there with mtools at its byte offset, checked with mdir/mtype."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import zipfile

from fake_host import RECIPE
from gpt_writer import ESP, LINUX_NATIVE, write_gpt
import gpt

SCRIPT = os.path.join(RECIPE, "scripts", "install_curtin_hook.py")
HOOK = os.path.join(RECIPE, "hooks", "curtin_hooks.py")
ENV = dict(os.environ, MTOOLS_SKIP_CHECK="1")


def mtool(*argv):
    return subprocess.run(list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)


class InstallCurtinHookTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="pp-")
        self.disk = os.path.join(self.tmp, "vmware-esxi.raw")
        # ESXi 7+ layout, scaled down: p1 (FAT, at sector 64 as ESXi puts it), p5, p6
        write_gpt(self.disk, 64 * 1024 * 1024, [
            (1, 64, 20543, ESP, "esp"),
            (5, 20544, 61439, LINUX_NATIVE, "bootbank1"),
            (6, 61440, 120000, LINUX_NATIVE, "bootbank2"),
        ])
        self.offset = 64 * 512
        result = mtool("mformat", "-i", "%s@@%d" % (self.disk, self.offset), "-T", str(20543 - 64 + 1),
                       "-h", "64", "-s", "32", "-v", "ESP", "::")
        self.assertEqual(result.returncode, 0, result.stderr)
        result = mtool("mmd", "-i", "%s@@%d" % (self.disk, self.offset), "::/EFI")
        self.assertEqual(result.returncode, 0, result.stderr)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def run_script(self, disk):
        return subprocess.run([sys.executable, SCRIPT, disk], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, universal_newlines=True)

    def test_reader_finds_partition_1_offset(self):
        part = gpt.partition(self.disk, 1)
        self.assertEqual((part.first_lba, part.last_lba, part.offset), (64, 20543, 32768))
        self.assertEqual(part.type_guid, ESP)
        self.assertEqual([p.number for p in gpt.read_partitions(self.disk)], [1, 5, 6])

    def test_hook_and_payload_land_on_partition_1(self):
        result = self.run_script(self.disk)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("byte offset 32768", result.stdout)
        image = "%s@@%d" % (self.disk, self.offset)
        listing = mtool("mdir", "-i", image, "-b", "::/curtin").stdout.decode()
        self.assertEqual(sorted(listing.split()), ["::/curtin/curtin-hooks", "::/curtin/maas-esxi.pyz"])
        hook = mtool("mtype", "-i", image, "::/curtin/curtin-hooks").stdout
        with open(HOOK, "rb") as handle:
            self.assertEqual(hook, handle.read())
        pyz = os.path.join(self.tmp, "out.pyz")
        self.assertEqual(mtool("mcopy", "-i", image, "::/curtin/maas-esxi.pyz", pyz).returncode, 0)
        with zipfile.ZipFile(pyz) as archive:
            self.assertIn("maas_esxi/firstboot.py", archive.namelist())
        run = subprocess.run([sys.executable, pyz, "--help"], stdout=subprocess.PIPE)
        self.assertEqual(run.returncode, 0)
        self.assertIn(b"firstboot", run.stdout)
        # the rest of the partition is untouched
        self.assertIn("EFI", mtool("mdir", "-i", image, "::/").stdout.decode())

    def test_running_twice_replaces_the_files(self):
        image = "%s@@%d" % (self.disk, self.offset)
        self.assertEqual(self.run_script(self.disk).returncode, 0)
        free_after_one = self.free_bytes(image)
        # a stale hook from an earlier build: the second run must overwrite it, not keep or add
        stale = os.path.join(self.tmp, "stale")
        with open(stale, "wb") as handle:
            handle.write(b"#!/bin/sh\nexit 1\n")
        self.assertEqual(mtool("mcopy", "-o", "-i", image, stale, "::/curtin/curtin-hooks").returncode, 0)
        self.assertEqual(self.run_script(self.disk).returncode, 0)
        listing = mtool("mdir", "-i", image, "-b", "::/curtin").stdout.decode()
        self.assertEqual(sorted(listing.split()), ["::/curtin/curtin-hooks", "::/curtin/maas-esxi.pyz"])
        with open(HOOK, "rb") as handle:
            self.assertEqual(mtool("mtype", "-i", image, "::/curtin/curtin-hooks").stdout, handle.read())
        self.assertEqual(self.free_bytes(image), free_after_one, "no space lost to a second copy")

    def free_bytes(self, image):
        listing = mtool("mdir", "-i", image, "::/").stdout.decode()
        return int(re.search(r"([\d ]+) bytes free", listing).group(1).replace(" ", ""))

    def test_disk_without_gpt_fails_loudly(self):
        blank = os.path.join(self.tmp, "blank.raw")
        with open(blank, "wb") as handle:
            handle.truncate(8 * 1024 * 1024)
        result = self.run_script(blank)
        self.assertEqual(result.returncode, 1)
        self.assertIn("ERROR: %s has no GPT header" % blank, result.stderr)

    def test_partition_1_without_fat_fails_loudly(self):
        with open(self.disk, "r+b") as handle:
            handle.seek(self.offset)
            handle.write(b"\0" * 512)
        result = self.run_script(self.disk)
        self.assertEqual(result.returncode, 1)
        self.assertIn("holds no FAT file system", result.stderr)

    def test_corrupt_gpt_fails_loudly(self):
        with open(self.disk, "r+b") as handle:
            handle.seek(2 * 512 + 40)
            handle.write(b"\xff\xff")
        result = self.run_script(self.disk)
        self.assertEqual(result.returncode, 1)
        self.assertIn("checksum mismatch", result.stderr)

    def test_missing_disk_fails_loudly(self):
        result = self.run_script(os.path.join(self.tmp, "nope.raw"))
        self.assertEqual(result.returncode, 1)
        self.assertIn("does not exist", result.stderr)


if __name__ == "__main__":
    unittest.main()
