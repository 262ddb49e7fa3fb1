/**
 * A board running a TinyGo program, as the console sees it: a line-oriented UART that echoes what
 * it is sent (like a REPL-style firmware), answers a few commands, and can print heap telemetry
 * in the Arduino Serial Plotter format the bundled heap-telemetry program uses.
 *
 * Commands (terminated by \n or \r): `telemetry on|off`, `panic` (prints a TinyGo panic line),
 * `burst N` (prints N sequence-numbered lines as fast as the wire allows), anything else is echoed
 * as `echo: <text>`.
 */
import type { SimDevice, SimSink } from '../common/sim-device';

export interface TinyGoAppSimOptions {
  /** Print one telemetry line every this many ms while telemetry is on. */
  telemetryPeriodMs?: number;
  telemetry?: boolean;
  /** Text printed when the host opens the port (in-process binding) or on start. */
  banner?: string;
}

export class TinyGoAppSim implements SimDevice {
  private sink: SimSink | null = null;
  private pendingLine = '';
  private telemetryTimer: NodeJS.Timeout | null = null;
  private heapInUse = 4096;
  private tick = 0;
  readonly received: string[] = [];

  constructor(private readonly options: TinyGoAppSimOptions = {}) {}

  attach(sink: SimSink): void {
    this.sink = sink;
    if (this.options.banner) this.print(this.options.banner);
    if (this.options.telemetry) this.setTelemetry(true);
  }

  receive(bytes: Uint8Array): void {
    this.pendingLine += Buffer.from(bytes).toString('latin1');
    let index: number;
    while ((index = this.pendingLine.search(/[\r\n]/)) >= 0) {
      const line = this.pendingLine.slice(0, index);
      this.pendingLine = this.pendingLine.slice(index + 1);
      if (line.length) this.command(line);
    }
  }

  print(text: string): void {
    this.sink?.emit(Buffer.from(text, 'latin1'));
  }

  setTelemetry(on: boolean): void {
    if (this.telemetryTimer) clearInterval(this.telemetryTimer);
    this.telemetryTimer = null;
    if (!on) return;
    this.telemetryTimer = setInterval(() => this.printTelemetry(), this.options.telemetryPeriodMs ?? 1000);
  }

  /** One heap line as heap-telemetry prints it: a GC sawtooth. */
  printTelemetry(): void {
    this.tick++;
    this.heapInUse += 1536;
    if (this.heapInUse > 48_000) this.heapInUse = 4096; // the GC ran
    const heapSys = 65_536;
    this.print(`HeapInuse:${this.heapInUse},HeapIdle:${heapSys - this.heapInUse},Mallocs:${this.tick * 12},Frees:${this.tick * 11}\r\n`);
  }

  stop(): void {
    this.setTelemetry(false);
  }

  private command(line: string): void {
    this.received.push(line);
    const [word, arg] = line.trim().split(/\s+/);
    if (word === 'telemetry') return this.setTelemetry(arg === 'on');
    if (word === 'panic') return this.print('panic: runtime error at 0x000012f4: index out of range\r\n[tinygo: panic at /home/dev/blink/main.go:42:9]\r\n');
    if (word === 'burst') {
      const count = Math.min(Number(arg) || 100, 1_000_000);
      let text = '';
      for (let i = 1; i <= count; i++) text += `seq ${i}\r\n`;
      return this.print(text);
    }
    this.print(`echo: ${line}\r\n`);
  }
}
