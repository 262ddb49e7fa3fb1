/**
 * The RAM stub (esp-flasher-stub, see stub/README.md): its images, and running it through the ROM
 * loader, which gives the stub loader that takes over.
 */
import type { EspChipName } from './chips';
import { type EspRomLoader, EspStubLoader } from './loader';
import { Op, RAM_BLOCK } from './protocol';
import esp32 from './stub/esp32.json';
import esp32c3 from './stub/esp32c3.json';
import esp32c6 from './stub/esp32c6.json';
import esp32s2 from './stub/esp32s2.json';
import esp32s3 from './stub/esp32s3.json';

export interface StubImage {
  entry: number;
  text: Uint8Array;
  textStart: number;
  data: Uint8Array;
  dataStart: number;
}

interface StubJson {
  entry: number;
  text: string;
  text_start: number;
  data: string;
  data_start: number;
}

const STUB_JSON: Record<EspChipName, StubJson> = { esp32, esp32c3, esp32c6, esp32s2, esp32s3 };

export function stubFor(chip: EspChipName): StubImage {
  const json = STUB_JSON[chip];
  return {
    entry: json.entry,
    text: new Uint8Array(Buffer.from(json.text, 'base64')),
    textStart: json.text_start,
    data: new Uint8Array(Buffer.from(json.data, 'base64')),
    dataStart: json.data_start,
  };
}

/**
 * MEM_BEGIN/MEM_DATA for each part, MEM_END(entry), then OHAI: the stub loader now answering on
 * the same channel, or null if OHAI never came (the ROM may or may not still be there).
 */
export async function runStub(rom: EspRomLoader, stub: StubImage, onBytes?: (done: number, total: number) => void): Promise<EspStubLoader | null> {
  const parts = [
    { bytes: stub.text, at: stub.textStart },
    { bytes: stub.data, at: stub.dataStart },
  ].filter((p) => p.bytes.length > 0);
  const total = parts.reduce((n, p) => n + p.bytes.length, 0);
  let done = 0;
  for (const part of parts) {
    const blocks = Math.ceil(part.bytes.length / RAM_BLOCK);
    await rom.memBegin(part.bytes.length, blocks, RAM_BLOCK, part.at);
    for (let seq = 0; seq < blocks; seq++) {
      const chunk = part.bytes.subarray(seq * RAM_BLOCK, (seq + 1) * RAM_BLOCK);
      await rom.dataBlock(Op.MEM_DATA, seq, chunk);
      done += chunk.length;
      onBytes?.(done, total);
    }
  }
  await rom.memEnd(stub.entry);
  return (await rom.channel.waitForOhai()) ? new EspStubLoader(rom.channel) : null;
}
