/**
 * An Adafruit-bootloader board seen through its UF2 drive (nrf52-flashing.md 6.2, 6.6): the drive is a
 * directory holding INFO_UF2.TXT; a simulated board polls it, takes the UF2 blocks of any file
 * written there by the bootloader's rules (flag 0x2000, family, 256-byte payload, 256-aligned,
 * app space 0x1000…0xEA000, no SoftDevice check, as the real one), and once every block of the file
 * has arrived flashes them, removes the directory ("drive vanished") and re-enumerates as the
 * application on a SimPortWatch. Blocks of a foreign family are ignored: the drive just stays.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { SerialPortInfo } from '../../drivers/common/port-watch';
import { appStartBehind, blocksInSectors, driveVerdict, type DriveBlock } from './sim-uf2';
import { SimFlash } from './sim-flash';
import { SimPortWatch } from './sim-port-watch';

export interface Uf2DriveSimOptions {
  /** Directory the drive is mounted under (a test's fake /media/user). */
  mountRoot: string;
  volumeName?: string;
  boardId?: string;
  model?: string;
  /** `SoftDevice:` line of INFO_UF2.TXT: "S140 6.1.1", "S140 7.3.0", "not found", or null to omit the line. */
  softDevice?: string | null;
  flash?: SimFlash;
  portWatch?: SimPortWatch;
  /** USB identity of the application once it runs. */
  appPort?: SerialPortInfo;
  /** USB identity of the bootloader while the drive is mounted. */
  bootloaderPort?: SerialPortInfo;
  /** Board starts in the bootloader with its drive mounted (else: running the app). */
  startInBootloader?: boolean;
  pollMs?: number;
  /** Drive appearing after a touch / double-tap. */
  mountDelayMs?: number;
  /** App enumerating after the flash. */
  reenumerateDelayMs?: number;
  /** The app never enumerates (no USB-CDC in the program, or it crashes). */
  appWithoutUsb?: boolean;
  /** The 1200-baud touch is ignored (app crashed, or built without USB-CDC). */
  ignoreTouch?: boolean;
  /** The bootloader ignores every block (as for a family or range it does not accept). */
  ignoreBlocks?: boolean;
}

export class Uf2DriveSim {
  readonly flash: SimFlash;
  readonly portWatch: SimPortWatch;
  readonly driveDir: string;
  readonly events: string[] = [];
  state: 'app' | 'bootloader' | 'restarting' = 'app';
  /** Written blocks by block number (one file's worth), as the bootloader's bitmap. */
  private readonly received = new Map<number, DriveBlock>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private scanning = false;
  private readonly options: Uf2DriveSimOptions;
  private readonly sdEnd: number;

  constructor(options: Uf2DriveSimOptions) {
    this.options = options;
    this.flash = options.flash ?? new SimFlash();
    this.portWatch = options.portWatch ?? new SimPortWatch();
    this.driveDir = path.join(options.mountRoot, options.volumeName ?? 'FTHR840BOOT');
    this.sdEnd = appStartBehind(options.softDevice === undefined ? 'S140 6.1.1' : options.softDevice);
    this.flash.preload(0, this.sdEnd);
  }

  get infoText(): string {
    const lines = [
      'UF2 Bootloader 0.9.2-sim lib/nrfx (v2.0.0) lib/tinyusb (0.12.0-145-g9775e7691) lib/uf2 (remotes/origin/configupdate-9-gadbb8c7)',
      `Model: ${this.options.model ?? 'Adafruit Feather nRF52840 Express'}`,
      `Board-ID: ${this.options.boardId ?? 'nRF52840-Feather-revE'}`,
      'Date: Nov 28 2026',
    ];
    if (this.options.softDevice !== null) lines.push(`SoftDevice: ${this.options.softDevice ?? 'S140 6.1.1'}`);
    return lines.join('\r\n') + '\r\n';
  }

  /** Starts the board (in the app, or in the bootloader with the drive mounted). */
  async start(): Promise<void> {
    if (this.options.startInBootloader ?? true) await this.enterBootloader(0);
    else this.announceApp();
  }

  /** What a 1200-baud touch or a double-tap does: reboot into the bootloader and mount the drive. */
  async enterBootloader(delayMs = this.options.mountDelayMs ?? 100): Promise<void> {
    if (this.options.appPort) this.portWatch.remove(this.options.appPort.path);
    this.state = 'restarting';
    if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
    await fs.mkdir(this.driveDir, { recursive: true });
    await fs.writeFile(path.join(this.driveDir, 'INFO_UF2.TXT'), this.infoText);
    await fs.writeFile(path.join(this.driveDir, 'INDEX.HTM'), '<html><body><script>location.replace("https://adafruit.com")</script></body></html>\r\n');
    this.received.clear();
    this.state = 'bootloader';
    if (this.options.bootloaderPort) this.portWatch.add(this.options.bootloaderPort);
    this.events.push('drive mounted');
    this.timer ??= setInterval(() => void this.scan(), this.options.pollMs ?? 20);
  }

