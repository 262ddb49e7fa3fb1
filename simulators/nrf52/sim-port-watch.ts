/** A PortWatch over a simulated USB bus: simulators add and remove ports as boards re-enumerate. */
import { FlashdeckError, cancelledError } from '../../drivers/common/errors';
import type { PortWatch, SerialPortInfo } from '../../drivers/common/port-watch';

export class SimPortWatch implements PortWatch {
  private ports: SerialPortInfo[] = [];
  private readonly waiters = new Set<(port: SerialPortInfo) => void>();

  constructor(initial: SerialPortInfo[] = []) {
    this.ports = [...initial];
  }

  add(port: SerialPortInfo): void {
    this.ports = this.ports.filter((p) => p.path !== port.path).concat(port);
    for (const waiter of [...this.waiters]) waiter(port);
  }

  remove(path: string): void {
    this.ports = this.ports.filter((p) => p.path !== path);
  }

  async list(): Promise<SerialPortInfo[]> {
    return [...this.ports];
  }

  waitFor(match: (port: SerialPortInfo) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<SerialPortInfo> {
    const present = this.ports.find(match);
    if (present) return Promise.resolve(present);
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
        signal?.removeEventListener('abort', onAbort);
      };
      const check = (port: SerialPortInfo) => {
        if (!match(port)) return;
        done();
        resolve(port);
      };
      const onAbort = () => {
        done();
        reject(cancelledError('waiting-for-board'));
      };
      const timer = setTimeout(() => {
        done();
        reject(new FlashdeckError({ code: 'BOARD_DID_NOT_RETURN', stage: 'waiting-for-board', message: `No matching port appeared within ${timeoutMs} ms.` }));
      }, timeoutMs);
      this.waiters.add(check);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
