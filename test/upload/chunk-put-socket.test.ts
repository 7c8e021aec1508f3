// One chunk PUT (lib/upload/chunk-put.ts) through the real transport to a loopback server that
// stops reading: `handedOver` (what the upload counts as sent, docs/maas-upload-protocol.md#sending-chunks)
// must never run ahead of what the connection took. Measured on the server: the bytes it read,
// plus at most what the kernel's socket buffers can hold between the two ends.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { MaasApiClient } from '../../lib/http/api-client.js';
import { BootResources } from '../../lib/resources/boot-resources.js';
import type { ChunkSource } from '../../lib/upload/chunk-source.js';
import { putChunk } from '../../lib/upload/chunk-put.js';
import { fakeUpload } from '../fixtures/fake-upload.js';

/**
 * The most a loopback connection can hold between the writer and a reader that stopped: the
 * sender's and the receiver's largest socket buffers (Linux: the third field of tcp_wmem and
 * tcp_rmem, https://docs.kernel.org/networking/ip-sysctl.html). Elsewhere a generous 32 MiB.
 */
function kernelSlack(): number {
  const max = (file: string): number => Number(readFileSync(file, 'utf8').trim().split(/\s+/)[2]);
  try {
    return max('/proc/sys/net/ipv4/tcp_wmem') + max('/proc/sys/net/ipv4/tcp_rmem');
  } catch {
    return 32 * 1024 * 1024;
  }
}

/** A server that reads the first bytes of a connection (request line, headers, a little body), then nothing more. */
async function stallingServer(): Promise<{ url: string; received: () => number; firstRead: Promise<void>; close: () => Promise<void> }> {
  let received = 0;
  const sockets = new Set<Socket>();
  let onFirst: () => void = () => undefined;
  const firstRead = new Promise<void>((resolve) => (onFirst = resolve));
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('data', (d: Buffer) => {
      received += d.length;
      socket.pause();
      onFirst();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = (): Promise<void> => {
    for (const s of sockets) s.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return { url: `http://127.0.0.1:${port}`, received: () => received, firstRead, close };
}

t.test('a server that stops reading: handedOver stays within what it read plus the kernel buffers', async (t) => {
  const server = await stallingServer();
  t.teardown(server.close);
  // Slices larger than anything the kernel can hold: a slice counted before the socket took it
  // shows as more than the server read plus the buffers.
  const slack = kernelSlack();
  const sliceBytes = slack + 1024 * 1024;
  const slices = 3;
  const slice = Buffer.alloc(sliceBytes, 7);
  const f = fakeUpload({ size: sliceBytes * slices * 2, offset: 0, opts: { interruptGraceMs: 60_000 } });
  const api = new MaasApiClient({ apiUrl: `${server.url}/MAAS/api/2.0/`, apiKey: null });
  t.teardown(() => api.close());
  Object.assign(f.ctx.deps, { api, resources: new BootResources(api) });
  f.ctx.chunkSource = () =>
    ({
      async *chunk(_offset: number, _length: number, onSent: (sent: number) => void) {
        for (let i = 1; i <= slices; i++) {
          yield slice;
          onSent(i * sliceBytes);
        }
      },
    }) as unknown as ChunkSource;
  const put = putChunk(f.ctx, f.s, 0, sliceBytes * slices, false);
  await server.firstRead;
  // Give a read-ahead every chance to show: the transport keeps asking for slices until the
  // socket stops taking them, which happens within the event-loop turns before this answers.
  await new Promise<void>((resolve) => setImmediate(resolve));
  f.abort.abort(new Error('Ctrl-C'));
  const a = await put;
  const bound = server.received() + slack;
  t.ok(a.handedOver <= bound, `handed over ${a.handedOver} bytes; the server read ${server.received()}, the kernel holds at most ${slack}`);
  t.equal(a.status, undefined, 'abandoned (Ctrl-C with the body unsent)');
  t.same(f.log.progress.map(([, sent]) => sent <= bound), f.log.progress.map(() => true), 'no progress report ran ahead either');
});
