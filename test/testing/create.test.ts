import { createHash } from 'node:crypto';
import t from 'tap';
import { startMaasSimulator, type MaasEra } from '../../lib/testing/index.js';
import { call, createResource, form, newestFile, type Teardown } from '../fixtures/testing/maas-call.js';

// A fixed clock in the past: set versions are predictable and real-time OAuth timestamps count
// as "future", which MAAS accepts (docs/maas-api.md#the-300-s-window).
const NOW = Date.UTC(2024, 2, 1, 12, 0, 0);
const DAY = '20240301';
const SHA = 'aec07060c0e0b8ff4bfa6c2ad2d6c5a4d0e4a5e9d1d1f0a3b2c4d5e6f7a8b9c0';

const esxi = (extra: Record<string, string | number> = {}) => ({
  name: 'esxi/7.0',
  title: 'VMware ESXi 7.0',
  architecture: 'amd64/generic',
  filetype: 'ddgz',
  sha256: SHA,
  size: 386271744,
  ...extra,
});

async function sim(t: Teardown, era: MaasEra = "3.8", opts = {}) {
  const s = await startMaasSimulator({ era, now: () => NOW, ...opts });
  t.teardown(() => s.close());
  return s;
}

t.test('docs/maas-api.md#error-statuses-and-texts: the documented example error body, byte for byte', async (t) => {
  const s = await sim(t, '3.8', { usableArchitectures: [] });
  const r = await createResource(s, { name: 'esxi/7.0', architecture: 'amd64/generic' });
  t.equal(r.status, 400);
  t.equal(r.headers['content-type'], 'application/json; charset=utf-8');
  t.equal(
    r.text,
    `{"architecture": ["'amd64/generic' is not a valid architecture.  It should be one of: ''."], "sha256": ["This field is required."], "size": ["This field is required."]}`,
  );
});

t.test('docs/maas-upload-protocol.md#the-answer: 201 body for a fresh 3.8 esxi/7.0 ddgz create, byte for byte', async (t) => {
  const s = await sim(t);
  const r = await createResource(s, esxi());
  t.equal(r.status, 201);
  t.equal(r.headers['content-type'], 'application/json; charset=utf-8');
  const { id } = r.json();
  const fileId = newestFile(r.json()).upload_uri.split('/').at(-2);
  t.equal(
    r.text,
    `{
    "id": ${id},
    "type": "Uploaded",
    "name": "esxi/7.0",
    "architecture": "amd64/generic",
    "resource_uri": "/MAAS/api/2.0/boot-resources/${id}/",
    "last_deployed": null,
    "subarches": "generic",
    "title": "VMware ESXi 7.0",
    "sets": {
        "${DAY}": {
            "version": "${DAY}",
            "label": "uploaded",
            "size": 386271744,
            "complete": false,
            "progress": 0.0,
            "files": {
                "root-dd.gz": {
                    "filename": "root-dd.gz",
                    "filetype": "root-dd.gz",
                    "sha256": "${SHA}",
                    "filename_on_disk": "aec0706",
                    "size": 386271744,
                    "complete": false,
                    "progress": 0.0,
                    "upload_uri": "/MAAS/api/2.0/boot-resources/${id}/upload/${fileId}/"
                }
            }
        }
    }
}`,
  );
  t.same(s.resource(id), r.json(), 'GET boot-resources/{id}/ returns the same object (docs/maas-api.md#boot-resources)');
});

