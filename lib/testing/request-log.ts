import type { SimResponse } from './responses.js';
import type { RequestRecord } from './types.js';

/** Upload PUTs: whether and where the chunk landed, so tests count bytes from the server's side. */
export function recordApplied(record: RequestRecord, response: SimResponse): void {
  record.applied = response.applied === true;
  if (response.appliedAt !== undefined) record.appliedAt = response.appliedAt;
}
