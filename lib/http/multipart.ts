import { randomBytes } from 'node:crypto';

interface MultipartBody {
  body: Buffer;
  /** `multipart/form-data; boundary=…`, the header that goes with `body`. */
  contentType: string;
}

/**
 * A multipart/form-data body of text fields (RFC 7578), built in memory: the fields of a create or
 * an edit are a few short strings, and a Buffer goes out in one write with an exact Content-Length
 * on either path (direct or proxied). MAAS reads it with Django's MultiPartParser
 * (django/http/multipartparser.py), which needs only each part's Content-Disposition name, as the
 * maas CLI sends them (docs/maas-cli.md#query-or-body).
 */
export function multipartBody(fields: Record<string, string>): MultipartBody {
  // 24 random bytes: a boundary no field value can contain by chance.
  const boundary = `----maas-esxi-${randomBytes(24).toString('hex')}`;
  const parts = Object.entries(fields).map(
    ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(name)}"\r\n\r\n${value}\r\n`,
  );
  return { body: Buffer.from(`${parts.join('')}--${boundary}--\r\n`, 'utf8'), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** A field name inside its quotes: `"`, CR and LF percent-encoded, as the HTML form encoding does (and undici's FormData). */
function escapeName(name: string): string {
  return name.replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/"/g, '%22');
}