t.test('docs/maas-upload-protocol.md#fields: filetype → stored filetype and filename', async (t) => {
  const s = await sim(t);
  const table: Record<string, [string, string]> = {
    tgz: ['root-tgz', 'root.tgz'],
    tbz: ['root-tbz', 'root.tbz'],
    txz: ['root-txz', 'root.txz'],
    ddtgz: ['root-dd', 'root-dd'],
    ddtar: ['root-dd.tar', 'root-dd.tar'],
    ddraw: ['root-dd.raw', 'root-dd.raw'],
    ddtbz: ['root-dd.tar.bz2', 'root-dd.tar.bz2'],
    ddtxz: ['root-dd.tar.xz', 'root-dd.tar.xz'],
    ddbz2: ['root-dd.bz2', 'root-dd.bz2'],
    ddgz: ['root-dd.gz', 'root-dd.gz'],
    ddxz: ['root-dd.xz', 'root-dd.xz'],
  };
  let n = 0;
  for (const [filetype, [stored, filename]] of Object.entries(table)) {
    const sha = createHash('sha256').update(filetype).digest('hex');
    const r = await createResource(s, esxi({ name: `esxi/ft${n++}`, filetype, sha256: sha }));
    t.equal(r.status, 201, filetype);
    const f = newestFile(r.json());
    t.equal(f.filetype, stored, `${filetype} filetype`);
    t.equal(f.filename, filename, `${filetype} filename`);
  }
  const noType = await createResource(s, { ...esxi({ name: 'esxi/default-type' }), filetype: '' });
  t.same(noType.json(), { filetype: ['This field is required.'] }, 'an empty filetype is not the default');
  const r = await call(s, 'POST', 'boot-resources/', {
    key: s.adminKey,
    ...form({ name: 'esxi/notype', architecture: 'amd64/generic', sha256: SHA.replace('a', 'b'), size: 1 }),
  });
  t.equal(newestFile(r.json()).filetype, 'root-tgz', 'absent filetype defaults to tgz (docs/maas-upload-protocol.md#request-encoding)');
  const bad = await createResource(s, esxi({ filetype: 'iso' }));
  t.same(bad.json(), { filetype: ['Select a valid choice. iso is not one of the available choices.'] });
});

t.test('docs/maas-upload-protocol.md#name-rules, docs/maas-api.md#error-statuses-and-texts: name, architecture, sha256 and size messages', async (t) => {
  const s = await sim(t, '3.8');
  const errs = async (fields: Record<string, string | number>) => (await createResource(s, fields)).json();
  t.same(await errs({ architecture: 'amd64/generic', sha256: SHA, size: 1 }), { name: ['This field is required.'] });
  t.same(await errs(esxi({ name: `esxi/${'x'.repeat(251)}` })), { name: ['Ensure this value has at most 255 characters (it has 256).'] });
  t.same(await errs(esxi({ name: 'vmware/7.0' })), {
    name: [
      "Unsupport operating system vmware, supported operating systems: ['ubuntu', 'ubuntu-core', 'bootloader', 'centos', 'rhel', 'custom', 'windows', 'suse', 'esxi', 'ol', 'onie']",
    ],
  });
  t.same(await errs(esxi({ name: 'ubuntu/noble' })), { name: ['ubuntu/noble is a reserved name'] });
  t.same(await errs(esxi({ name: 'noble' })), { name: ['noble is a reserved name'] });
  t.same(await errs(esxi({ name: 'esxi' })), { name: ['esxi is a reserved name'] }, 'a registered OS name alone');
  t.same(await errs(esxi({ name: 'centos7' })), { name: ['centos7 is a reserved name'] }, '^centos\\d\\d?$');
  t.same(await errs(esxi({ architecture: 'i386/generic' })), {
    architecture: ["'i386/generic' is not a valid architecture.  It should be one of: 'amd64/generic', 'arm64/generic'."],
  });
  t.same(await errs(esxi({ sha256: 'abc' })), { sha256: ['Ensure this value has at least 64 characters (it has 3).'] });
  t.same(await errs(esxi({ sha256: `${SHA}0` })), { sha256: ['Ensure this value has at most 64 characters (it has 65).'] });
  t.same(await errs(esxi({ size: '12.5' })), { size: ['Enter a whole number.'] });
  const order = await createResource(s, { name: 'vmware/1', architecture: 'x', filetype: 'zip', sha256: 'a', size: 'b' });
  t.same(Object.keys(order.json()), ['name', 'architecture', 'filetype', 'sha256', 'size'], 'keys in field-cleaning order');
  const ok = await createResource(s, esxi({ name: 'esxi/sized', size: '12.00' }));
  t.equal(ok.status, 201, 'IntegerField strips a trailing .0');
  t.equal(ok.json().sets[DAY].size, 12);
});

