/**
 * How much flash and RAM a program may use on a board: the application's flash region and the RAM
 * the linker can use, read from the installed TinyGo's linker script for the target; where that
 * cannot be read (TinyGo not installed, text-only `tinygo info`), the board catalogue's figures.
 */
import path from 'node:path';
import type { BoardCapacity } from '../../contract';
import { findBoard } from '../../../drivers/common/board-catalogue';
import { readLinkerScriptMemory, type MemoryRegion } from '../toolchain/linker-script';

/** Region names TinyGo's scripts give the program's code, best first (nRF: FLASH_TEXT; ESP: IROM with XIP, else IRAM). */
const FLASH_REGIONS = ['FLASH_TEXT', 'FLASH', 'IROM', 'IRAM'];
/** And its RAM (nRF: RAM; ESP: DRAM). */
const RAM_REGIONS = ['RAM', 'DRAM'];

export function pickRegions(regions: readonly MemoryRegion[]): { flash: MemoryRegion; ram: MemoryRegion } | null {
  const find = (names: string[]) => names.map((name) => regions.find((r) => r.name === name)).find(Boolean);
  const flash = find(FLASH_REGIONS);
  const ram = find(RAM_REGIONS);
  return flash && ram ? { flash, ram } : null;
}

export interface CapacitySources {
  /** TINYGOROOT of the installed TinyGo, if any. */
  tinygoRoot: string | null;
  /** The target's `linkerscript` from `tinygo info -json`, relative to TINYGOROOT. */
  linkerScript: string | null;
}

export async function boardCapacity(target: string, sources: CapacitySources): Promise<BoardCapacity | null> {
  const model = findBoard(target);
  if (sources.tinygoRoot && sources.linkerScript) {
    try {
      const file = path.isAbsolute(sources.linkerScript) ? sources.linkerScript : path.join(sources.tinygoRoot, sources.linkerScript);
      const memory = await readLinkerScriptMemory(file, sources.tinygoRoot);
      const picked = pickRegions(memory.regions);
      if (picked) {
        // The ESP XIP windows (IROM 4–8M) are larger than the flash chip: the catalogue's chip size caps them.
        const chipFlash = model?.memory?.flash.region === picked.flash.name ? model.memory.flash.bytes : undefined;
        const flashBytes = chipFlash !== undefined && /^(IROM)$/.test(picked.flash.name) ? Math.min(chipFlash, picked.flash.length) : picked.flash.length;
        return {
          target,
          flash: { region: picked.flash.name, origin: picked.flash.origin, bytes: flashBytes },
          ram: { region: picked.ram.name, origin: picked.ram.origin, bytes: picked.ram.length },
          source: 'tinygo',
          sourceNote: `Read from ${memory.files.map((f) => path.relative(sources.tinygoRoot!, f)).join(' → ')} in ${sources.tinygoRoot}${flashBytes !== picked.flash.length ? ` (the ${picked.flash.name} window is ${picked.flash.length.toLocaleString('en-US')} B; the board's flash chip holds ${flashBytes.toLocaleString('en-US')} B)` : ''}.`,
        };
      }
    } catch {
      // Unreadable or unexpected script: the catalogue answers below.
    }
  }
  if (!model?.memory) return null;
  const { flash, ram, source } = model.memory;
  return { target, flash, ram, source: 'catalogue', sourceNote: `${source} (Flashdeck's board catalogue; the installed TinyGo's linker script could not be read).` };
}
