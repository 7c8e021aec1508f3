"""What a recorded command's sh script (fake_shell.py) hands over: the fake device's mount.

Run as `python3 -S fake_command.py NAME ARG...` by the script FakeHost installs under the
command's name, which has already logged the call and answered every command line that has a
canned response. Here (stdlib only, and no json: a process per call):
- with FAKE_ESXI_MOUNT_ROOT set, `mount -t vfat /dev/X DIR` / `umount DIR` copy the fake
  device directory MOUNT_ROOT/X into DIR and back, so what a hook writes can be inspected.
The stateful `esxcli network` fake is answered in the test process (network_server.py).
"""

import os
import sys


def mount(mount_root, argv):
    import shutil
    device, target = argv[-2], argv[-1]
    source = os.path.join(mount_root, os.path.basename(device))
    if not os.path.isdir(source):
        sys.stderr.write("mount: %s: special device does not exist\n" % device)
        return 32
    with open(os.path.join(mount_root, ".mounted"), "a") as handle:
        handle.write("%s %s\n" % (target, source))
    for entry in os.listdir(source):
        path = os.path.join(source, entry)
        (shutil.copytree if os.path.isdir(path) else shutil.copy)(path, os.path.join(target, entry))
    return 0


def umount(mount_root, argv):
    import shutil
    target = argv[-1]
    with open(os.path.join(mount_root, ".mounted")) as handle:
        source = dict(line.split() for line in handle if line.strip())[target]
    shutil.rmtree(source)
    shutil.copytree(target, source)
    for entry in os.listdir(target):
        path = os.path.join(target, entry)
        (shutil.rmtree if os.path.isdir(path) else os.unlink)(path)
    return 0


def main():
    argv = sys.argv[1:]
    name = argv[0]
    mount_root = os.environ.get("FAKE_ESXI_MOUNT_ROOT")
    if name in ("mount", "umount") and mount_root:
        return (mount if name == "mount" else umount)(mount_root, argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
