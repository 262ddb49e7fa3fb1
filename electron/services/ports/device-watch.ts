/**
 * Tells the board registry when serial device nodes may have come or gone, so it lists ports on
 * change instead of spawning `udevadm` twice a second. Linux: inotify on /dev (ttyUSB*, ttyACM*,
 * rfcomm*) and /dev/pts (pseudo-terminals). Elsewhere there is no cheap signal: the registry polls.
 */
import { watch, type FSWatcher } from 'node:fs';

export type DeviceWatch = (onChange: () => void) => () => void;

export function createDeviceWatch(platform: NodeJS.Platform = process.platform, dirs = ['/dev', '/dev/pts']): DeviceWatch | undefined {
  if (platform !== 'linux') return undefined;
  return (onChange) => {
    const watchers: FSWatcher[] = [];
    for (const dir of dirs) {
      try {
        const watcher = watch(dir, { persistent: false }, () => onChange());
        watcher.on('error', () => watcher.close());
        watchers.push(watcher);
      } catch {
        // not there or not watchable: the registry's slow poll still covers it
      }
    }
    return () => {
      for (const watcher of watchers) watcher.close();
    };
  };
}
