import t from 'tap';
import { pythonJsonDumps } from '../../lib/python/json-dumps.js';
import { encodeProfileData } from '../../lib/profiles/profile-record.js';

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
