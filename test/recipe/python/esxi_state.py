"""Recorded answers of a freshly deployed ESXi image (the build VM's vSwitch0/vmk0)."""

from fake_host import fixture_text

# The host's NICs in nic-list.csv, and the MAC the build VM gave the image's vmk0.
HOST_NICS = [("vmnic0", "3c:fd:fe:a0:00:01"), ("vmnic1", "3c:fd:fe:a0:00:02"),
             ("vmnic2", "3c:fd:fe:a0:00:03"), ("vmnic3", "3c:fd:fe:a0:00:04")]
IMAGE_VMK0_MAC = "52:54:00:12:34:56"

CLEAN_IMAGE_NETWORK = {
    "esxcli --formatter=csv network nic list": fixture_text("esxi", "nic-list.csv"),
    "esxcli --formatter=csv network ip interface list": fixture_text("esxi", "ip-interface-list.csv"),
    "esxcli --formatter=csv network vswitch standard portgroup list": fixture_text("esxi", "portgroup-list.csv"),
    "esxcli --formatter=csv network vswitch standard list": fixture_text("esxi", "vswitch-list.csv"),
    "esxcli --formatter=csv network ip dns search list": fixture_text("esxi", "dns-search-list.csv"),
}

CLEANUP = [
    "esxcli --formatter=csv network nic list",
    "esxcli --formatter=csv network ip interface list",
    "esxcli --formatter=csv network vswitch standard portgroup list",
    "esxcli --formatter=csv network vswitch standard list",
    "esxcli --formatter=csv network ip dns search list",
    "esxcli network ip interface remove --interface-name=vmk0",
    "esxcli network vswitch standard portgroup remove --portgroup-name=Management Network --vswitch-name=vSwitch0",
    "esxcli network vswitch standard portgroup remove --portgroup-name=VM Network --vswitch-name=vSwitch0",
    "esxcli network vswitch standard remove --vswitch-name=vSwitch0",
    "esxcli network ip dns server remove --all",
    "esxcli network ip dns search remove --domain=localdomain",
]


def responses(**extra):
    merged = dict(CLEAN_IMAGE_NETWORK)
    merged.update(extra)
    return merged
