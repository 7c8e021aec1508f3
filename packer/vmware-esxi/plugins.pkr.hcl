# Packer >= 1.10 only: HashiCorp plugins are no longer built in, so the qemu
# builder must be declared (and installed with `packer init` or
# `packer plugins install github.com/hashicorp/qemu`). Debian's Packer 1.6.6
# rejects this block ("Blocks of type required_plugins are not expected
# here"), so it lives apart from vmware-esxi.pkr.hcl (docs/packer.md).
#
# qemu plugin 1.1.2 stops communicator="none" guests right after the boot
# command instead of waiting for them to power off (packer-plugin-qemu #197 and
# packer-plugin-qemu #198; fixed in 1.1.3), which would end every ESXi build before the install.
packer {
  required_version = ">= 1.10.0"
  required_plugins {
    qemu = {
      source  = "github.com/hashicorp/qemu"
      version = ">= 1.1.3"
    }
  }
}
