# maas-esxi: VMware ESXi image for MAAS (filetype ddgz).
#
# Accepted by Debian's Packer 1.6.6 (qemu builder built in) and by Packer >= 1.10
# with the qemu plugin; for the latter add plugins.pkr.hcl (required_plugins is
# an error on 1.6.6, docs/packer.md). Before `packer build`, make the kickstart
# stick: scripts/build_kickstart_usb.py --output <kickstart_image>.
#
# Flow (docs/packer.md): qemu boots the ESXi ISO, the boot options typed over VNC
# point the installer at ks.cfg on the USB stick, the kickstart installs to the
# SATA disk and halts; then, chained so a failure stops the build before
# anything is compressed (docs/packer.md): install the curtin hook on
# partition 1, gzip the raw disk to <output_directory>/<output_name>.dd.gz.

variable "vmware_esxi_iso_path" {
  type        = string
  default     = env("VMWARE_ESXI_ISO_PATH")
  description = "Path of the VMware ESXi installer ISO."
}

variable "timeout" {
  type        = string
  default     = "1h"
  description = "How long the unattended install may take before the build fails (shutdown_timeout)."
}

variable "esxi_version" {
  type        = string
  default     = "8.0"
  description = "ESXi major version of the ISO: 6.7, 7.0, 8.0 or 9.0."
  validation {
    condition     = contains(["6.7", "7.0", "8.0", "9.0"], var.esxi_version)
    error_message = "The esxi_version must be one of 6.7, 7.0, 8.0, 9.0."
  }
}

variable "disk_size" {
  type        = string
  default     = "32G"
  description = "Build disk size, e.g. 32G or 32768M; ESXi 8.0 and later need at least 32G."
  validation {
    condition     = length(regex_replace(var.disk_size, "^[1-9][0-9]*[MG]?$", "")) == 0
    error_message = "The disk_size must be a size in MiB or GiB such as 32G or 32768M."
  }
}

variable "memory" {
  type        = number
  default     = 8192
  description = "Build VM memory in MiB (ESXi 8.0 needs 8192)."
}

variable "cpus" {
  type        = number
  default     = 4
  description = "Build VM virtual CPUs."
}

variable "output_directory" {
  type        = string
  default     = "output"
  description = "Directory receiving <output_name>.dd.gz (and the serial console log)."
}

variable "output_name" {
  type        = string
  default     = "vmware-esxi"
  description = "Base name of the artifact: <output_name>.dd.gz."
}

variable "kickstart_image" {
  type        = string
  default     = "usb.img"
  description = "FAT USB image holding KS.CFG, made by scripts/build_kickstart_usb.py."
}

variable "provenance_file" {
  type        = string
  default     = ""
  description = "JSON provenance record written next to the curtin hook (maas-esxi build sets it; docs/image-inspection.md)."
}

variable "serial_log" {
  type        = string
  default     = ""
  description = "File receiving the installer's console (COM1); default <output_directory>/<output_name>.serial.log."
}

variable "headless" {
  type        = bool
  default     = true
  description = "Run qemu without a window (the boot command is still typed over VNC)."
}

variable "vnc_bind_address" {
  type        = string
  default     = "127.0.0.1"
  description = "Address the build VM's VNC server listens on."
}

variable "vnc_port_min" {
  type    = number
  default = 5900
}

variable "vnc_port_max" {
  type    = number
  default = 6000
}

variable "accelerator" {
  type        = string
  default     = "kvm"
  description = "qemu accelerator; ESXi needs kvm in practice."
}

variable "cpu_model" {
  type        = string
  default     = "host"
  description = "qemu -cpu model (ESXi checks CPU features)."
}

variable "boot_wait" {
  type    = string
  default = "3s"
}

variable "compression_level" {
  type    = number
  default = 6
}

locals {
  # 32 GB is the minimum for ESXi 8.0+ with systemMediaSize=min (docs/packer.md);
  # cross-variable checks are not possible in validation blocks.
  disk_mib = parseint(regex_replace(var.disk_size, "[MG]$", ""), 10) * (substr(var.disk_size, -1, 1) == "G" ? 1024 : 1)
  # qemu's output directory: deleted by compress once the .dd.gz exists.
  vm_directory = "${var.output_directory}/${var.output_name}-vm"
  serial_log   = var.serial_log != "" ? var.serial_log : "${var.output_directory}/${var.output_name}.serial.log"
  # systemMediaSize=min keeps ESXi 7+ system partitions at their smallest (32 GB).
  boot_options = var.esxi_version == "6.7" ? "" : " systemMediaSize=min"
}

locals {
  disk_image = "${local.vm_directory}/${var.output_name}.raw"
  disk_check = local.disk_mib < 32768 && contains(["8.0", "9.0"], var.esxi_version) ? file("ERROR: ESXi ${var.esxi_version} needs disk_size of at least 32G") : "ok"
}

source "qemu" "esxi" {
  iso_url          = var.vmware_esxi_iso_path
  iso_checksum     = "none"
  accelerator      = var.accelerator
  machine_type     = "q35"
  cpus             = var.cpus
  memory           = var.memory
  disk_size        = var.disk_size
  format           = "raw"
  net_device       = "vmxnet3"
  communicator     = "none"
  headless         = var.headless
  vnc_bind_address = var.vnc_bind_address
  vnc_port_min     = var.vnc_port_min
  vnc_port_max     = var.vnc_port_max
  output_directory = local.vm_directory
  vm_name          = "${var.output_name}.raw"
  boot_wait        = var.boot_wait
  # Enter at the ISO's menu, Shift+O for the boot options, then: kickstart on
  # the USB stick, relaxed CPU check, small system partitions (7.0+), and the
  # installer console on COM1 for progress (docs/packer.md).
  boot_command = [
    "<enter><wait>",
    "<leftShift>O",
    " ks=usb://ks.cfg cpuUniformityHardCheckPanic=FALSE${local.boot_options} com1_Port=0x3f8 tty2Port=com1",
    "<enter>",
  ]
  shutdown_timeout = var.timeout
  # Giving -drive/-device drops qemu's default disk and CD-ROM, so the ISO and
  # the target disk are declared again: the target on AHCI/SATA (ESXi has no
  # virtio disk driver; new 9.0 ISOs need SATA), the kickstart as USB storage.
  qemuargs = [
    ["-cpu", var.cpu_model],
    ["-serial", "file:${local.serial_log}"],
    ["-usb"],
    ["-device", "usb-storage,drive=usb0"],
    ["-drive", "file=${var.kickstart_image},if=none,id=usb0,format=raw"],
    ["-cdrom", var.vmware_esxi_iso_path],
    ["-device", "ich9-ahci,id=sata"],
    ["-device", "ide-hd,drive=sata-disk,bus=sata.0"],
    ["-drive", "file=${local.disk_image},if=none,id=sata-disk,cache=writeback,discard=ignore,format=raw"],
    ["-boot", "d"],
  ]
}

build {
  sources = ["source.qemu.esxi"]

  post-processors {
    post-processor "shell-local" {
      environment_vars = [
        "DISK_IMAGE=${local.disk_image}",
        "RECIPE_DIR=${path.root}",
        "MAAS_ESXI_PROVENANCE=${var.provenance_file}",
        # Referenced so every Packer version evaluates the disk size check.
        "DISK_CHECK=${local.disk_check}",
      ]
      inline = ["python3 \"$RECIPE_DIR/scripts/install_curtin_hook.py\" \"$DISK_IMAGE\""]
    }
    post-processor "compress" {
      output            = "${var.output_directory}/${var.output_name}.dd.gz"
      compression_level = var.compression_level
    }
  }
}
