"""datastore1 on MAAS's boot disk, against recorded partedUtil/vmkfstools/esxcli."""

import unittest

from fake_host import FakeHost, fixture_json, fixture_text
from maas_esxi.boot_disk import grub_disk, t10_serial_token
from maas_esxi.commands import CommandRunner
from maas_esxi.datastore import apply_storage, parse_getptbl

SATA_BOOT = "t10.ATA_____WDC_WD2500BEVT2D75ZCT2________________________WD2DWXH109031153"
SATA_BOOT_PATH = "/vmfs/devices/disks/" + SATA_BOOT
NVME_BOOT = "t10.NVMe____SAMSUNG_MZVL2512HCJQ2D00B07_________________1B5A0F32E6493600"
NVME_BOOT_PATH = "/vmfs/devices/disks/" + NVME_BOOT
LAST_USABLE_500GB = 976773134


def sata_responses(ptable="getptbl-esxi8.txt", extents="vmfs-extent-list-empty.csv",
                   version="VMware ESXi 8.0.2 build-22380479\n"):
    return {
        "esxcli --formatter=csv storage core device list": fixture_text("esxi", "core-device-list-sata.csv"),
        "vmkfstools -P /bootbank": fixture_text("esxi", "vmkfstools-P-bootbank-sata.txt"),
        "esxcli --formatter=csv nvme device list": {"rc": 1, "stderr": "no NVMe\n"},
        "esxcli --formatter=csv nvme adapter list": {"rc": 1, "stderr": "Unknown command\n"},
        "partedUtil getptbl " + SATA_BOOT_PATH: fixture_text("esxi", ptable),
        "partedUtil getUsableSectors " + SATA_BOOT_PATH: "34 %d\n" % LAST_USABLE_500GB,
        "esxcli --formatter=csv storage vmfs extent list": fixture_text("esxi", extents),
        "esxcli --formatter=csv storage filesystem list": fixture_text("esxi", "filesystem-list.csv"),
        "vmware -v": version,
    }


def nvme_responses():
    return {
        "esxcli --formatter=csv storage core device list": fixture_text("esxi", "core-device-list-nvme.csv"),
        "vmkfstools -P /bootbank": fixture_text("esxi", "vmkfstools-P-bootbank-nvme.txt"),
        "esxcli --formatter=csv nvme device list": fixture_text("esxi", "nvme-device-list.csv"),
        "esxcli --formatter=csv nvme device get --adapter=vmhba1": fixture_text("esxi", "nvme-device-get-vmhba1.csv"),
        "esxcli --formatter=csv nvme device get --adapter=vmhba2": fixture_text("esxi", "nvme-device-get-vmhba2.csv"),
        "esxcli --formatter=csv storage core path list": fixture_text("esxi", "core-path-list-nvme.csv"),
        "partedUtil getptbl " + NVME_BOOT_PATH: fixture_text("esxi", "getptbl-esxi8.txt"),
        "partedUtil getUsableSectors " + NVME_BOOT_PATH: "34 %d\n" % LAST_USABLE_500GB,
        "esxcli --formatter=csv storage vmfs extent list": fixture_text("esxi", "vmfs-extent-list-empty.csv"),
        "esxcli --formatter=csv storage filesystem list": fixture_text("esxi", "filesystem-list.csv"),
        "vmware -v": "VMware ESXi 8.0.3 build-24022510\n",
    }


