import type { UploadPhase, UploadProgress } from '../upload/types.js';
import type { BootResourceUpload } from '../upload/uploader.js';
import type { ProgressSample, ProgressView } from './progress-types.js';

/**
 * What a person reads for each upload phase, shared by one site and several (prefixed there).
 * Returns a mapper with memory: the SDK reports `verify` after the last chunk and again while it
 * polls the resource, but to a person it is one wait, so it is said once per upload.
 */
function phaseWording(knownSha256: string): (phase: UploadPhase, detail: string | undefined) => string | undefined {
  let verifySaid = false;
  return (phase, detail) => {
    if (phase === 'hash') return detail === 'cached' ? 'Using the cached sha256 of the image.' : detail === 'given' ? knownSha256 : 'Hashing the image (sha256)…';
    if (phase === 'create') return 'Creating the boot resource…';
    // The offset is MAAS's own count, which can be ahead of what an interrupted run saw acknowledged.
    if (phase === 'upload') return detail ? `Resuming ${detail} (the bytes MAAS already holds).` : undefined;
    if (phase === 'verify') {
      if (verifySaid) return undefined;
      verifySaid = true;
      return 'Waiting for MAAS to verify the image…';
    }
    if (phase === 'settle') return detail ? `Waiting: ${detail}.` : undefined;
    if (phase === 'confirm') return 'Waiting for MAAS to confirm the last chunk — Ctrl-C again to quit now.';
    if (phase === 'sync') return 'Waiting for the other region controllers to copy the image…';
    return undefined;
  };
}

/** The progress sample a view shows for an SDK progress event, or undefined for phases without a bar. */
function progressSample(p: UploadProgress): ProgressSample | undefined {
  if (p.phase !== 'hash' && p.phase !== 'upload') return undefined;
  return { label: p.phase === 'hash' ? 'hashing' : 'uploading', phase: p.phase, done: p.bytesSent, acked: p.bytesAcked, total: p.total, rate: p.rate, eta: p.eta };
}

/** Show an upload's phases and progress in a view (one site, or one of several). */
export function showPhases(upload: BootResourceUpload, view: ProgressView, knownSha256 = 'Using the known sha256 (given, from the build, or from the saved upload).'): void {
  const wording = phaseWording(knownSha256);
  upload.on('phase', (phase, detail) => {
    const line = wording(phase, detail);
    if (line !== undefined) view.log(line);
  });
  upload.on('progress', (p) => {
    const sample = progressSample(p);
    if (sample) view.update(sample);
  });
}
