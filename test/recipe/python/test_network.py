"""Network config -> esxcli, run against recorded fake esxcli (docs/esxi-first-boot.md)."""

import copy
import unittest

from esxi_state import CLEANUP, HOST_NICS, IMAGE_VMK0_MAC, responses
from fake_esxi_network import image_state
from fake_host import FakeHost, fixture_json
from maas_esxi.commands import CommandRunner
from maas_esxi.network_apply import apply_network
from maas_esxi.network_config import NetworkConfigError, parse_network_config
from maas_esxi.network_plan import plan_network

NICS = {"3c:fd:fe:a0:00:01": "vmnic0", "3c:fd:fe:a0:00:02": "vmnic1",
        "3c:fd:fe:a0:00:03": "vmnic2", "3c:fd:fe:a0:00:04": "vmnic3"}

FULL_PLAN = [
    # eno1: vSwitch0; vmk0 = first IPv4 + the IPv6 address (dual stack), vmk1 = the alias
    "esxcli network vswitch standard add --vswitch-name=vSwitch0",
    "esxcli network vswitch standard set --vswitch-name=vSwitch0 --mtu=1500",
    "esxcli network vswitch standard uplink add --uplink-name=vmnic0 --vswitch-name=vSwitch0",
    "esxcli network vswitch standard portgroup add --portgroup-name=eno1 --vswitch-name=vSwitch0",
    "esxcli network ip interface add --interface-name=vmk0 --portgroup-name=eno1 --mtu=1500 --mac-address=3c:fd:fe:a0:00:01",
    "esxcli network ip interface ipv4 set --interface-name=vmk0 --type=static --ipv4=10.20.0.21 --netmask=255.255.255.0",
    "esxcli network ip interface ipv6 address add --interface-name=vmk0 --ipv6=2001:db8:20::21/64",
    "esxcli network vswitch standard portgroup add --portgroup-name=eno1:1 --vswitch-name=vSwitch0",
    "esxcli network ip interface add --interface-name=vmk1 --portgroup-name=eno1:1 --mtu=1500",
    "esxcli network ip interface ipv4 set --interface-name=vmk1 --type=static --ipv4=10.20.0.22 --netmask=255.255.255.0",
    # bond0 (active-backup, primary = eno3 whose MAC the bond carries): vSwitch1, explicit failover
    "esxcli network vswitch standard add --vswitch-name=vSwitch1",
    "esxcli network vswitch standard set --vswitch-name=vSwitch1 --mtu=9000",
    "esxcli network vswitch standard uplink add --uplink-name=vmnic2 --vswitch-name=vSwitch1",
    "esxcli network vswitch standard uplink add --uplink-name=vmnic1 --vswitch-name=vSwitch1",
    "esxcli network vswitch standard policy failover set --vswitch-name=vSwitch1 --active-uplinks=vmnic2 --standby-uplinks=vmnic1 --load-balancing=explicit",
    # bond0 itself is unconfigured: a port group without vmk, free for VMs
    "esxcli network vswitch standard portgroup add --portgroup-name=bond0 --vswitch-name=vSwitch1",
    # VLANs on the bond's vSwitch
    "esxcli network vswitch standard portgroup add --portgroup-name=bond0.100 --vswitch-name=vSwitch1",
    "esxcli network vswitch standard portgroup set --portgroup-name=bond0.100 --vlan-id=100",
    "esxcli network ip interface add --interface-name=vmk2 --portgroup-name=bond0.100 --mtu=1500",
    "esxcli network ip interface ipv4 set --interface-name=vmk2 --type=static --ipv4=10.100.0.21 --netmask=255.255.255.0",
    "esxcli network vswitch standard portgroup add --portgroup-name=bond0.200 --vswitch-name=vSwitch1",
    "esxcli network vswitch standard portgroup set --portgroup-name=bond0.200 --vlan-id=200",
    "esxcli network ip interface add --interface-name=vmk3 --portgroup-name=bond0.200 --mtu=9000",
    "esxcli network ip interface ipv4 set --interface-name=vmk3 --type=dhcp",
    # routes (eno4 is unconfigured: untouched)
    "esxcli network ip route ipv4 add --gateway=10.20.0.1 --network=default",
    "esxcli network ip route ipv4 add --gateway=10.20.0.254 --network=192.168.50.0/24",
    "esxcli network ip route ipv6 add --gateway=2001:db8:20::1 --network=default",
    "esxcli network ip interface tag add --interface-name=vmk0 --tagname=Management",
    # global DNS first, then per-subnet servers missing from it (docs/esxi-first-boot.md)
    "esxcli network ip dns server add --server=10.20.0.2",
    "esxcli network ip dns server add --server=10.100.0.2",
    "esxcli network ip dns search add --domain=maas",
    "esxcli network ip dns search add --domain=example.com",
]


