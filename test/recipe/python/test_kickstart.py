"""Kickstart rendering, snippet merging, ESXi password rules, the FAT USB stick."""

import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

from fake_host import RECIPE
import esxi_password
import kickstart

SCRIPT = os.path.join(RECIPE, "scripts", "build_kickstart_usb.py")
GOOD = "xQaTEhb!"


class PasswordRulesTest(unittest.TestCase):
    def test_examples_from_the_esxi_docs(self):
        # "ESXi Passwords" (6.7/7.0/8.0 security guides): allowed and refused examples
        self.assertEqual(esxi_password.password_problems("xQaTEhb!"), [])
        self.assertEqual(esxi_password.password_problems("xQaT3#A"), [])
        self.assertEqual(esxi_password.password_problems("password123!"), [])
        self.assertEqual(len(esxi_password.password_problems("Xqat3hi")), 1)  # leading capital
        self.assertEqual(len(esxi_password.password_problems("xQaTEh2")), 1)  # trailing digit

    def test_length_charset_and_user_name(self):
        self.assertIn("7 to 39", esxi_password.password_problems("aB1!")[0])
        self.assertIn("7 to 39", esxi_password.password_problems("aB1!" * 10)[0])
        self.assertTrue(any("printable ASCII" in p for p in esxi_password.password_problems("xQa TEhb!")))
        self.assertTrue(any("'root'" in p for p in esxi_password.password_problems("Root#12ab")))


class RenderTest(unittest.TestCase):
    def test_version_specific_install_line_and_halt(self):
        ks8 = kickstart.render("8.0", GOOD)
        self.assertIn("rootpw %s\n" % GOOD, ks8)
        self.assertIn("install --firstdisk --overwritevmfs --ignoreprereqwarnings --ignoreprereqerrors "
                      "--forceunsupportedinstall\n", ks8)
        self.assertIn("%post --interpreter=busybox\n", ks8)
        self.assertIn("\nhalt\n", ks8)
        self.assertIn('python "$dir/maas-esxi.pyz" --state-dir "$dir" --log /var/log/maas.log firstboot', ks8)
        self.assertNotIn("@", ks8.replace("administrator@", ""))
        ks67 = kickstart.render("6.7", GOOD)
        self.assertIn("install --firstdisk --overwritevmfs\n", ks67)

    def test_snippet_commands_early_sections_before_halt_firstboot_after_ours(self):
        snippet = ("keyboard 'US Default'\nserialnum --esx=AAAAA-BBBBB-CCCCC-DDDDD-EEEEE\nvmaccepteula\n"
                   "%pre --interpreter=busybox\necho pre\n"
                   "%firstboot --interpreter=busybox\nvim-cmd hostsvc/enable_ssh\n"
                   "%post --interpreter=busybox\necho user-post\n")
        text = kickstart.render("9.0", GOOD, snippet)
        order = [text.index(marker) for marker in (
            "serialnum --esx=", "%pre --interpreter=busybox\necho pre", "echo user-post",
            "\nhalt\n", "maas-esxi.pyz", "vim-cmd hostsvc/enable_ssh")]
        self.assertEqual(order, sorted(order))
        self.assertEqual(text.count("vmaccepteula"), 1)
        self.assertTrue(text.index("serialnum") < text.index("%pre"))

    def test_refused_commands(self):
        for line in ("rootpw other", "install --firstdisk=usb", "network --bootproto=static", "dryrun",
                     "upgrade --firstdisk"):
            with self.assertRaises(kickstart.KickstartError) as ctx:
                kickstart.render("8.0", GOOD, "# mine\n" + line + "\n")
            self.assertIn("line 2", str(ctx.exception))

    def test_placeholders_in_values_are_not_expanded(self):
        text = kickstart.render("8.0", "x@EXTRA_COMMANDS@Y1!", "# see @ROOT_PASSWORD@\n")
        self.assertIn("rootpw x@EXTRA_COMMANDS@Y1!\n", text)
        self.assertIn("# see @ROOT_PASSWORD@\n", text)

    def test_unknown_version(self):
        with self.assertRaises(kickstart.KickstartError):
            kickstart.render("6.5", GOOD)


class UsbImageTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ks-usb-")
        self.image = os.path.join(self.tmp, "usb.img")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def build(self, password, *args):
        env = dict(os.environ)
        env.pop("MAAS_ESXI_ROOT_PASSWORD", None)
        if password is not None:
            env["MAAS_ESXI_ROOT_PASSWORD"] = password
        return subprocess.run([sys.executable, SCRIPT, "--output", self.image] + list(args),
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True)

    def test_builds_mbr_fat32_stick_with_ks_cfg(self):
        extra = os.path.join(self.tmp, "extra.cfg")
        with open(extra, "w") as handle:
            handle.write("%firstboot --interpreter=busybox\nvim-cmd hostsvc/enable_ssh\n")
        result = self.build(GOOD, "--esxi-version", "7.0", "--kickstart-extra", extra)
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(self.image, "rb") as handle:
            mbr = handle.read(512)
            handle.seek(1024 * 1024)
            boot = handle.read(512)
        self.assertEqual(mbr[510:], b"\x55\xaa")
        _, _, ptype, _, start, count = struct.unpack("<B3sB3sII", mbr[446:462])
        self.assertEqual((ptype, start, count), (0x0C, 2048, 64 * 2048 - 2048))
        self.assertEqual(boot[82:90], b"FAT32   ")
        env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
        listing = subprocess.run(["mdir", "-i", self.image + "@@1M", "-b", "::/"], env=env,
                                 stdout=subprocess.PIPE, universal_newlines=True).stdout
        self.assertEqual(listing.split(), ["::/KS.CFG"])
        ks = subprocess.run(["mtype", "-i", self.image + "@@1M", "::/KS.CFG"], env=env,
                            stdout=subprocess.PIPE, universal_newlines=True).stdout
        # What the stick must hold for ESXi 7.0, written out here rather than rendered again:
        # our commands, the 7.0 install line, our %post halt, our %firstboot, then the snippet's.
        self.assertTrue(ks.startswith("# maas-esxi kickstart, rendered by scripts/build_kickstart_usb.py "
                                      "for ESXi 7.0.\n"), ks[:200])
        lines = ks.splitlines()
        for line in ("vmaccepteula", "rootpw " + GOOD, "network --bootproto=dhcp", "halt",
                     "install --firstdisk --overwritevmfs --ignoreprereqwarnings --ignoreprereqerrors "
                     "--forceunsupportedinstall"):
            self.assertEqual(lines.count(line), 1, line)
        order = [ks.index(marker) for marker in (
            "rootpw ", "%post --interpreter=busybox\n", "\nhalt\n",
            '        python "$dir/maas-esxi.pyz" --state-dir "$dir" --log /var/log/maas.log firstboot\n',
            "%firstboot --interpreter=busybox\nvim-cmd hostsvc/enable_ssh\n")]
        self.assertEqual(order, sorted(order))
        self.assertNotIn("@", ks.replace("administrator@", ""), "no placeholder left")
        self.assertNotIn(GOOD, result.stdout + result.stderr)

    def test_weak_password_stops_before_anything_is_written(self):
        result = self.build("Xqat3hi", "--esxi-version", "8.0")
        self.assertEqual(result.returncode, 2)
        self.assertIn("does not meet ESXi's rules", result.stderr)
        self.assertFalse(os.path.exists(self.image))

    def test_default_password_is_announced(self):
        result = self.build(None, "--esxi-version", "8.0")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("MAAS_ESXI_ROOT_PASSWORD is not set", result.stderr)

    def test_refused_snippet_fails_with_its_reason(self):
        extra = os.path.join(self.tmp, "extra.cfg")
        with open(extra, "w") as handle:
            handle.write("rootpw Secret#123x\n")
        result = self.build(GOOD, "--esxi-version", "8.0", "--kickstart-extra", extra)
        self.assertEqual(result.returncode, 1)
        self.assertIn("'rootpw' is not allowed", result.stderr)
        self.assertNotIn("Secret#123x", result.stderr)


if __name__ == "__main__":
    unittest.main()