t.test('docs/maas-upload-protocol.md#name-rules: more than one slash → 500 ValueError text, per era', async (t) => {
  const s38 = await sim(t, '3.8');
  const r = await createResource(s38, esxi({ name: 'esxi/7/0' }));
  t.equal(r.status, 500);
  t.equal(r.text, 'too many values to unpack (expected 2, got 3)');
  t.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
  const s37 = await sim(t, '3.7');
  const r37 = await createResource(s37, esxi({ name: 'esxi/7/0/1' }));
  t.equal(r37.text, 'too many values to unpack (expected 2)');
});

t.test('docs/maas-upload-protocol.md#name-rules: the OS list per era (onie only in 3.8)', async (t) => {
  const s = await sim(t, '3.7');
  const r = await createResource(s, esxi({ name: 'onie/1' }));
  t.same(r.json().name, [
    "Unsupport operating system onie, supported operating systems: ['ubuntu', 'ubuntu-core', 'bootloader', 'centos', 'rhel', 'custom', 'windows', 'suse', 'esxi', 'ol']",
  ]);
});

t.test('docs/maas-upload-protocol.md#name-rules step 3: custom/ prefix stripped ≤3.7, kept on 3.8', async (t) => {
  const s37 = await sim(t, '3.7');
  t.equal((await createResource(s37, esxi({ name: 'custom/myimg' }))).json().name, 'myimg');
  const s38 = await sim(t, '3.8');
  t.equal((await createResource(s38, esxi({ name: 'custom/myimg' }))).json().name, 'custom/myimg');
});

t.test('docs/maas-upload-protocol.md#base-image: base_image rules', async (t) => {
  const s = await sim(t, '3.8');
  const e = await createResource(s, esxi({ base_image: 'nonsense' }));
  t.equal(e.status, 201, 'ignored for esxi/…');
  t.notOk('base_image' in e.json(), 'stored as "" and not rendered');
  const dflt = await createResource(s, esxi({ name: 'custom/a', sha256: SHA.replace('a', 'c') }));
  t.equal(dflt.json().base_image, 'ubuntu/noble', 'defaults to the commissioning OS/series');
  t.same((await createResource(s, esxi({ name: 'custom/b', base_image: 'ubuntu' }))).json(), {
    base_image: ['a base image must follow the format: <osystem>/<series>'],
  });
  t.same((await createResource(s, esxi({ name: 'custom/b', base_image: 'windows/2019' }))).json(), {
    base_image: ['custom images require a valid non-custom OS type base image'],
  });
  t.same((await createResource(s, esxi({ name: 'custom/b', base_image: 'ubuntu/22.04' }))).json(), {
    base_image: ['please select a valid base image OS and version'],
  });
  const stored = await createResource(s, esxi({ name: 'slashless', base_image: 'Ubuntu/Jammy', sha256: SHA.replace('a', 'd') }));
  t.equal(stored.json().base_image, 'ubuntu/jammy', 'stored lower-cased');
  const again = await createResource(s, esxi({ name: 'slashless', base_image: 'centos/8', sha256: SHA.replace('a', 'd') }));
  t.equal(again.json().base_image, 'ubuntu/jammy', 'never changed by a later create');
  const s34 = await sim(t, '3.4');
  const old = await createResource(s34, esxi({ name: 'custom/x' }));
  t.notOk('base_image' in old.json(), '≤3.4 does not render base_image');
  t.notOk('filename_on_disk' in newestFile(old.json()), '≤3.4 does not render filename_on_disk');
  t.same((await createResource(s34, esxi({ name: 'custom/y', base_image: 'ol/8' }))).json(), {
    base_image: ['custom images require a valid non-custom OS type base image'],
  }, '≤3.4 has no ol base images');
});