def plan_lines(network):
    plan = plan_network(parse_network_config(network), NICS)
    return [" ".join(argv) for argv in plan.commands], plan


def bond_config(mode):
    config = copy.deepcopy(fixture_json("maas", "network-v1-bond.json"))
    config["config"][2]["params"]["bond-mode"] = mode
    return config


class NetworkApplyTest(unittest.TestCase):
    def test_v1_full_config_runs_cleanup_then_exact_plan(self):
        with FakeHost(responses()) as host:
            problems = apply_network(fixture_json("maas", "network-v1-full.json"), CommandRunner())
            self.assertEqual(problems, [])
            self.assertEqual(host.commands(), CLEANUP + FULL_PLAN)

    def test_v2_config_of_the_same_network_gives_the_same_commands(self):
        v1, _ = plan_lines(fixture_json("maas", "network-v1-full.json"))
        v2, _ = plan_lines(fixture_json("maas", "network-v2-full.json"))
        self.assertEqual(v1, FULL_PLAN)
        self.assertEqual(v2, FULL_PLAN)

    def test_curtin_wrapped_network_key_is_accepted(self):
        lines, _ = plan_lines({"network": fixture_json("maas", "network-v1-full.json")})
        self.assertEqual(lines, FULL_PLAN)

    def test_failing_command_is_reported_and_the_rest_still_runs(self):
        # vSwitch1 is the bond's: the management vmk (vmk0 on vSwitch0) does not depend on it
        failing = "esxcli network vswitch standard uplink add --uplink-name=vmnic2 --vswitch-name=vSwitch1"
        with FakeHost(responses(**{failing: {"rc": 1, "stderr": "Uplink already in use\n"}})) as host:
            problems = apply_network(fixture_json("maas", "network-v1-full.json"), CommandRunner())
            self.assertEqual(len(problems), 1)
            self.assertIn("Uplink already in use", problems[0])
            self.assertEqual(host.commands()[-1], FULL_PLAN[-1])

    def test_missing_management_nic_means_the_plan_falls_back(self):
        config = fixture_json("maas", "network-v1-full.json")
        config["config"][0]["mac_address"] = "00:00:00:00:00:99"
        _, plan = plan_lines(config)
        self.assertEqual(plan.refused, {"eno1": "eno1: no NIC on this host has MAC address 00:00:00:00:00:99"})
        self.assertEqual(plan.fallback, "eno1 carries MAAS's management network and cannot be "
                                        "applied: none of MAAS's network config is applied")

    def test_missing_data_nic_costs_only_its_own_part(self):
        config = fixture_json("maas", "network-v1-full.json")
        config["config"][2]["mac_address"] = "00:00:00:00:00:98"  # eno3, a member of bond0
        lines, plan = plan_lines(config)
        self.assertEqual(list(plan.refused), ["bond0", "bond0.100", "bond0.200"])
        self.assertIsNone(plan.fallback)
        # eno1's part of FULL_PLAN, its routes and Management tag, unchanged
        self.assertEqual(lines[:10], FULL_PLAN[:10])
        self.assertFalse(any("vSwitch1" in line or "bond0" in line for line in lines), lines)
        self.assertIn("esxcli network ip interface tag add --interface-name=vmk0 --tagname=Management", lines)
        # bond0.100's own DNS server is not added: it may be reachable only through it
        self.assertNotIn("esxcli network ip dns server add --server=10.100.0.2", lines)


