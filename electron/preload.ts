/**
 * The Electron preload: one narrow object on `window.flashdeck`, never ipcRenderer itself.
 * It carries requests and events of electron/contract.ts; main validates every payload.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';

const REQUEST_CHANNEL = 'flashdeck:request';
const EVENT_CHANNEL = 'flashdeck:event';

type Listener = (event: string, payload: unknown) => void;
const listeners = new Set<Listener>();
ipcRenderer.on(EVENT_CHANNEL, (_event: IpcRendererEvent, name: string, payload: unknown) => {
  for (const listener of listeners) listener(name, payload);
});

contextBridge.exposeInMainWorld('flashdeck', {
  request: (name: string, args: unknown) => ipcRenderer.invoke(REQUEST_CHANNEL, name, args),
  subscribe: (listener: Listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  pathForFile: (file: File) => {
    try {
      return webUtils.getPathForFile(file) || null;
    } catch {
      return null;
    }
  },
});
