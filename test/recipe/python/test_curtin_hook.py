"""The curtin hook in a fake ephemeral environment: sysfs, mountinfo, mount/umount."""

import json
import os
import shutil
import tempfile
import unittest

from fake_host import FakeHost, fixture_json
import curtin_hooks


class CurtinHookTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="curtin-hook-")
        # partition 1 as curtin mounted it, with our files on it
        self.target = os.path.join(self.tmp, "target")
        os.makedirs(os.path.join(self.target, "curtin"))
        for name, data in (("curtin-hooks", b"#!/usr/bin/env python3\n"), ("maas-esxi.pyz", b"PK\x05\x06" + b"\0" * 18)):
            with open(os.path.join(self.target, "curtin", name), "wb") as handle:
                handle.write(data)
        # partition 6 (altbootbank) of the fake disk, as the fake mount sees it
        self.devices = os.path.join(self.tmp, "devices")
        os.makedirs(os.path.join(self.devices, "nvme1n1p6"))
        with open(os.path.join(self.devices, "nvme1n1p6", "boot.cfg"), "w") as handle:
            handle.write("bootstate=3\n")
        self.sysfs = os.path.join(self.tmp, "sys")
        disk = os.path.join(self.sysfs, "devices", "pci0000:00", "nvme", "nvme1", "nvme1n1")
        for number in (1, 5, 6, 7):
            part = os.path.join(disk, "nvme1n1p%d" % number)
            os.makedirs(part)
            with open(os.path.join(part, "partition"), "w") as handle:
                handle.write("%d\n" % number)
        os.makedirs(os.path.join(self.sysfs, "class", "block"))
        for number in (1, 5, 6, 7):
            os.symlink(os.path.join(disk, "nvme1n1p%d" % number),
                       os.path.join(self.sysfs, "class", "block", "nvme1n1p%d" % number))
        self.mountinfo = os.path.join(self.tmp, "mountinfo")
        with open(self.mountinfo, "w") as handle:
            handle.write("22 1 0:21 / / rw,relatime shared:1 - overlay overlay rw\n")
            handle.write("40 22 259:2 / %s rw,relatime shared:20 - vfat /dev/nvme1n1p1 rw,fmask=0022\n"
                         % self.target.replace(" ", "\\040"))
        self.config = os.path.join(self.tmp, "config")
        config = fixture_json("maas", "curtin-v1-full.json")
        with open(self.config, "w") as handle:
            json.dump(config, handle)
        self.env = {"TARGET_MOUNT_POINT": self.target, "CONFIG": self.config}

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def run_hook(self):
        return curtin_hooks.main(self.env, sysfs=self.sysfs, mountinfo=self.mountinfo)

    def test_copies_payload_and_config_to_partition_6_and_cleans_partition_1(self):
        with FakeHost(mount_root=self.devices) as host:
            self.assertEqual(self.run_hook(), 0)
            commands = host.commands()
        mountpoint = commands[1].split()[-1]
        self.assertEqual(commands, ["udevadm settle", "mount -t vfat /dev/nvme1n1p6 " + mountpoint,
                                    "sync", "umount " + mountpoint])
        p6 = os.path.join(self.devices, "nvme1n1p6")
        self.assertEqual(sorted(os.listdir(p6)), ["boot.cfg", "maas"])
        self.assertEqual(sorted(os.listdir(os.path.join(p6, "maas"))), ["curtin.json", "maas-esxi.pyz"])
        with open(os.path.join(p6, "maas", "curtin.json")) as handle:
            saved = json.load(handle)
        self.assertEqual(sorted(saved), ["network", "reporting", "storage"])
        self.assertEqual(saved["reporting"]["maas"]["token_key"], "tKEYtKEYtKEYtKEYtK")
        self.assertFalse(os.path.exists(os.path.join(self.target, "curtin")))
        self.assertFalse(os.path.exists(mountpoint))

    def test_missing_payload_fails_the_deployment(self):
        os.unlink(os.path.join(self.target, "curtin", "maas-esxi.pyz"))
        with FakeHost(mount_root=self.devices) as host:
            self.assertEqual(self.run_hook(), 1)
            self.assertEqual(host.commands(), [])

    def test_disk_without_partition_6_fails(self):
        os.unlink(os.path.join(self.sysfs, "class", "block", "nvme1n1p6"))
        shutil.rmtree(os.path.join(os.path.realpath(os.path.join(self.sysfs, "class", "block", "nvme1n1p1")),
                                   "..", "nvme1n1p6"))
        with FakeHost(mount_root=self.devices):
            self.assertEqual(self.run_hook(), 1)
        self.assertTrue(os.path.exists(os.path.join(self.target, "curtin", "maas-esxi.pyz")))

    def test_failed_mount_fails_and_keeps_partition_1(self):
        shutil.rmtree(os.path.join(self.devices, "nvme1n1p6"))
        with FakeHost(mount_root=self.devices) as host:
            self.assertEqual(self.run_hook(), 1)
            mountpoint = host.commands()[1].split()[-1]
        self.assertTrue(os.path.exists(os.path.join(self.target, "curtin")))
        self.assertFalse(os.path.exists(mountpoint))

    def test_outside_curtin_it_refuses(self):
        self.assertEqual(curtin_hooks.main({}, sysfs=self.sysfs, mountinfo=self.mountinfo), 1)

    def test_sibling_partition_for_sata_names(self):
        disk = os.path.join(self.sysfs, "devices", "ata1", "sda")
        for number in (1, 6):
            os.makedirs(os.path.join(disk, "sda%d" % number))
            with open(os.path.join(disk, "sda%d" % number, "partition"), "w") as handle:
                handle.write(str(number))
            os.symlink(os.path.join(disk, "sda%d" % number), os.path.join(self.sysfs, "class", "block", "sda%d" % number))
        self.assertEqual(curtin_hooks.sibling_partition("/dev/sda1", 6, self.sysfs), "/dev/sda6")


if __name__ == "__main__":
    unittest.main()