class BondModeTest(unittest.TestCase):
    def test_supported_modes_map_to_teaming_policies(self):
        expected = {
            "balance-rr": "--active-uplinks=vmnic1,vmnic0 --load-balancing=portid",
            "active-backup": "--active-uplinks=vmnic1 --standby-uplinks=vmnic0 --load-balancing=explicit",
            "802.3ad": "--active-uplinks=vmnic1,vmnic0 --load-balancing=iphash",
        }
        for mode, policy in expected.items():
            lines, plan = plan_lines(bond_config(mode))
            self.assertEqual(plan.refused, {}, mode)
            self.assertIn("esxcli network vswitch standard policy failover set "
                          "--vswitch-name=vSwitch0 " + policy, lines, mode)
            self.assertIn("esxcli network ip interface add --interface-name=vmk0 "
                          "--portgroup-name=bond0 --mtu=1500 --mac-address=3c:fd:fe:a0:00:02", lines)

    def test_lacp_settings_are_ignored_with_a_warning(self):
        _, plan = plan_lines(bond_config("802.3ad"))
        self.assertTrue(any("LACP rate" in w for w in plan.warnings))

    def test_other_modes_are_refused_with_a_clear_message(self):
        for mode in ("balance-xor", "broadcast", "balance-tlb", "balance-alb"):
            lines, plan = plan_lines(bond_config(mode))
            self.assertEqual(list(plan.refused), ["bond0"], mode)
            self.assertIn("bond mode %r is refused" % mode, plan.refused["bond0"])
            self.assertFalse(any("vswitch standard add" in line for line in lines), mode)
            # the bond carried the only address: nothing is left to manage the host with
            self.assertIsNotNone(plan.fallback, mode)

    def test_mode_defaults_to_balance_rr_like_maas(self):
        config = bond_config("x")
        del config["config"][2]["params"]["bond-mode"]
        lines, plan = plan_lines(config)
        self.assertEqual(plan.refused, {})
        self.assertTrue(any(line.endswith("--load-balancing=portid") for line in lines))


class BridgeAndDhcpTest(unittest.TestCase):
    def test_bridge_refused_and_dhcp_variants(self):
        lines, plan = plan_lines(fixture_json("maas", "network-v1-bridge-dhcp.json"))
        self.assertEqual(list(plan.refused), ["br0"])
        self.assertTrue(plan.refused["br0"].startswith("br0: bridges are not supported by ESXi"))
        self.assertIsNone(plan.fallback)
        self.assertEqual(lines, [
            "esxcli network vswitch standard add --vswitch-name=vSwitch0",
            "esxcli network vswitch standard set --vswitch-name=vSwitch0 --mtu=1500",
            "esxcli network vswitch standard uplink add --uplink-name=vmnic0 --vswitch-name=vSwitch0",
            "esxcli network vswitch standard portgroup add --portgroup-name=eno1 --vswitch-name=vSwitch0",
            "esxcli network ip interface add --interface-name=vmk0 --portgroup-name=eno1 --mtu=1500 --mac-address=3c:fd:fe:a0:00:01",
            "esxcli network ip interface ipv4 set --interface-name=vmk0 --type=dhcp",
            "esxcli network vswitch standard add --vswitch-name=vSwitch1",
            "esxcli network vswitch standard set --vswitch-name=vSwitch1 --mtu=1500",
            "esxcli network vswitch standard uplink add --uplink-name=vmnic2 --vswitch-name=vSwitch1",
            "esxcli network vswitch standard portgroup add --portgroup-name=eno3 --vswitch-name=vSwitch1",
            "esxcli network ip interface add --interface-name=vmk1 --portgroup-name=eno3 --mtu=1500 --mac-address=3c:fd:fe:a0:00:03",
            # IPv6 only: IPv4 off explicitly
            "esxcli network ip interface ipv4 set --interface-name=vmk1 --type=none",
            # eno3 has accept-ra: 0 in MAAS
            "esxcli network ip interface ipv6 set --interface-name=vmk1 --enable-router-adv=false",
            "esxcli network ip interface ipv6 set --interface-name=vmk1 --enable-ipv6=true --enable-dhcpv6=true",
            "esxcli network vswitch standard add --vswitch-name=vSwitch2",
            "esxcli network vswitch standard set --vswitch-name=vSwitch2 --mtu=1500",
            "esxcli network vswitch standard uplink add --uplink-name=vmnic3 --vswitch-name=vSwitch2",
            "esxcli network vswitch standard portgroup add --portgroup-name=eno4 --vswitch-name=vSwitch2",
            "esxcli network ip interface add --interface-name=vmk2 --portgroup-name=eno4 --mtu=1500 --mac-address=3c:fd:fe:a0:00:04",
            "esxcli network ip interface ipv4 set --interface-name=vmk2 --type=dhcp",
            "esxcli network ip interface ipv6 set --interface-name=vmk2 --enable-ipv6=true --enable-dhcpv6=true",
            # no gateway anywhere: Management goes to vmk0
            "esxcli network ip interface tag add --interface-name=vmk0 --tagname=Management",
            "esxcli network ip dns server add --server=10.30.0.2",
            "esxcli network ip dns search add --domain=maas",
        ])

    def test_unconfigured_vlan_parent_gets_a_vm_port_group(self):
        config = {"version": 1, "config": [
            {"id": "eno1", "type": "physical", "name": "eno1", "mac_address": "3c:fd:fe:a0:00:01",
             "mtu": 1500, "subnets": [{"type": "manual"}]},
            {"id": "eno1.5", "type": "vlan", "name": "eno1.5", "vlan_link": "eno1", "vlan_id": 5,
             "mtu": 1500, "subnets": [{"type": "static", "address": "10.5.0.2/24"}]},
        ]}
        lines, plan = plan_lines(config)
        self.assertEqual(plan.refused, {})
        self.assertEqual(lines[:5], [
            "esxcli network vswitch standard add --vswitch-name=vSwitch0",
            "esxcli network vswitch standard set --vswitch-name=vSwitch0 --mtu=1500",
            "esxcli network vswitch standard uplink add --uplink-name=vmnic0 --vswitch-name=vSwitch0",
            "esxcli network vswitch standard portgroup add --portgroup-name=eno1 --vswitch-name=vSwitch0",
            "esxcli network vswitch standard portgroup add --portgroup-name=eno1.5 --vswitch-name=vSwitch0",
        ])
        self.assertFalse(any("--portgroup-name=eno1 --mtu" in line for line in lines))

    def test_unsupported_version_is_refused(self):
        with self.assertRaises(NetworkConfigError):
            parse_network_config({"version": 3})