t.test('docs/maas-upload-protocol.md#fields: title is always stored, "" when omitted', async (t) => {
  const s = await sim(t);
  const { title, ...noTitle } = esxi();
  const r = await createResource(s, noTitle);
  t.equal(r.json().title, '');
});

t.test('docs/maas-upload-protocol.md#same-name-and-architecture-twice: re-create → same id, new set YYYYmmdd.N, old files removed, old sets left empty', async (t) => {
  const s = await sim(t);
  const first = (await createResource(s, esxi())).json();
  const second = await createResource(s, esxi({ title: 'Second' }));
  const third = await createResource(s, esxi({ title: 'Third' }));
  t.equal(second.json().id, first.id);
  t.equal(third.json().id, first.id);
  const body = third.json();
  t.equal(body.title, 'Third', 'extra replaced');
  t.same(Object.keys(body.sets).sort(), [DAY, `${DAY}.1`, `${DAY}.2`]);
  // Text order = newest first (JSON.parse would reorder integer-like keys).
  const positions = [`"${DAY}.2"`, `"${DAY}.1"`, `"${DAY}":`].map((k) => third.text.indexOf(k));
  t.ok(positions[0]! < positions[1]! && positions[1]! < positions[2]!, 'sets newest first');
  for (const old of [DAY, `${DAY}.1`]) {
    t.same(body.sets[old], { version: old, label: 'uploaded', size: 0, complete: false, progress: 0, files: {} }, `${old} left empty`);
    t.match(third.text, new RegExp(`"version": "${old.replace('.', '\\.')}",\\n\\s+"label": "uploaded",\\n\\s+"size": 0,\\n\\s+"complete": false,\\n\\s+"progress": 0\\.0,\\n\\s+"files": \\{\\}`));
  }
  const oldFileId = Number(newestFile(first).upload_uri.split('/').at(-2));
  t.throws(() => s.fileReceived(oldFileId), 'old file row deleted');
});

t.test('docs/maas-upload-protocol.md#same-name-and-architecture-twice step 6: same sha256 with another size → 400 plain text, nothing created', async (t) => {
  const s = await sim(t);
  await createResource(s, esxi());
  const before = (await call(s, 'GET', 'boot-resources/', { key: s.adminKey })).json().length;
  const r = await createResource(s, esxi({ name: 'esxi/8.0', size: 5 }));
  t.equal(r.status, 400);
  t.equal(r.text, 'File already exists with sha256 that is of different size.');
  t.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
  t.equal((await call(s, 'GET', 'boot-resources/', { key: s.adminKey })).json().length, before, 'rolled back');
});

t.test('docs/maas-upload-protocol.md#request-encoding: request encodings', async (t) => {
  const s = await sim(t, '3.8');
  const json = await call(s, 'POST', 'boot-resources/', {
    key: s.adminKey,
    body: JSON.stringify({ ...esxi({ name: 'esxi/json' }), size: 10 }),
    headers: { 'content-type': 'application/json' },
  });
  t.equal(json.status, 201, 'JSON');
  t.equal(newestFile(json.json()).size, 10);

  // maascli's multipart: every part base64-encoded (docs/maas-cli.md#query-or-body).
  const boundary = '===============2393804145904182488==';
  const parts = Object.entries({ ...esxi({ name: 'esxi/multipart' }), sha256: SHA.replace('a', 'e') }).map(
    ([k, v]) =>
      `--${boundary}\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: form-data; name="${k}"\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset="utf-8"\r\n\r\n${Buffer.from(String(v)).toString('base64')}\r\n`,
  );
  const mp = await call(s, 'POST', 'boot-resources/', {
    key: s.adminKey,
    body: `${parts.join('')}--${boundary}--\r\n`,
    headers: { 'content-type': `multipart/form-data; boundary="${boundary}"`, 'mime-version': '1.0' },
  });
  t.equal(mp.status, 201, 'base64 multipart');
  t.equal(mp.json().name, 'esxi/multipart');

  const plain = await call(s, 'POST', 'boot-resources/', { key: s.adminKey, body: 'name=x', headers: { 'content-type': 'text/plain' } });
  t.equal(plain.status, 500);
  t.equal(plain.text, "'NoneType' object has no attribute 'copy'");
});

