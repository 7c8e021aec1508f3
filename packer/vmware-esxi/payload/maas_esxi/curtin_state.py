"""The curtin config saved by our curtin hook (JSON, key order kept)."""

import json
from collections import OrderedDict

STATE_FILE = "curtin.json"


class CurtinStateError(Exception):
    pass


def load_curtin_config(path):
    """The saved config; CurtinStateError (one line, naming the file) when unusable."""
    try:
        with open(path) as handle:
            config = json.load(handle, object_pairs_hook=OrderedDict)
    except (OSError, IOError) as err:
        raise CurtinStateError("cannot read %s: %s (the curtin hook did not save MAAS's "
                               "configuration)" % (path, getattr(err, "strerror", None) or err))
    except ValueError as err:
        raise CurtinStateError("%s is not valid JSON: %s" % (path, err))
    if not isinstance(config, dict):
        raise CurtinStateError("%s holds %s, not a JSON object" % (path, type(config).__name__))
    return config
