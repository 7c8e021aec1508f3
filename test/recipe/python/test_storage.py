"""datastore1 on MAAS's boot disk, against recorded partedUtil/vmkfstools/esxcli."""

import unittest

from fake_host import FakeHost, fixture_json, fixture_text
from maas_esxi.boot_disk import grub_disk, match_disk, t10_has_serial, t10_serial_token
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
        with FakeHost(sata_responses()) as host, self.assertLogs("maas-esxi", "INFO") as logs:
            problems = apply_storage(fixture_json("maas", "storage-sata.json"), CommandRunner())
            self.assertEqual(problems, [])
            self.assertIn("storage: datastore1 created: VMFS6 on partition 8 of %s, sectors 67108864-%d, "
                          "433.8 GiB (465748106752 bytes)" % (SATA_BOOT_PATH, LAST_USABLE_500GB),
                          "\n".join(logs.output))
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
        with FakeHost(responses) as host, self.assertLogs("maas-esxi", "INFO") as logs:
            self.assertEqual(apply_storage(fixture_json("maas", "storage-sata.json"), CommandRunner()), [])
            # the log states the action and the size
            self.assertIn("storage: datastore1 grown: partition 3 of %s now 458.4 GiB (492185853440 bytes) "
                          "(was 32.6 GiB (35026632704 bytes))" % SATA_BOOT_PATH, "\n".join(logs.output))
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

    def test_unmatched_maas_serial_touches_nothing(self):
        # MAAS named its disk: not finding it is a problem, not a reason to guess
        storage = fixture_json("maas", "storage-sata.json")
        storage["config"][1]["serial"] = "NOT-ON-THIS-HOST"
        with FakeHost(sata_responses()) as host:
            problems = apply_storage(storage, CommandRunner())
            self.assertEqual(len(problems), 1)
            self.assertIn("serial NOT-ON-THIS-HOST", problems[0])
            self.assertIn("matches no ESXi device", problems[0])
            self.assertFalse(any(c.startswith("partedUtil") for c in host.commands()))

    def test_no_identifier_from_maas_falls_back_to_the_booted_disk_and_says_so(self):
        storage = fixture_json("maas", "storage-sata.json")
        for key in ("serial", "model"):
            del storage["config"][1][key]
        storage["config"][1]["path"] = "/dev/disk/by-path/pci-0000:00:17.0-ata-2"
        with FakeHost(sata_responses()) as host, self.assertLogs("maas-esxi", "WARNING") as logs:
            self.assertEqual(apply_storage(storage, CommandRunner()), [])
            self.assertIn("partedUtil fixGpt " + SATA_BOOT_PATH, host.commands())
        self.assertIn("MAAS gave no serial or WWN; using the disk ESXi booted from", "\n".join(logs.output))


SAMSUNG_LEFT = "t10.ATA_____SAMSUNG_MZ7L3480HCHQ2D00A07______________S6KNNE0W509876______"
INTEL_LEFT = "t10.ATA_____INTEL_SSDSC2KB480G8_____________________PHYF912200ZK480BGN__"
SAS_BOOT = "naa.5000c500d5c3a1b7"
NVME_EUI_BOOT = "eui.e8238fa6bf530001001b448b49a6e1b2"


def one_disk_storage(**disk):
    entry = {"id": "sda", "type": "disk", "name": "sda", "ptable": "gpt", "grub_device": True}
    entry.update(disk)
    return {"version": 1, "config": [entry]}


def responses_for(device_list, bootbank, boot_device):
    path = "/vmfs/devices/disks/" + boot_device
    answers = sata_responses()
    answers.update({
        "esxcli --formatter=csv storage core device list": fixture_text("esxi", device_list),
        "vmkfstools -P /bootbank": fixture_text("esxi", bootbank),
        "partedUtil getptbl " + path: fixture_text("esxi", "getptbl-esxi8.txt"),
        "partedUtil getUsableSectors " + path: "34 %d\n" % LAST_USABLE_500GB,
    })
    return answers


