"""A refused part of MAAS's network config costs only that part (and its dependants).

The management path -- the interface MAAS gave the default gateway, its NIC or bond members --
is applied exactly as MAAS configured it whenever it can be; only when it cannot (its NIC is
missing, its uplink taken, its MTU impossible) does the host fall back to vmk0 with DHCP on the
boot NIC (docs/esxi-first-boot.md section 4). Each case runs the whole apply against the
stateful fake esxcli and checks what the host is left with; the expected states are written out
by hand from MAAS's config, not computed by the payload's code.
"""

import copy
import unittest

from esxi_state import HOST_NICS
from fake_esxi_network import image_state
from fake_host import FakeHost
from maas_esxi.commands import CommandRunner
from maas_esxi.network_apply import apply_network
from maas_esxi.network_config import parse_network_config
from maas_esxi.network_plan import plan_network

RACK = "10.20.0.2"
ENO1_MAC, ENO2_MAC, ENO3_MAC, ENO4_MAC = (mac for _, mac in HOST_NICS)
ABSENT_MAC = "3c:fd:fe:a0:00:99"

# The management path of every case: eno1 static with the default gateway, DNS and search domain.
MANAGEMENT = {"id": "eno1", "type": "physical", "name": "eno1", "mac_address": ENO1_MAC, "mtu": 1500,
              "subnets": [{"type": "static", "address": "10.20.0.28/24", "gateway": "10.20.0.1",
                           "dns_nameservers": ["10.20.0.2"], "dns_search": ["maas"]}]}
NAMESERVER = {"type": "nameserver", "address": ["10.20.0.2"], "search": ["maas"]}


def nic(name, mac, subnets=None, mtu=1500):
    return {"id": name, "type": "physical", "name": name, "mac_address": mac, "mtu": mtu,
            "subnets": subnets or [{"type": "manual"}]}


def static(address):
    return [{"type": "static", "address": address}]


def vlan(name, parent, vlan_id, address, mtu=1500):
    return {"id": name, "type": "vlan", "name": name, "vlan_link": parent, "vlan_id": vlan_id,
            "mtu": mtu, "subnets": static(address)}


def config(*entries):
    return {"version": 1, "config": [copy.deepcopy(e) for e in entries]}


# The example: bond0 in balance-xor (no ESXi teaming equivalent) with VLAN bond0.300.
XOR_BOND = config(
    MANAGEMENT, nic("eno2", ENO2_MAC), nic("eno3", ENO3_MAC),
    {"id": "bond0", "type": "bond", "name": "bond0", "mac_address": ENO2_MAC, "mtu": 1500,
     "bond_interfaces": ["eno2", "eno3"], "params": {"bond-mode": "balance-xor"},
     "subnets": static("10.40.0.28/24")},
    vlan("bond0.300", "bond0", 300, "10.30.0.28/24"), NAMESERVER)
BRIDGE = config(
    MANAGEMENT, nic("eno2", ENO2_MAC),
    {"id": "br0", "type": "bridge", "name": "br0", "mac_address": ENO2_MAC, "mtu": 1500,
     "bridge_interfaces": ["eno2"], "subnets": static("10.50.0.28/24")},
    NAMESERVER)
MISSING_DATA_NIC = config(
    MANAGEMENT, nic("eno2", ABSENT_MAC, static("10.60.0.28/24")),
    nic("eno4", ENO4_MAC, static("10.70.0.28/24")), NAMESERVER)
# eno2's MTU is one no standard vSwitch takes: eno2 is refused, and with it its VLAN.
VLAN_ON_REFUSED_PARENT = config(
    MANAGEMENT, nic("eno2", ENO2_MAC, static("10.60.0.28/24"), mtu=9216),
    vlan("eno2.400", "eno2", 400, "10.40.0.28/24"), NAMESERVER)

MISSING_MANAGEMENT_NIC = config(
    dict(MANAGEMENT, mac_address=ABSENT_MAC), nic("eno4", ENO4_MAC, static("10.70.0.28/24")), NAMESERVER)
# A data NIC listed first with eno1's MAC claims vmnic0 before the management interface can.
TAKEN_MANAGEMENT_UPLINK = config(
    nic("eno9", ENO1_MAC, static("10.90.0.28/24")), MANAGEMENT, NAMESERVER)
IMPOSSIBLE_MANAGEMENT_MTU = config(dict(MANAGEMENT, mtu=9216), NAMESERVER)
# An entry that cannot be read costs only itself -- unless it may carry the management network.
MALFORMED_DATA_VLAN = config(
    MANAGEMENT, nic("eno2", ENO2_MAC, static("10.60.0.28/24")),
    dict(vlan("eno2.400", "eno2", 400, "10.40.0.28/24"), vlan_id="four hundred"), NAMESERVER)
MALFORMED_MANAGEMENT = config(
    dict(MANAGEMENT, subnets=[{"type": "static", "gateway": "10.20.0.1"}]),  # no address
    nic("eno4", ENO4_MAC, static("10.70.0.28/24")), NAMESERVER)