RACK = "10.20.0.2"


def single_nic_config(mac="3c:fd:fe:a0:00:01", mtu=1500):
    return {"version": 1, "config": [
        {"id": "eno1", "type": "physical", "name": "eno1", "mac_address": mac, "mtu": mtu,
         "subnets": [{"type": "static", "address": "10.20.0.21/24", "gateway": "10.20.0.1",
                      "dns_nameservers": ["10.20.0.2"]}]},
        {"type": "nameserver", "address": ["10.20.0.2"], "search": ["maas"]},
    ]}


class StrandedHostTest(unittest.TestCase):
    """A plan that cannot be applied in full never strands the host."""

    def assert_dhcp_management_vmk_on(self, host, vmnic, mac):
        found = host.management_vmk()
        self.assertIsNotNone(found, "no VMkernel NIC tagged Management is left")
        vmk, vswitch = found
        self.assertEqual(vswitch["uplinks"], [vmnic])
        self.assertEqual(vmk["ipv4"], "dhcp")
        self.assertEqual(vmk["mac"], mac)
        self.assertNotEqual(vmk["mac"], IMAGE_VMK0_MAC)

    def test_only_configured_nic_absent_keeps_vmk0_with_dhcp(self):
        # the NIC was replaced: MAAS's MAC is on no NIC of this host
        with FakeHost(network=image_state(HOST_NICS)) as host:
            problems = apply_network(single_nic_config(mac="3c:fd:fe:a0:00:99"), CommandRunner(), RACK)
            # no boot NIC on the host: the uplink ESXi chose at boot stays
            self.assert_dhcp_management_vmk_on(host, "vmnic0", "3c:fd:fe:a0:00:01")
            self.assertIn("eno1: no NIC on this host has MAC address 3c:fd:fe:a0:00:99", problems)
            self.assertTrue(any("management network kept" in p for p in problems), problems)
            self.assertFalse(any("10.20.0.21" in c for c in host.commands()), "plan not applied")

    def test_refused_management_nic_falls_back_to_the_boot_nic_maas_booted_from(self):
        config = fixture_json("maas", "network-v1-full.json")
        config["config"][0]["mtu"] = 9216  # eno1, the management path: no vSwitch takes it
        state = image_state(HOST_NICS)
        state["vswitches"][0]["uplinks"] = ["vmnic3"]  # ESXi's own pick is not the boot NIC
        with FakeHost(network=state) as host:
            problems = apply_network(config, CommandRunner(), RACK)
            # eno1's subnet holds the rack controller's address: MAAS booted it from there
            self.assert_dhcp_management_vmk_on(host, "vmnic0", "3c:fd:fe:a0:00:01")
            self.assertIn("eno1: MTU 9216 is outside what an ESXi standard vSwitch takes (1280-9000)",
                          problems)
            self.assertEqual([v["name"] for v in host.network()["vmks"]], ["vmk0"])

    def test_management_vmk_that_cannot_be_built_is_replaced_by_vmk0_dhcp(self):
        failing = ("esxcli network ip interface add --interface-name=vmk0 --portgroup-name=eno1 "
                   "--mtu=1500 --mac-address=3c:fd:fe:a0:00:01")
        with FakeHost({failing: {"rc": 1, "stderr": "Sysinfo error: Bad parameter\n"}},
                      network=image_state(HOST_NICS)) as host:
            problems = apply_network(fixture_json("maas", "network-v1-full.json"), CommandRunner(), RACK)
            self.assertIn("Bad parameter", problems[0])
            self.assert_dhcp_management_vmk_on(host, "vmnic0", "3c:fd:fe:a0:00:01")

    def test_mtu_esxi_refuses_is_caught_before_anything_changes(self):
        with FakeHost(network=image_state(HOST_NICS)) as host:
            problems = apply_network(single_nic_config(mtu=9216), CommandRunner(), RACK)
            self.assertIn("eno1: MTU 9216 is outside what an ESXi standard vSwitch takes (1280-9000)",
                          problems)
            self.assert_dhcp_management_vmk_on(host, "vmnic0", "3c:fd:fe:a0:00:01")

    def test_unusable_network_config_keeps_vmk0(self):
        with FakeHost(network=image_state(HOST_NICS)) as host:
            problems = apply_network(None, CommandRunner())
            self.assertIn("network config is missing", problems[0])
            self.assert_dhcp_management_vmk_on(host, "vmnic0", "3c:fd:fe:a0:00:01")

    def test_a_full_plan_replaces_the_image_network(self):
        with FakeHost(network=image_state(HOST_NICS)) as host:
            self.assertEqual(apply_network(fixture_json("maas", "network-v1-full.json"),
                                           CommandRunner(), RACK), [])
            vmk, vswitch = host.management_vmk()
            self.assertEqual((vmk["name"], vmk["ipv4"], vmk["ipv4_address"]), ("vmk0", "static", "10.20.0.21"))
            self.assertEqual(vswitch["uplinks"], ["vmnic0"])
            self.assertEqual(len(host.network()["vmks"]), 4)

    def test_one_uplink_wanted_twice_is_refused(self):
        config = single_nic_config()
        second = copy.deepcopy(config["config"][0])
        second.update(id="eno9", name="eno9", subnets=[{"type": "static", "address": "10.9.0.2/24"}])
        config["config"].insert(1, second)
        plan = plan_network(parse_network_config(config), NICS)
        self.assertEqual(plan.refused, {"eno9": "eno9: uplink vmnic0 is already wanted by eno1"})
        self.assertFalse(any("eno9" in " ".join(argv) for argv in plan.commands))