  /** The touch callback flashUf2 takes (ignored when the app "crashed"). */
  touch = async (): Promise<void> => {
    if (this.options.ignoreTouch) {
      this.events.push('touch ignored');
      return;
    }
    this.events.push('1200-baud touch');
    void this.enterBootloader();
  };

  /** RESET pressed once in the bootloader: it starts the application, and the drive goes away. */
  async leaveBootloader(): Promise<void> {
    if (this.state !== 'bootloader') return;
    this.state = 'restarting';
    this.received.clear();
    await fs.rm(this.driveDir, { recursive: true, force: true });
    this.events.push('drive vanished');
    setTimeout(() => this.announceApp(), this.options.reenumerateDelayMs ?? 100);
  }

  appBytes(address: number, length: number): Uint8Array {
    return this.flash.read(address, length);
  }

  /** True when the SoftDevice region still holds its original contents. */
  softDeviceIntact(): boolean {
    const reference = new SimFlash(this.sdEnd);
    reference.preload(0, this.sdEnd);
    return Buffer.compare(Buffer.from(reference.bytes), Buffer.from(this.flash.bytes.subarray(0, this.sdEnd))) === 0;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await fs.rm(this.driveDir, { recursive: true, force: true });
  }

  private announceApp(): void {
    this.state = 'app';
    if (this.options.bootloaderPort) this.portWatch.remove(this.options.bootloaderPort.path);
    if (this.options.appPort && !this.options.appWithoutUsb) this.portWatch.add(this.options.appPort);
  }

  private async scan(): Promise<void> {
    if (this.scanning || this.state !== 'bootloader') return;
    this.scanning = true;
    try {
      let names: string[] = [];
      try {
        names = await fs.readdir(this.driveDir);
      } catch {
        return;
      }
      for (const name of names) {
        if (!name.toUpperCase().endsWith('.UF2') || name.toUpperCase() === 'CURRENT.UF2') continue;
        let bytes: Uint8Array;
        try {
          bytes = new Uint8Array(await fs.readFile(path.join(this.driveDir, name)));
        } catch {
          continue;
        }
        // Only whole 512-byte sectors have reached the "device" so far.
        const whole = bytes.subarray(0, bytes.length - (bytes.length % 512));
        for (const block of blocksInSectors(whole)) {
          if (this.options.ignoreBlocks) continue;
          const verdict = driveVerdict(block, { appStart: 0x1000, appEnd: 0xea000 });
          if (verdict !== 'write') {
            const note = `block ${block.blockNo} at 0x${block.targetAddr.toString(16)}: ${verdict}`;
            if (!this.events.includes(note)) this.events.push(note);
            continue;
          }
          this.received.set(block.blockNo, block);
        }
        const first = this.received.values().next().value as DriveBlock | undefined;
        if (first && this.received.size >= first.numBlocks) {
          await this.complete();
          return;
        }
      }
    } finally {
      this.scanning = false;
    }
  }

  private async complete(): Promise<void> {
    const blocks = [...this.received.values()];
    for (const block of blocks) {
      const page = block.targetAddr - (block.targetAddr % this.flash.pageSize);
      if (!this.erased.has(page)) {
        this.flash.erasePage(page);
        this.erased.add(page);
      }
      this.flash.write(block.targetAddr, block.payload.subarray(0, block.payloadSize));
    }
    this.erased.clear();
    this.received.clear();
    const overwroteSd = blocks.some((b) => b.targetAddr < this.sdEnd);
    this.events.push(`flashed ${blocks.length} blocks${overwroteSd ? '; SoftDevice overwritten' : ''}`);
    // Reset: the drive disappears, then the app enumerates (unless it crashes on a broken SoftDevice).
    this.state = 'restarting';
    await fs.rm(this.driveDir, { recursive: true, force: true });
    this.events.push('drive vanished');
    setTimeout(() => {
      if (overwroteSd) {
        this.events.push('app crashed: SoftDevice damaged');
        return;
      }
      this.announceApp();
    }, this.options.reenumerateDelayMs ?? 100);
  }

  private readonly erased = new Set<number>();
}