MANAGEMENT_APPLIED = {
    "vmk0": {"portgroup": "eno1", "vswitch": "vSwitch0", "uplinks": ["vmnic0"], "mac": ENO1_MAC,
             "ipv4": "static", "ipv4_address": "10.20.0.28", "tags": ["Management"]},
}
FALLBACK = {
    "vmk0": {"portgroup": "Management Network", "vswitch": "vSwitch0", "uplinks": ["vmnic0"],
             "mac": ENO1_MAC, "ipv4": "dhcp", "ipv4_address": None, "tags": ["Management"]},
}

# name, config, the vmks the host is left with, the routes, DNS servers, search domains, the
# parts named as skipped (parents before their VLANs) -- or None when the management path falls back.
CASES = [
    ("unsupported bond mode on data NICs", XOR_BOND, MANAGEMENT_APPLIED,
     [["ipv4", "default", "10.20.0.1"]], ["10.20.0.2"], ["maas"], ["bond0", "bond0.300"]),
    ("bridge on a data NIC", BRIDGE, MANAGEMENT_APPLIED,
     [["ipv4", "default", "10.20.0.1"]], ["10.20.0.2"], ["maas"], ["br0"]),
    ("missing data NIC", MISSING_DATA_NIC, dict(MANAGEMENT_APPLIED, vmk1={
        "portgroup": "eno4", "vswitch": "vSwitch1", "uplinks": ["vmnic3"], "mac": ENO4_MAC,
        "ipv4": "static", "ipv4_address": "10.70.0.28", "tags": []}),
     [["ipv4", "default", "10.20.0.1"]], ["10.20.0.2"], ["maas"], ["eno2"]),
    ("VLAN on a refused parent", VLAN_ON_REFUSED_PARENT, MANAGEMENT_APPLIED,
     [["ipv4", "default", "10.20.0.1"]], ["10.20.0.2"], ["maas"], ["eno2", "eno2.400"]),
    ("malformed data VLAN", MALFORMED_DATA_VLAN, dict(MANAGEMENT_APPLIED, vmk1={
        "portgroup": "eno2", "vswitch": "vSwitch1", "uplinks": ["vmnic1"], "mac": ENO2_MAC,
        "ipv4": "static", "ipv4_address": "10.60.0.28", "tags": []}),
     [["ipv4", "default", "10.20.0.1"]], ["10.20.0.2"], ["maas"], ["eno2.400"]),
    ("missing management NIC", MISSING_MANAGEMENT_NIC, FALLBACK, [], [], [], None),
    # eno1 asked for the gateway: it stays MAAS's boot NIC for the fallback, not eno4
    ("malformed management entry", MALFORMED_MANAGEMENT, FALLBACK, [], [], [], None),
    ("taken management uplink", TAKEN_MANAGEMENT_UPLINK, FALLBACK, [], [], [], None),
    ("impossible management MTU", IMPOSSIBLE_MANAGEMENT_MTU, FALLBACK, [], [], [], None),
]


def host_vmks(state):
    """Each vmk with where it sits, as an operator would read it off the host."""
    found = {}
    for vmk in state["vmks"]:
        group = [pg for pg in state["portgroups"] if pg["name"] == vmk["portgroup"]][0]
        switch = [s for s in state["vswitches"] if s["name"] == group["vswitch"]][0]
        found[vmk["name"]] = {"portgroup": vmk["portgroup"], "vswitch": switch["name"],
                              "uplinks": switch["uplinks"], "mac": vmk["mac"], "ipv4": vmk["ipv4"],
                              "ipv4_address": vmk["ipv4_address"], "tags": vmk["tags"]}
    return found


