import t from 'tap';
import { PyFloat, pyFloatRepr, pythonJsonDumps } from '../../lib/python/json-dumps.js';
import { pyListRepr, pyRepr } from '../../lib/testing/py-format.js';

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
