/** The one fingerprint that ties a flash to the build that produced its file: SHA-256, lower-case hex. */
import { createHash } from 'node:crypto';

export function artifactSha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