class RefusedPartTableTest(unittest.TestCase):
    def run_case(self, network):
        with FakeHost(network=image_state(HOST_NICS)) as host:
            problems = apply_network(network, CommandRunner(), RACK)
            return problems, host.network()

    def test_each_case_leaves_the_host_as_maas_configured_it_minus_the_refused_parts(self):
        for name, network, vmks, routes, dns, search, skipped in CASES:
            with self.subTest(case=name):
                problems, state = self.run_case(network)
                self.assertEqual(host_vmks(state), vmks)
                used = [uplink for s in state["vswitches"] for uplink in s["uplinks"]]
                wanted = sorted(uplink for vmk in vmks.values() for uplink in vmk["uplinks"])
                self.assertEqual(sorted(used), wanted, "no vSwitch or uplink of a refused part")
                self.assertEqual(state["routes"], routes)
                self.assertEqual(state["dns_servers"], dns)
                self.assertEqual(state["dns_search"], search)
                if skipped is None:
                    kept = "management network kept: vmk0 with DHCP on %s" % vmks["vmk0"]["uplinks"][0]
                    self.assertTrue(any(p.startswith(kept) for p in problems), problems)
                    continue
                # the summary comes first, so the verdict's one line lists what was skipped
                self.assertTrue(problems[0].startswith("skipped %s;" % ", ".join(skipped)), problems)
                for part in skipped:
                    self.assertTrue(any(p.startswith(part + ": ") for p in problems[1:]),
                                    "a problem (a FAIL event) names %s: %r" % (part, problems))
                self.assertEqual(len(problems), 1 + len(skipped), problems)
                self.assertFalse(any("management network kept" in p for p in problems), problems)

    def test_refused_bond_explains_why_and_its_vlan_names_the_parent(self):
        problems, _ = self.run_case(XOR_BOND)
        self.assertIn("bond0: bond mode 'balance-xor' is refused: ESXi NIC teaming supports "
                      "balance-rr (portid), active-backup (explicit) and 802.3ad (iphash) only; "
                      "bond skipped", problems)
        self.assertIn("bond0.300: its parent bond0 is skipped; VLAN skipped", problems)

    def test_fallback_names_the_management_interface_and_why(self):
        expected = {
            "missing management NIC": "eno1: no NIC on this host has MAC address 3c:fd:fe:a0:00:99",
            "taken management uplink": "eno1: uplink vmnic0 is already wanted by eno9",
            "impossible management MTU": "eno1: MTU 9216 is outside what an ESXi standard vSwitch "
                                         "takes (1280-9000)",
            "malformed management entry": "eno1: MAAS's entry for it cannot be read (KeyError: "
                                          "'address'); skipped",
        }
        for name, network, _, _, _, _, skipped in CASES:
            if skipped is not None:
                continue
            with self.subTest(case=name):
                problems, _ = self.run_case(network)
                self.assertIn(expected[name], problems)
                self.assertIn("eno1 carries MAAS's management network and cannot be applied: "
                              "none of MAAS's network config is applied", problems)
        problems, _ = self.run_case(MALFORMED_MANAGEMENT)
        self.assertIn("management network kept: vmk0 with DHCP on vmnic0 (MAAS's boot interface "
                      "3c:fd:fe:a0:00:01)", problems, "eno1's own MAC, read from its malformed entry")



class RefusalOrderTest(unittest.TestCase):
    """Parents are decided before their VLANs, and every refusal starts with the part's name."""

    NICS = dict((mac, name) for name, mac in HOST_NICS)

    def refused(self, network):
        plan = plan_network(parse_network_config(network), self.NICS)
        self.assertIsNone(plan.fallback)
        return list(plan.refused.values())

    def test_bond_with_a_member_missing_is_refused_whole_with_its_vlan(self):
        network = copy.deepcopy(XOR_BOND)
        network["config"][2]["mac_address"] = ABSENT_MAC  # eno3
        network["config"][3]["params"]["bond-mode"] = "active-backup"
        self.assertEqual(self.refused(network), [
            "bond0: its member eno3 has MAC address 3c:fd:fe:a0:00:99, which no NIC on this host "
            "has; bond skipped",
            "bond0.300: its parent bond0 is skipped; VLAN skipped",
        ])

    def test_vlan_on_a_bridge_is_refused_after_the_bridge(self):
        network = config(MANAGEMENT, nic("eno2", ENO2_MAC),
                         {"id": "br0", "type": "bridge", "name": "br0", "bridge_interfaces": ["eno2"],
                          "subnets": static("10.50.0.28/24")},
                         vlan("br0.5", "br0", 5, "10.55.0.28/24"), NAMESERVER)
        self.assertEqual(self.refused(network), [
            "br0: bridges are not supported by ESXi; bridge skipped (its members stay unconfigured)",
            "br0.5: its parent br0 is skipped; VLAN skipped",
        ])

    def test_malformed_v2_entry_is_refused_with_its_dns(self):
        network = {"version": 2, "ethernets": {
            "eno1": {"match": {"macaddress": ENO1_MAC}, "addresses": ["10.20.0.28/24"],
                     "gateway4": "10.20.0.1", "nameservers": {"addresses": ["10.20.0.2"]}},
            "eno2": {"match": {"macaddress": ENO2_MAC}, "addresses": ["10.60.0.28/24"],
                     "gateway6": "not-an-address", "nameservers": {"addresses": ["10.60.0.2"]}}}}
        plan = plan_network(parse_network_config(network), self.NICS)
        self.assertEqual(list(plan.refused), ["eno2"])
        self.assertTrue(plan.refused["eno2"].startswith("eno2: MAAS's entry for it cannot be read "
                                                        "(ValueError: "), plan.refused)
        self.assertIsNone(plan.fallback)  # eno1, first with the IPv4 gateway, is the management path
        lines = [" ".join(argv) for argv in plan.commands]
        self.assertIn("esxcli network ip dns server add --server=10.20.0.2", lines)
        self.assertFalse(any("10.60.0" in line or "vmnic1" in line for line in lines), lines)

    def test_vlan_mtu_above_its_parents_is_refused(self):
        network = config(MANAGEMENT, vlan("eno1.7", "eno1", 7, "10.7.0.28/24", mtu=9000), NAMESERVER)
        self.assertEqual(self.refused(network), [
            "eno1.7: MTU 9000 is outside what its parent eno1's vSwitch takes (1280-1500)"])


if __name__ == "__main__":
    unittest.main()
