"""The stdlib YAML reader against MAAS-shaped vendor-data (and PyYAML when present)."""

import json
import unittest

import fake_host  # noqa: F401
from fake_host import fixture_json, fixture_text
from maas_esxi.vendor_data import cloud_config
from maas_esxi.yaml_subset import YamlSubsetError, loads

try:
    import yaml
except ImportError:  # the fixtures below were generated with PyYAML anyway
    yaml = None


def canonical(value):
    return json.loads(json.dumps(value, sort_keys=True))


class VendorDataFixtureTest(unittest.TestCase):
    def test_maas_vendor_data_documents(self):
        expected = fixture_json("maas", "vendor-data.expected.json")
        for name in ("vendor-data.yaml", "vendor-data-old-pyyaml.yaml"):
            self.assertEqual(canonical(cloud_config(fixture_text("maas", name))), canonical(expected), name)

    def test_plain_cloud_config_and_empty_bodies(self):
        self.assertEqual(cloud_config(b"#cloud-config\nntp:\n  servers: [1.2.3.4]\n"),
                         {"ntp": {"servers": ["1.2.3.4"]}})
        self.assertEqual(cloud_config(b""), {})
        self.assertEqual(cloud_config(None), {})


class ScalarTest(unittest.TestCase):
    def test_yaml_1_1_types(self):
        doc = loads("a: yes\nb: off\nc: 0644\nd: '0644'\ne: ~\nf: 1.5\ng: 0x1f\nh: -7\ni: text # note\n")
        self.assertEqual(doc, {"a": True, "b": False, "c": 420, "d": "0644", "e": None,
                               "f": 1.5, "g": 31, "h": -7, "i": "text"})

    def test_quoted_folding_and_escapes(self):
        doc = loads("a: 'one\n\n  two ''q''\n  three'\nb: \"x\\ty\\n\\\n  z \\u00e9\"\n")
        self.assertEqual(doc, {"a": "one\ntwo 'q' three", "b": "x\ty\nz \u00e9"})

    def test_block_scalars(self):
        doc = loads("a: |\n  l1\n   l2\n\nb: >-\n  f1\n  f2\nc: x\n")
        self.assertEqual(doc, {"a": "l1\n l2\n", "b": "f1 f2", "c": "x"})

    def test_anchors_are_refused(self):
        with self.assertRaises(YamlSubsetError):
            loads("a: &x 1\nb: *x\n")


@unittest.skipIf(yaml is None, "PyYAML is not installed: cross-check against it skipped")
class PyYamlCrossCheckTest(unittest.TestCase):
    """Whatever PyYAML's safe_dump writes, we read back as PyYAML does."""

    SAMPLES = [
        {"ntp": {"servers": ["10.0.0.1"], "pools": []}, "write_files": [
            {"path": "/a", "content": "k: v\n'quoted' \"double\"\n\ttab\n", "permissions": "0600"}]},
        {"long": "word " * 60, "nested": [[1, [2, {"x": None}]], {}], "unicode": "caf\u00e9 \u2713",
         "edge": [" lead", "trail ", "- dash", "#hash", "a: b", "", "yes", "0644", "1e3", "@at"],
         "multi": "l1\n  l2\n\n\nl5\n"},
    ]

    def test_round_trip(self):
        for sample in self.SAMPLES:
            for options in ({}, {"default_flow_style": None}, {"default_flow_style": True},
                            {"width": 16}, {"allow_unicode": True}):
                text = yaml.safe_dump(sample, **options)
                self.assertEqual(canonical(loads(text)), canonical(yaml.safe_load(text)),
                                 "%r %r" % (options, text))


if __name__ == "__main__":
    unittest.main()
