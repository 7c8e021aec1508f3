"""What a recorded command's sh script (fake_shell.py) hands over: the answers that need logic.

Run as `python3 -S fake_command.py NAME ARG...` by the script FakeHost installs under
each command's name (esxcli, partedUtil, mount, ...), which has already logged the call
and answered every command line with a canned response. Scenario file (JSON):
  {"responses": {"esxcli --formatter=csv network nic list": {"stdout": "...", "rc": 0},
                 "vmware -v": "VMware ESXi 8.0.2 build-22380479\n"},
   "mount_root": "/tmp/.../devices"}
A command line without a response succeeds silently (mutating commands).
With "network_state": PATH, `esxcli network ...` commands without a canned
response are answered by the stateful fake in fake_esxi_network.
`mount -t vfat /dev/X DIR` / `umount DIR` copy the fake device directory
mount_root/X into DIR and back, so what a hook writes can be inspected.
"""

import json
import os
import shutil
import sys


def main():
    argv = sys.argv[1:]
    name = argv[0]
    with open(os.environ["FAKE_ESXI_SCENARIO"]) as handle:
        scenario = json.load(handle)
    mount_root = scenario.get("mount_root")
    if name == "mount" and mount_root:
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
    if name == "umount" and mount_root:
        target = argv[-1]
        with open(os.path.join(mount_root, ".mounted")) as handle:
            source = dict(line.split() for line in handle if line.strip())[target]
        shutil.rmtree(source)
        shutil.copytree(target, source)
        for entry in os.listdir(target):
            path = os.path.join(target, entry)
            (shutil.rmtree if os.path.isdir(path) else os.unlink)(path)
        return 0
    responses = scenario.get("responses", {})
    if " ".join(argv) not in responses and name == "esxcli" and scenario.get("network_state"):
        sys.path.insert(0, os.environ["FAKE_ESXI_LIB"])
        import fake_esxi_network
        answer = fake_esxi_network.run(scenario["network_state"], argv[1:])
        if answer is not None:
            sys.stdout.write(answer[1])
            sys.stderr.write(answer[2])
            return answer[0]
    response = responses.get(" ".join(argv), {})
    if not isinstance(response, dict):  # a plain string is the command's stdout
        response = {"stdout": response}
    sys.stdout.write(response.get("stdout", ""))
    sys.stderr.write(response.get("stderr", ""))
    return int(response.get("rc", 0))


if __name__ == "__main__":
    sys.exit(main())