class SerialMatchingTest(unittest.TestCase):
    """Real-world ESXi names of each kind, matched to MAAS's serial/model/wwn."""

    def test_left_justified_ata_serial_is_matched_even_without_the_bootbank_cross_check(self):
        responses = responses_for("core-device-list-sata-left.csv", "vmkfstools-P-bootbank-sata-left.txt",
                                  SAMSUNG_LEFT)
        responses["vmkfstools -P /bootbank"] = {"rc": 1, "stderr": "Error: No such file or directory\n"}
        storage = one_disk_storage(model="SAMSUNG MZ7L3480HCHQ-00A07", serial="S6KNNE0W509876")
        with FakeHost(responses) as host:
            self.assertEqual(apply_storage(storage, CommandRunner()), [])
            self.assertIn("vmkfstools -C vmfs6 -S datastore1 /vmfs/devices/disks/%s:8" % SAMSUNG_LEFT,
                          host.commands())

    def test_t10_names_of_each_justification(self):
        cases = [
            (SAMSUNG_LEFT, "S6KNNE0W509876", "SAMSUNG MZ7L3480HCHQ-00A07", True),
            (INTEL_LEFT, "PHYF912200ZK480BGN", "INTEL SSDSC2KB480G8", True),
            (SATA_BOOT, "WD-WXH109031153", "WDC WD2500BEVT-75ZCT2", True),
            ("t10.ATA_____ST3000VN0002D1H4167__________________________________W300H4CK",
             "W300H4CK", "ST3000VN000-1H4167", True),
            # a suffix of the serial is not the serial
            (SAMSUNG_LEFT, "W509876", "", False),
            (SATA_BOOT, "109031153", "", False),
            # 40-char model and 20-char serial leave no padding between them
            ("t10.ATA_____" + "M" * 40 + "S" * 20, "S" * 20, "M" * 40, True),
            ("t10.NVMe____SAMSUNG_MZVL2512HCJQ2D00B07_________________1B5A0F32E6493600",
             "S63CNX0TC10818", "SAMSUNG MZVL2512HCJQ-00B07", False),
        ]
        for device, serial, model, expected in cases:
            self.assertEqual(t10_has_serial(device, serial, model), expected, (device, serial))

    def test_sas_disk_matched_by_wwn_from_maas_by_id_path(self):
        responses = responses_for("core-device-list-sas.csv", "vmkfstools-P-bootbank-sas.txt", SAS_BOOT)
        # no /bootbank answer: the disk must be found by its WWN, not by where ESXi booted from
        responses["vmkfstools -P /bootbank"] = {"rc": 1, "stderr": "Error: No such file or directory\n"}
        storage = one_disk_storage(path="/dev/disk/by-id/wwn-0x5000c500d5c3a1b7")
        with FakeHost(responses) as host:
            self.assertEqual(apply_storage(storage, CommandRunner()), [])
            self.assertIn("partedUtil fixGpt /vmfs/devices/disks/" + SAS_BOOT, host.commands())
        self.assertEqual(match_disk({"wwn": "0x5000C500D5C3A1B7"}, [SAS_BOOT, "naa.5000c500d5c3a2c8"], {}),
                         [SAS_BOOT])

    def test_sas_serial_esxi_cannot_show_uses_the_booted_disk_and_says_why(self):
        responses = responses_for("core-device-list-sas.csv", "vmkfstools-P-bootbank-sas.txt", SAS_BOOT)
        storage = one_disk_storage(model="ST600MM0009", serial="W0M1ABCD")
        with FakeHost(responses) as host, self.assertLogs("maas-esxi", "WARNING") as logs:
            self.assertEqual(apply_storage(storage, CommandRunner()), [])
            self.assertIn("partedUtil fixGpt /vmfs/devices/disks/" + SAS_BOOT, host.commands())
        self.assertIn("by WWN only", "\n".join(logs.output))

    def test_nvme_eui_name_matched_by_maas_nvme_eui_path(self):
        responses = responses_for("core-device-list-nvme-eui.csv", "vmkfstools-P-bootbank-nvme-eui.txt",
                                  NVME_EUI_BOOT)
        responses["vmkfstools -P /bootbank"] = {"rc": 1, "stderr": "Error: No such file or directory\n"}
        storage = one_disk_storage(path="/dev/disk/by-id/nvme-eui.e8238fa6bf530001001b448b49a6e1b2")
        with FakeHost(responses) as host:
            self.assertEqual(apply_storage(storage, CommandRunner()), [])
            self.assertIn("partedUtil fixGpt /vmfs/devices/disks/" + NVME_EUI_BOOT, host.commands())


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
