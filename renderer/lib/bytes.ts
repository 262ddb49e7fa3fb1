/** Bytes as the window writes them: sizes with binary units, addresses in hex, and base64 for the contract. */

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1048576).toFixed(2)} MiB`;
}

export function formatHex(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `0x${value.toString(16)}`;
}

/** Base64 for the contract's dataBase64 fields (the browser's native encoder where it has one). */
export function encodeBase64(bytes: Uint8Array): string {
  const withNative = bytes as Uint8Array & { toBase64?: () => string };
  if (typeof withNative.toBase64 === 'function') return withNative.toBase64();
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
