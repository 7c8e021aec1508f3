"""The curtin config saved by our curtin hook (JSON, key order kept)."""

import json
from collections import OrderedDict

STATE_FILE = "curtin.json"


def load_curtin_config(path):
    with open(path) as handle:
        return json.load(handle, object_pairs_hook=OrderedDict)
