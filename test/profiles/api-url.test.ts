import t from 'tap';
import { normaliseApiUrl } from '../../lib/profiles/api-url.js';

// docs/maas-cli.md#url-normalisation: every row of the table (captured by running the maas CLI's api_url()).
const TABLE: [string, string][] = [
  ['http://h:5240/MAAS', 'http://h:5240/MAAS/api/2.0/'],
  ['http://h:5240/MAAS/', 'http://h:5240/MAAS/api/2.0/'],
  ['http://h:5240/MAAS/api/2.0', 'http://h:5240/MAAS/api/2.0/'],
  ['http://h:5240/MAAS/api/1.0/', 'http://h:5240/MAAS/api/1.0/'],
  ['http://h:5240', 'http://h:5240/api/2.0/'],
  ['https://h/MAAS/api/2.0/machines', 'https://h/MAAS/api/2.0/machines/api/2.0/'],
];

// Further inputs, expected values produced by the same api_url() under CPython 3.11 urllib.
const PYTHON_URLLIB: [string, string][] = [
  ['HTTP://H/MAAS?x=1#f', 'http://H/MAAS/api/2.0/?x=1#f'], // scheme lowercased, query kept out of the path
  ['http://h/MAAS;p', 'http://h/MAAS/api/2.0/;p'], // ;params of the last segment
  ['http://h/a;b/c', 'http://h/a;b/c/api/2.0/'],
  ['http://[::1]:5240/MAAS', 'http://[::1]:5240/MAAS/api/2.0/'],
  ['http://h/MAAS/api/2/', 'http://h/MAAS/api/2/'],
  ['http://h/MAAS/API/2.0/', 'http://h/MAAS/API/2.0/api/2.0/'], // case-sensitive match
  ['http://h/MAAS/api/2.0//', 'http://h/MAAS/api/2.0//api/2.0/'],
  ['http:/MAAS', 'http:///MAAS/api/2.0/'],
  ['h:5240/MAAS', 'h:5240/MAAS/api/2.0/'],
  ['http://u:p@h/MAAS', 'http://u:p@h/MAAS/api/2.0/'],
  [' http://h/MAAS', 'http://h/MAAS/api/2.0/'],
  ['http://h/MA\tAS', 'http://h/MAAS/api/2.0/'],
  ['http://h/MAAS/api/2.0/?', 'http://h/MAAS/api/2.0/'],
];

t.test('docs/maas-cli.md#url-normalisation table', async (t) => {
  for (const [input, expected] of TABLE) t.equal(normaliseApiUrl(input), expected, input);
});

t.test('matches Python urllib for the corner cases', async (t) => {
  for (const [input, expected] of PYTHON_URLLIB) t.equal(normaliseApiUrl(input), expected, JSON.stringify(input));
});

t.test('idempotent on its own output', async (t) => {
  for (const [, expected] of [...TABLE, ...PYTHON_URLLIB]) {
    t.equal(normaliseApiUrl(expected), expected, expected);
  }
});