class SmallerFixesTest(unittest.TestCase):
    """Smaller network fixes: router advertisements, IPv6-only hosts."""

    def test_accept_ra_0_turns_router_advertisements_off(self):
        config = single_nic_config()
        config["config"][0]["accept-ra"] = 0
        lines, _ = plan_lines(config)
        self.assertIn("esxcli network ip interface ipv6 set --interface-name=vmk0 --enable-router-adv=false",
                      lines)
        config["config"][0]["accept-ra"] = 1
        lines, _ = plan_lines(config)
        self.assertFalse(any("router-adv" in line for line in lines))

    def test_route_metric_dropped_with_a_warning(self):
        config = fixture_json("maas", "network-v1-full.json")
        config["config"][0]["subnets"][0]["routes"][0]["metric"] = 100
        lines, plan = plan_lines(config)
        self.assertIn("esxcli network ip route ipv4 add --gateway=10.20.0.254 --network=192.168.50.0/24", lines)
        self.assertIn("route to 192.168.50.0/24 via 10.20.0.254: metric 100 dropped (ESXi static "
                      "routes have no metric)", plan.warnings)
        _, plan = plan_lines(fixture_json("maas", "network-v1-full.json"))  # metric 0: nothing lost
        self.assertFalse(any("metric" in w for w in plan.warnings))

    def test_ipv6_only_vmk_sets_ipv4_type_none(self):
        config = single_nic_config()
        config["config"][0]["subnets"] = [{"type": "static", "address": "2001:db8:20::21/64",
                                           "gateway": "2001:db8:20::1"}]
        lines, _ = plan_lines(config)
        index = lines.index("esxcli network ip interface ipv4 set --interface-name=vmk0 --type=none")
        self.assertEqual(lines[index + 1],
                         "esxcli network ip interface ipv6 address add --interface-name=vmk0 --ipv6=2001:db8:20::21/64")


if __name__ == "__main__":
    unittest.main()