class CreateDatastoreTest(unittest.TestCase):
    def test_esxi8_image_without_datastore_gets_partition_8_to_the_disk_end(self):
        with FakeHost(sata_responses()) as host:
            problems = apply_storage(fixture_json("maas", "storage-sata.json"), CommandRunner())
            self.assertEqual(problems, [])
            self.assertEqual(host.commands(), [
                "esxcli --formatter=csv storage core device list",
                "vmkfstools -P /bootbank",
                "esxcli --formatter=csv nvme device list",
                "esxcli --formatter=csv nvme adapter list",
                # backup GPT moved to the disk's end before anything else (docs/esxi-first-boot.md)
                "partedUtil fixGpt " + SATA_BOOT_PATH,
                "partedUtil getptbl " + SATA_BOOT_PATH,
                "partedUtil getUsableSectors " + SATA_BOOT_PATH,
                "esxcli --formatter=csv storage vmfs extent list",
                "vmware -v",
                "esxcli --formatter=csv storage filesystem list",
                # after OSDATA (ends 67108830), 1 MiB aligned, to the last usable sector
                "partedUtil add %s gpt 8 67108864 %d AA31E02A400F11DB9590000C2911D1B8 0"
                % (SATA_BOOT_PATH, LAST_USABLE_500GB),
                "vmkfstools -C vmfs6 -S datastore1 %s:8" % SATA_BOOT_PATH,
            ])
            fix = [c for c in host.calls() if c["argv"][:2] == ["partedUtil", "fixGpt"]][0]
            self.assertTrue(fix["stdin"].startswith("Y\nFix\n"))

    def test_nvme_boot_disk_is_matched_by_controller_serial_not_position(self):
        with FakeHost(nvme_responses()) as host:
            problems = apply_storage(fixture_json("maas", "storage-nvme.json"), CommandRunner())
            self.assertEqual(problems, [])
            mutations = [c for c in host.commands() if c.startswith(("partedUtil fixGpt", "partedUtil add", "vmkfstools -C"))]
            self.assertEqual(mutations, [
                "partedUtil fixGpt " + NVME_BOOT_PATH,
                "partedUtil add %s gpt 8 67108864 %d AA31E02A400F11DB9590000C2911D1B8 0"
                % (NVME_BOOT_PATH, LAST_USABLE_500GB),
                "vmkfstools -C vmfs6 -S datastore1 %s:8" % NVME_BOOT_PATH,
            ])

    def test_existing_datastore1_elsewhere_gets_a_distinct_name(self):
        responses = sata_responses()
        responses["esxcli --formatter=csv storage filesystem list"] = (
            fixture_text("esxi", "filesystem-list.csv") +
            "1000,true,/vmfs/volumes/abc,2000,VMFS-6,abc,datastore1,\n")
        with FakeHost(responses) as host:
            self.assertEqual(apply_storage(fixture_json("maas", "storage-sata.json"), CommandRunner()), [])
            self.assertEqual(host.commands()[-1],
                             "vmkfstools -C vmfs6 -S datastore1 (1) %s:8" % SATA_BOOT_PATH)

    def test_disk_no_bigger_than_the_image_gets_no_datastore(self):
        responses = sata_responses()
        responses["partedUtil getUsableSectors " + SATA_BOOT_PATH] = "34 67108830\n"
        with FakeHost(responses) as host:
            self.assertEqual(apply_storage(fixture_json("maas", "storage-sata.json"), CommandRunner()), [])
            self.assertFalse(any(c.startswith(("partedUtil add", "vmkfstools -C")) for c in host.commands()))


class GrowDatastoreTest(unittest.TestCase):
    def test_esxi67_datastore1_on_partition_3_is_grown(self):
        responses = sata_responses("getptbl-esxi67.txt", "vmfs-extent-list-esxi67.csv",
                                   "VMware ESXi 6.7.0 build-8169922\n")
        with FakeHost(responses) as host:
            self.assertEqual(apply_storage(fixture_json("maas", "storage-sata.json"), CommandRunner()), [])
            self.assertEqual(host.commands()[-3:], [
                "esxcli --formatter=csv storage vmfs extent list",
                "partedUtil resize %s 3 15472640 %d" % (SATA_BOOT_PATH, LAST_USABLE_500GB),
                "vmkfstools --growfs %s:3 %s:3" % (SATA_BOOT_PATH, SATA_BOOT_PATH),
            ])


class SafetyTest(unittest.TestCase):
    def test_maas_disk_differing_from_esxi_boot_disk_touches_nothing(self):
        storage = fixture_json("maas", "storage-sata.json")
        storage["config"][0]["grub_device"] = True  # sda: not the disk ESXi booted from
        del storage["config"][1]["grub_device"]
        with FakeHost(sata_responses()) as host:
            problems = apply_storage(storage, CommandRunner())
            self.assertEqual(len(problems), 1)
            self.assertIn("ESXi booted from %s" % SATA_BOOT, problems[0])
            self.assertFalse(any(c.startswith(("partedUtil", "vmkfstools -C", "vmkfstools --growfs"))
                                 for c in host.commands()))

    def test_unmatched_maas_serial_falls_back_to_the_disk_esxi_booted_from(self):
        storage = fixture_json("maas", "storage-sata.json")
        storage["config"][1]["serial"] = "NOT-ON-THIS-HOST"
        with FakeHost(sata_responses()) as host:
            self.assertEqual(apply_storage(storage, CommandRunner()), [])
            self.assertIn("partedUtil fixGpt " + SATA_BOOT_PATH, host.commands())


class HelpersTest(unittest.TestCase):
    def test_t10_serial_encoding(self):
        self.assertEqual(t10_serial_token("WD-WXH109031153"), "WD2DWXH109031153")
        self.assertEqual(t10_serial_token("AB CD"), "AB_CD")

    def test_grub_device_on_a_partition_names_its_disk(self):
        storage = {"config": [{"id": "sda", "type": "disk"},
                              {"id": "sda-part1", "type": "partition", "device": "sda", "grub_device": True}]}
        self.assertEqual(grub_disk(storage)["id"], "sda")

    def test_getptbl_parse(self):
        entries = parse_getptbl(fixture_text("esxi", "getptbl-esxi8.txt"))
        self.assertEqual([e.number for e in entries], [1, 5, 6, 7])
        self.assertEqual(entries[-1].end, 67108830)
        self.assertEqual(entries[-1].type_name, "vmfsl")


if __name__ == "__main__":
    unittest.main()
