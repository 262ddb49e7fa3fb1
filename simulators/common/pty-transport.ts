/**
 * Attaches a SimDevice to a real pseudo-terminal pair made by socat, so a client opens
 * `hostPath` exactly as it would open /dev/ttyUSB0. Pseudo-terminals carry no DTR/RTS
 * (ioctl fails with ENOTTY) and no baud, so the device learns its baud from its protocol.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { SerialPort } from 'serialport';
import type { SimDevice } from './sim-device';
import { SimWire } from './sim-wire';
import type { FaultPlan } from './faults';

export interface PtyPair {
  /** The end the client (app, esptool, a user's script) opens. */
  hostPath: string;
  /** The end the simulator holds. */
  devicePath: string;
  process: ChildProcess;
  close(): Promise<void>;
}

/**
 * Starts `socat` with two raw pseudo-terminals and resolves with both paths. With `hostLink`, the
 * host end is also reachable at that path (a symlink socat removes when it exits), so a device
 * that re-enumerates comes back where the client expects it.
 */
export function createPtyPair(timeoutMs = 5000, hostLink?: string): Promise<PtyPair> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', `pty,raw,echo=0${hostLink ? `,link=${hostLink}` : ''}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (error) {
      reject(error);
      return;
    }
    const paths: string[] = [];
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`socat did not report two pseudo-terminals within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`Could not start socat (${error.message}). Install it: apt-get install socat`));
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      for (const match of stderr.matchAll(/PTY is (\S+)/g)) if (!paths.includes(match[1])) paths.push(match[1]);
      if (paths.length === 2) {
        clearTimeout(timer);
        child.stderr!.removeAllListeners('data');
        child.stderr!.resume();
        resolve({
          devicePath: paths[0],
          hostPath: hostLink ?? paths[1],
          process: child,
          close: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    });
  });
}

export interface PtyAttachment {
  hostPath: string;
  /** Host→device and device→host wires: change faults or throttling while running. */
  toDevice: SimWire;
  toHost: SimWire;
  /** Resolves when the device has unplugged itself (SimSink.disconnect) or close() ran. */
  closed: Promise<void>;
  /**
   * Freezes the line as a hung USB-serial adapter or a browned-out board would: socat is stopped
   * (SIGSTOP), so nothing moves either way and the host's writes fill the pty and block.
   */
  freeze(): void;
  /** Lets socat run again (SIGCONT); what was queued in the pty flows on. */
  thaw(): void;
  close(): Promise<void>;
}

export interface PtyAttachOptions {
  /** Baud the device's UART starts at; pacing follows SimSink.setDeviceBaud afterwards. */
  baud: number;
  throttle?: boolean;
  toDeviceFaults?: FaultPlan;
  toHostFaults?: FaultPlan;
  /** A fixed path for the host end (see createPtyPair). */
  hostLink?: string;
}

/** Creates a pty pair and serves `device` on it until closed or until the device disconnects. */
export async function attachToPty(device: SimDevice, options: PtyAttachOptions): Promise<PtyAttachment> {
  const pair = await createPtyPair(5000, options.hostLink);
  const port = new SerialPort({ path: pair.devicePath, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));

  let finished = false;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  const signalSocat = (signal: NodeJS.Signals) => {
    if (pair.process.exitCode === null && pair.process.signalCode === null) pair.process.kill(signal);
  };
  const shutdown = async () => {
    if (finished) return;
    finished = true;
    toDevice.close();
    toHost.close();
    if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    signalSocat('SIGCONT');
    await pair.close();
    resolveClosed();
  };

  const toDevice = new SimWire(
    { baud: options.baud, throttle: options.throttle, faults: options.toDeviceFaults },
    (bytes) => device.receive(bytes),
    () => void shutdown(),
  );
  const toHost = new SimWire(
    { baud: options.baud, throttle: options.throttle, faults: options.toHostFaults },
    (bytes) => {
      if (port.isOpen) port.write(Buffer.from(bytes));
    },
    () => void shutdown(),
  );
  device.attach({
    emit: (bytes) => toHost.send(bytes),
    disconnect: () => void shutdown(),
    setDeviceBaud: (baud) => {
      toDevice.baud = baud;
      toHost.baud = baud;
    },
  });
  port.on('data', (chunk: Buffer) => toDevice.send(new Uint8Array(chunk)));
  port.on('error', () => void shutdown());
  pair.process.on('exit', () => void shutdown());

  return { hostPath: pair.hostPath, toDevice, toHost, closed, freeze: () => signalSocat('SIGSTOP'), thaw: () => signalSocat('SIGCONT'), close: shutdown };
}
