import t from 'tap';
import { pythonJsonDumps, PyFloat, pyFloatRepr } from '../../lib/python/json-dumps.js';
import { encodeProfileData } from '../../lib/profiles/profile-record.js';
import { pyListRepr, pyRepr } from '../../lib/testing/py-format.js';

// Expected strings are CPython 3.11 `json.dumps(value)` output, copied verbatim.

t.test('docs/maas-cli.md#profile-record example row, byte for byte', async (t) => {
  const data = encodeProfileData({
    name: 'admin',
    url: 'http://10.0.0.2:5240/MAAS/api/2.0/',
    credentials: ['ck', 'tk', 'ts'],
    description: { doc: 'MAAS API', hash: 'abc123', resources: [], handlers: [] },
    cacerts: null,
  });
  t.equal(
    data,
    '{"credentials": ["ck", "tk", "ts"], "description": {"doc": "MAAS API", "hash": "abc123", "resources": [], "handlers": []}, "name": "admin", "url": "http://10.0.0.2:5240/MAAS/api/2.0/", "cacerts": null}',
  );
});

t.test('key order is the official one whatever order the caller used', async (t) => {
  const data = encodeProfileData({
    cacerts: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
    url: 'https://maas.example/MAAS/api/2.0/',
    name: 'ops',
    description: {
      doc: 'MAAS API \u00e9\u2014\u{1F600}',
      hash: 'abc123',
      resources: [
        {
          name: 'BootResourcesHandler',
          anon: null,
          auth: { actions: [{ name: 'create', method: 'POST', op: null, restful: true }], params: [] },
        },
      ],
      handlers: [],
    },
    credentials: ['ck', 'tk', 'ts'],
  });
  t.equal(
    data,
    '{"credentials": ["ck", "tk", "ts"], "description": {"doc": "MAAS API \\u00e9\\u2014\\ud83d\\ude00", "hash": "abc123", "resources": [{"name": "BootResourcesHandler", "anon": null, "auth": {"actions": [{"name": "create", "method": "POST", "op": null, "restful": true}], "params": []}}], "handlers": []}, "name": "ops", "url": "https://maas.example/MAAS/api/2.0/", "cacerts": "-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n"}',
  );
});

t.test('escapes, numbers, empty containers as json.dumps', async (t) => {
  const value = {
    s: 'tab\tquote"back\\slash/ctl\u0001\u007f nul\u0000 \u2028 \ud800',
    n: [0, -5, 1.5, 1e-5, 2.5e-7, 0.0001, 123456.789, -0.001],
    e: {},
    l: [],
    t: true,
    f: false,
    z: null,
  };
  t.equal(
    pythonJsonDumps(value),
    '{"s": "tab\\tquote\\"back\\\\slash/ctl\\u0001\\u007f nul\\u0000 \\u2028 \\ud800", "n": [0, -5, 1.5, 1e-05, 2.5e-07, 0.0001, 123456.789, -0.001], "e": {}, "l": [], "t": true, "f": false, "z": null}',
  );
});

t.test('the output parses back to the same value', async (t) => {
  const value = { a: ['x', { b: 'ü\n' }], c: null, d: 42 };
  t.same(JSON.parse(pythonJsonDumps(value)), value);
});

// Expected values are what CPython 3 prints; MAAS's bodies go through repr/json.dumps (docs/maas-api.md#response-framing, docs/maas-upload-protocol.md#deriving-the-offset).
t.test('float repr as CPython', async (t) => {
  const cases: [number, string][] = [
    [0, '0.0'],
    [100, '100.0'],
    [50, '50.0'],
    [100 / 3, '33.333333333333336'],
    [1e-5, '1e-05'],
    [0.0001, '0.0001'],
    [1.5e-7, '1.5e-07'],
    [1e16, '1e+16'],
    [123456789012345680, '1.2345678901234568e+17'],
    [4294967296, '4294967296.0'],
    [-2.5, '-2.5'],
    [(100 * 1) / 2 ** 40, '9.094947017729282e-11'],
  ];
  for (const [x, py] of cases) t.equal(pyFloatRepr(x), py, py);
});

t.test('json.dumps compact and indent=4', async (t) => {
  t.equal(pythonJsonDumps({ a: [1, 'x'], b: null, c: new PyFloat(0) }), '{"a": [1, "x"], "b": null, "c": 0.0}');
  t.equal(pythonJsonDumps({ a: {}, b: [] }, { indent: 4 }), '{\n    "a": {},\n    "b": []\n}');
  t.equal(pythonJsonDumps(new Map([['20240301.1', 1], ['20240301', 2]])), '{"20240301.1": 1, "20240301": 2}', 'Map keeps order');
  t.equal(pythonJsonDumps({ b: 1, a: 2 }, { sortKeys: true }), '{"a": 2, "b": 1}');
  t.equal(pythonJsonDumps('é\u0001"'), '"\\u00e9\\u0001\\""', 'ensure_ascii by default');
  t.equal(pythonJsonDumps('é😀', { ensureAscii: false }), '"é😀"');
  t.equal(pythonJsonDumps('😀'), '"\\ud83d\\ude00"');
});

t.test('str repr as CPython', async (t) => {
  t.equal(pyRepr('abc'), "'abc'");
  t.equal(pyRepr("it's"), '"it\'s"');
  t.equal(pyRepr('a\'b"c'), "'a\\'b\"c'");
  t.equal(pyRepr('a\nb\\'), "'a\\nb\\\\'");
  t.equal(pyListRepr(['synced', 'uploaded']), "['synced', 'uploaded']");
});
