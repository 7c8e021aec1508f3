/**
 * The decompressed bytes of an image as a forward-only stream that can be stopped at any point:
 * gzip with Node's zlib; xz and bzip2 with the system's `xz` and `bzip2` read through a pipe
 * (docs/image-inspection.md#decompression: no new npm dependency, C speed, and killing the
 * process is how reading stops early); raw files as they are.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ImageInspectError } from './errors.js';

export type Compression = 'gzip' | 'xz' | 'bzip2' | 'none';

/** One open pass over the decompressed image; `close()` stops it (and any child process). */
export interface DecompressedStream {
  chunks: AsyncIterator<Buffer>;
  close(): void;
}

/**
 * The file's read size. Each read is a fresh Buffer that turns to garbage once passed on, and the
 * stream reads one ahead: with 1 MiB reads the create's image check left ~3 MiB of them for the
 * collector, still held at the upload's peak on Node 24 (64–65 against 63–64 MiB, 3 A/B pairs,
 * docs/performance.md). inspect's time stays within its run-to-run noise.
 */
const READ_BYTES = 256 * 1024;
/** zlib's output chunk: large enough for speed, small enough that read-ahead stays bounded. */
const OUTPUT_BYTES = 256 * 1024;

const TOOL_PACKAGES: Record<'xz' | 'bzip2', string> = { xz: 'xz-utils', bzip2: 'bzip2' };

export function openDecompressed(path: string, compression: Compression): DecompressedStream {
  const file = createReadStream(path, { highWaterMark: READ_BYTES });
  if (compression === 'none') return streamOf(file, () => file.destroy());
  if (compression === 'gzip') {
    const gunzip = createGunzip({ chunkSize: OUTPUT_BYTES });
    file.on('error', (err) => gunzip.destroy(err));
    file.pipe(gunzip);
    return streamOf(gunzip, () => {
      file.destroy();
      gunzip.destroy();
    });
  }
  return toolStream(file, compression);
}

function toolStream(file: Readable, tool: 'xz' | 'bzip2'): DecompressedStream {
  const child: ChildProcess = spawn(tool, ['-dc'], { stdio: ['pipe', 'pipe', 'ignore'] });
  const exited = new Promise<number | null>((resolve) => {
    child.on('close', (code) => resolve(code));
    child.on('error', (err: NodeJS.ErrnoException) => {
      child.stdout!.destroy(err.code === 'ENOENT' ? missingTool(tool) : err);
      resolve(null);
    });
  });
  child.stdin!.on('error', () => undefined); // EPIPE once we stop reading early
  file.on('error', (err) => child.stdout!.destroy(err));
  file.pipe(child.stdin!);
  return {
    chunks: toolOutput(child.stdout!, exited, tool),
    close() {
      file.destroy();
      child.stdout!.destroy();
      if (child.exitCode === null) child.kill('SIGTERM');
    },
  };
}

/** The tool's output, then its verdict: a non-zero exit (truncated or corrupt input) ends the stream with an error. */
async function* toolOutput(stdout: Readable, exited: Promise<number | null>, tool: string): AsyncGenerator<Buffer> {
  for await (const chunk of stdout) yield chunk as Buffer;
  const code = await exited;
  if (code !== 0) throw Object.assign(new Error(`${tool}: unexpected end of input`), { code: 'Z_BUF_ERROR' });
}

function missingTool(tool: 'xz' | 'bzip2'): ImageInspectError {
  return new ImageInspectError(`Reading an ${tool}-compressed image needs the ${tool} program, which is not installed.`, {
    code: 'DECOMPRESSOR_MISSING',
    hint: `Install it: sudo apt-get install ${TOOL_PACKAGES[tool]}.`,
  });
}

function streamOf(readable: Readable, close: () => void): DecompressedStream {
  return { chunks: readable[Symbol.asyncIterator]() as AsyncIterator<Buffer>, close };
}
