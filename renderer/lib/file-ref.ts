/** A dropped or picked File as the contract's FileRef: its path in Electron, its bytes in the browser. */
import type { FileRef } from '../../electron/contract';
import { pathForFile } from '../api';
import { encodeBase64 } from './bytes';

export async function fileRefOf(file: File): Promise<FileRef> {
  const path = pathForFile(file);
  if (path) return { path };
  return { name: file.name, dataBase64: encodeBase64(new Uint8Array(await file.arrayBuffer())) };
}
