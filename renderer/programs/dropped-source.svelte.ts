/**
 * A Go program dropped on a board, as a build source: a .go file, or a folder (with its go.mod)
 * where the app knows dropped paths (Electron). The Programs tab builds and flashes it; a drop on
 * the Flash tab is handed over to it, so both follow one path (options, log, then the console).
 */
import type { BuildSource } from '../../electron/contract';
import { pathForFile } from '../api';
import { encodeBase64 } from '../lib/bytes';

export type DroppedSource = { source: BuildSource } | { error: { message: string; hint?: string } };

/** The drop as a build source, or null when it is not Go source (a firmware image, say). */
export async function buildSourceFromDrop(transfer: DataTransfer | null | undefined): Promise<DroppedSource | null> {
  const file = transfer?.files[0];
  if (!file) return null;
  const isFolder = transfer?.items[0]?.webkitGetAsEntry?.()?.isDirectory ?? false;
  if (!isFolder && !file.name.endsWith('.go')) return null;
  const path = pathForFile(file);
  if (path) return { source: { kind: 'path', path } };
  if (isFolder) {
    return {
      error: {
        message: `${file.name} is a folder.`,
        hint: 'In the browser only single .go files can be dropped; type the path of a folder with a go.mod on the Programs tab instead.',
      },
    };
  }
  return { source: { kind: 'upload', name: file.name, dataBase64: encodeBase64(new Uint8Array(await file.arrayBuffer())) } };
}

/** A source dropped on another tab, waiting for this board's Programs tab to build and flash it. */
const handedOver = $state<{ boardId: string | null; source: BuildSource | null }>({ boardId: null, source: null });

export function handOverSource(boardId: string, source: BuildSource): void {
  handedOver.boardId = boardId;
  handedOver.source = source;
}

export function takeHandedOverSource(boardId: string): BuildSource | null {
  if (handedOver.boardId !== boardId || !handedOver.source) return null;
  const source = handedOver.source;
  handedOver.boardId = null;
  handedOver.source = null;
  return source;
}
