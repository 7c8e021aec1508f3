"""maas-esxi.pyz entry point: `python maas-esxi.pyz firstboot|network|storage|metadata`.

Logging to /var/log/maas.log is set up before anything else can fail, and
every command runs inside a guard: an unexpected error is logged with its
traceback and ends with exit status 1 (firstboot's own guard also keeps
the management network and reports to MAAS, see firstboot.FirstBoot.run).
"""

import argparse
import logging
import os
import sys

from .commands import CommandRunner
from .curtin_state import STATE_FILE, CurtinStateError, load_curtin_config
from .datastore import apply_storage
from .firstboot import FirstBoot, Paths
from .metadata import Credentials, MetadataClient, MetadataError
from .network_apply import apply_network

DEFAULT_STATE_DIR = "/altbootbank/maas"
DEFAULT_LOG = "/var/log/maas.log"
LOG = logging.getLogger("maas-esxi")


def setup_logging(log_file):
    LOG.setLevel(logging.INFO)
    formatter = logging.Formatter("%(asctime)s maas-esxi %(levelname)s %(message)s")
    handlers = [logging.StreamHandler(sys.stderr)]
    if log_file:
        try:
            handlers.append(logging.FileHandler(log_file))
        except (IOError, OSError) as err:
            sys.stderr.write("maas-esxi: cannot write %s (%s); logging to stderr only\n"
                             % (log_file, err))
    for handler in handlers:
        handler.setFormatter(formatter)
        LOG.addHandler(handler)


def run_command(args):
    runner = CommandRunner()
    if args.command == "firstboot":
        return FirstBoot(args.state_dir, runner, Paths(args.root)).run()
    try:
        config = load_curtin_config(os.path.join(args.state_dir, STATE_FILE))
    except CurtinStateError as err:
        LOG.error("%s", err)
        return 1
    if args.command == "network":
        try:
            rack_host = Credentials.from_curtin_config(config).rack_host
        except MetadataError:
            rack_host = None  # only used to tell which NIC MAAS booted from
        return 1 if apply_network(config.get("network"), runner, rack_host) else 0
    if args.command == "storage":
        return 1 if apply_storage(config.get("storage"), runner) else 0
    try:
        body = MetadataClient(Credentials.from_curtin_config(config)).get(args.path)
    except MetadataError as err:
        LOG.error("metadata: %s", err)
        return 1
    sys.stdout.write(body.decode("utf-8", "replace") if body is not None else "")
    return 0 if body is not None else 1


def main(argv=None):
    parser = argparse.ArgumentParser(prog="maas-esxi")
    parser.add_argument("--state-dir", default=DEFAULT_STATE_DIR,
                        help="directory with curtin.json (default %(default)s)")
    parser.add_argument("--log", default=DEFAULT_LOG, help="log file (default %(default)s)")
    parser.add_argument("--root", default="/", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("firstboot", help="configure this host as MAAS describes it")
    sub.add_parser("network", help="apply only the network configuration")
    sub.add_parser("storage", help="only grow or create datastore1")
    get = sub.add_parser("metadata", help="GET a metadata path, e.g. latest/meta-data/local-hostname")
    get.add_argument("path")
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    setup_logging(args.log)
    try:
        return run_command(args)
    except Exception:  # the guard: nothing may end first boot without a log line
        LOG.exception("maas-esxi %s stopped by an unexpected error", args.command)
        return 1


if __name__ == "__main__":
    sys.exit(main())
