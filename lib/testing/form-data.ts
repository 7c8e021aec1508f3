/**
 * Request-data parsing as Django + piston do it for POST/PUT (docs/maas-upload-protocol.md#request-encoding): form-urlencoded
 * and multipart/form-data become form fields (the last value of a repeated key wins, as
 * `QueryDict.get`), application/json becomes a dict, anything else leaves `request.data = None`.
 */

interface FormFile {
  filename: string;
  contentType: string;
  data: Buffer;
}

export type RequestData =
  | { kind: 'form'; fields: Map<string, string>; files: Map<string, FormFile>; params: URLSearchParams }
  | { kind: 'json'; value: unknown }
  | { kind: 'none' }
  /** piston could not decode the body: 400 `Bad Request` (docs/maas-upload-protocol.md#request). */
  | { kind: 'invalid' };

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

function headerParam(header: string, name: string): string | undefined {
  const re = new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;]*))`, 'i');
  const m = re.exec(header);
  if (!m) return undefined;
  return m[1] ?? m[2]?.trim();
}

/** Parse a multipart/form-data body (Django MultiPartParser semantics, incl. base64 parts as maascli sends them, docs/maas-cli.md#query-or-body). */
function parseMultipart(body: Buffer, contentType: string): { fields: [string, string][]; files: [string, FormFile][] } | undefined {
  const boundary = headerParam(contentType, 'boundary');
  if (!boundary) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  const fields: [string, string][] = [];
  const files: [string, FormFile][] = [];
  let pos = body.indexOf(delimiter);
  if (pos < 0) return undefined;
  for (;;) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString() === '--') break;
    // Skip the line break after the delimiter.
    if (body[pos] === 0x0d) pos++;
    if (body[pos] === 0x0a) pos++;
    const next = body.indexOf(delimiter, pos);
    if (next < 0) return undefined;
    let end = next;
    // The line break before the next delimiter belongs to the delimiter.
    if (body[end - 1] === 0x0a) end--;
    if (body[end - 1] === 0x0d) end--;
    const part = body.subarray(pos, end);
    let headerEnd = part.indexOf('\r\n\r\n');
    let sepLen = 4;
    if (headerEnd < 0) {
      headerEnd = part.indexOf('\n\n');
      sepLen = 2;
    }
    if (headerEnd < 0) return undefined;
    const headers = new Map<string, string>();
    for (const line of part.subarray(0, headerEnd).toString('utf8').split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    let data: Buffer = part.subarray(headerEnd + sepLen);
    if ((headers.get('content-transfer-encoding') ?? '').toLowerCase() === 'base64') {
      data = Buffer.from(data.toString('latin1').replace(/\s+/g, ''), 'base64');
    }
    const disposition = headers.get('content-disposition') ?? '';
    const name = headerParam(disposition, 'name');
    if (name !== undefined) {
      const filename = headerParam(disposition, 'filename');
      if (filename !== undefined) {
        files.push([name, { filename, contentType: headers.get('content-type') ?? 'application/octet-stream', data }]);
      } else {
        const charset = headerParam(headers.get('content-type') ?? '', 'charset') ?? 'utf-8';
        fields.push([name, data.toString(charset.toLowerCase() === 'utf-8' ? 'utf8' : 'latin1')]);
      }
    }
    pos = next;
  }
  return { fields, files };
}

/** piston's `translate_mime` for a POST/PUT body. */
export function parseRequestData(contentType: string | undefined, body: Buffer): RequestData {
  const type = mediaType(contentType);
  if (type === 'application/x-www-form-urlencoded') {
    const params = new URLSearchParams(body.toString('utf8'));
    return { kind: 'form', fields: new Map(params), files: new Map(), params };
  }
  if (type === 'multipart/form-data') {
    const parsed = parseMultipart(body, contentType ?? '');
    if (!parsed) return { kind: 'invalid' };
    const params = new URLSearchParams(parsed.fields);
    return { kind: 'form', fields: new Map(parsed.fields), files: new Map(parsed.files), params };
  }
  if (type === 'application/json') {
    try {
      return { kind: 'json', value: JSON.parse(body.toString('utf8')) as unknown };
    } catch {
      return { kind: 'invalid' };
    }
  }
  if (type === 'application/x-yaml' || type === 'text/yaml') return { kind: 'invalid' };
  return { kind: 'none' };
}