function contentMultipart(fields: Record<string, string>, content: Buffer): { body: Buffer; headers: Record<string, string> } {
  const b = 'sim-boundary-42';
  const chunks: Buffer[] = Object.entries(fields).map(([k, v]) =>
    Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`),
  );
  chunks.push(Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="content"; filename="content"\r\nContent-Type: application/octet-stream\r\n\r\n`), content, Buffer.from(`\r\n--${b}--\r\n`));
  return { body: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${b}` } };
}

t.test('docs/maas-upload-protocol.md#request-encoding, #the-answer: ≤3.7 accepts a `content` part (complete at once); 3.8 ignores it', async (t) => {
  const image = Buffer.from('a whole small image\n'.repeat(50));
  const fields = { name: 'esxi/content', architecture: 'amd64/generic', filetype: 'ddgz', title: 'T' };
  const s37 = await sim(t, '3.7');
  const r = await call(s37, 'POST', 'boot-resources/', { key: s37.adminKey, ...contentMultipart(fields, image) });
  t.equal(r.status, 201);
  const f = newestFile(r.json());
  t.equal(f.complete, true);
  t.notOk('progress' in f);
  t.notOk('upload_uri' in f);
  t.equal(f.sha256, createHash('sha256').update(image).digest('hex'), 'sha256 computed server-side');
  t.equal(f.size, image.length);
  const s38 = await sim(t, '3.8');
  const r38 = await call(s38, 'POST', 'boot-resources/', { key: s38.adminKey, ...contentMultipart(fields, image) });
  t.equal(r38.status, 400);
  t.same(r38.json(), { sha256: ['This field is required.'], size: ['This field is required.'] });
});

t.test('docs/maas-api.md#permissions: writes need a superuser; the check precedes validation', async (t) => {
  for (const [era, text] of [
    ['3.7', 'This method is reserved for admin users.'],
    ['3.8', "User does not have permission to perform this operation. The user should have permission 'can_edit_boot_entities'"],
  ] as const) {
    const s = await sim(t, era);
    const r = await call(s, 'POST', 'boot-resources/', { key: s.userKey });
    t.equal(r.status, 403, era);
    t.equal(r.text, text, era);
    t.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
    t.equal((await call(s, 'POST', 'boot-resources/?op=import', { key: s.userKey })).text, text, `${era} import`);
    t.equal((await call(s, 'DELETE', 'boot-resources/9999/', { key: s.userKey })).status, 403, `${era} delete of an unknown id`);
    t.equal((await call(s, 'GET', 'boot-resources/', { key: s.userKey })).status, 200, 'reads need no permission');
  }
});

t.test('docs/maas-upload-protocol.md#same-content-twice: filename_on_disk is the 7-hex prefix, lengthened on collision, shared by equal sha256', async (t) => {
  const s = await sim(t);
  const a = 'abcdef1' + '0'.repeat(57);
  const b = 'abcdef1' + '1'.repeat(57);
  t.equal(newestFile((await createResource(s, esxi({ name: 'esxi/a', sha256: a, size: 1 }))).json()).filename_on_disk, 'abcdef1');
  t.equal(newestFile((await createResource(s, esxi({ name: 'esxi/b', sha256: b, size: 1 }))).json()).filename_on_disk, 'abcdef11');
  t.equal(newestFile((await createResource(s, esxi({ name: 'esxi/c', sha256: a, size: 1 }))).json()).filename_on_disk, 'abcdef1');
});
