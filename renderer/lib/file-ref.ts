/** A dropped or picked File as the contract's FileRef: its path in Electron, its bytes in the browser. */
import type { FileRef } from '../../electron/contract';
import { pathForFile } from '../api';

export async function fileRefOf(file: File): Promise<FileRef> {
  const path = pathForFile(file);
  if (path) return { path };
  return { name: file.name, dataBase64: toBase64(new Uint8Array(await file.arrayBuffer())) };
}

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(binary);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1048576).toFixed(2)} MiB`;
}

export function formatHex(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `0x${value.toString(16)}`;
}
