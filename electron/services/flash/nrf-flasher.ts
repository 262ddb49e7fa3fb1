/**
 * nRF52 boards: UF2 drive copy, Adafruit legacy serial DFU or Nordic Secure DFU (drivers/nrf52),
 * chosen from the board's TinyGo target. Boards that need a probe are built and flashed through
 * `tinygo flash` from the Programs tab instead (the build service).
 */
import type { FlashMethod } from '../../contract-values';
import type { ImageSummary } from '../../contract';

type Problem = ImageSummary['problems'][number];
import { flashNrf52, inspectNrfImage, planNrfFlash } from '../../../drivers/nrf52';
import { UF2_FAMILY_NAMES } from '../../../drivers/nrf52/uf2';
import { openPortForFlashing } from './open-port';
import { probeToolOnPath, runPowerShell } from '../builds/external-tools';
import type { FamilyFlasher, FlashInput, FlashRun } from './family-flasher';

const hex = (value: number) => `0x${value.toString(16)}`;

function targetOf({ board, model }: FlashInput): string | undefined {
  return model?.target ?? board.target ?? (board.guess.targets.length === 1 ? board.guess.targets[0] : undefined);
}

export interface NrfFlasherOptions {
  /** Where to look for UF2 / DAPLink drives (default: the OS's mount points). */
  driveRoots?: string[];
  /** The 1200-baud touch (default: open the port at 1200 baud and drop DTR). */
  touchPort?: (path: string) => Promise<void>;
  /** Searched for UF2 drives besides the OS's mount points (the simulated boards' drive folder, once there is one). */
  extraDriveRoots?: () => string[];
}

export function createNrfFlasher(options: NrfFlasherOptions = {}): FamilyFlasher {
  return {
    recognises(bytes, fileName) {
      const kind = inspectNrfImage(bytes, fileName).kind;
      const isArmElf = kind === 'elf' && bytes[18] === 40; // e_machine EM_ARM
      return kind === 'uf2' || kind === 'hex' || kind.startsWith('zip') || isArmElf;
    },

    inspect(input: FlashInput): ImageSummary {
      const { fileName, bytes, offset, board, model } = input;
      const info = inspectNrfImage(bytes, fileName, offset !== undefined ? { binBase: offset } : {});
      const problems: Problem[] = info.problems.map((message) => ({ code: 'NRF_IMAGE', severity: 'error', message }));
      const target = targetOf(input);
      let method: FlashMethod | null = null;
      if (!target) {
        problems.push({
          code: 'TARGET_REQUIRED',
          severity: 'error',
          message: `Pick ${board.name ?? 'this board'}'s model (its TinyGo target) at the top: it decides whether Flashdeck copies a UF2 file or speaks DFU.`,
        });
      } else {
        const plan = planNrfFlash(target, info.kind);
        method = plan.method;
        if (plan.fileProblem) problems.push({ code: 'NRF_WRONG_FILE', severity: 'error', message: plan.fileProblem });
        if (plan.method === 'tinygo-flash') {
          problems.push({
            code: 'NEEDS_TINYGO_FLASH',
            severity: 'error',
            message: `${target} is flashed with ${plan.requiredTool ?? 'a debug probe'} through tinygo flash. Build it from the Programs tab, which runs tinygo flash for this board.`,
          });
        }
      }
      if (model?.softDevice && info.softDevice && info.softDevice !== 'none' && info.softDevice !== model.softDevice) {
        problems.push({
          code: 'SOFTDEVICE_MISMATCH',
          severity: 'warning',
          message: `This image starts at ${hex(info.start)} (${info.softDevice}); ${model.target} normally uses ${model.softDevice}. The bootloader's INFO_UF2.TXT decides before anything is written.`,
        });
      }
      return {
        fileName,
        size: bytes.length,
        family: 'nrf52',
        kind: info.kind,
        chip: model?.chip ?? 'nRF52',
        method,
        offset: info.start,
        problems,
        overridable: false,
        writes: { start: info.start, end: info.end, bytes: info.size },
        ...(info.softDevice ? { softDevice: info.softDevice } : {}),
        ...(info.familyId !== undefined ? { uf2Family: { id: info.familyId, chip: UF2_FAMILY_NAMES[info.familyId] ?? null } } : {}),
      };
    },

    async flash(run: FlashRun) {
      const target = targetOf(run)!;
      return flashNrf52({
        target,
        image: run.bytes,
        fileName: run.fileName,
        portWatch: run.portWatch,
        openLink: (path, baudRate) => openPortForFlashing(path, run.board, baudRate, run.binding),
        binding: run.binding,
        extraDriveRoots: options.extraDriveRoots?.(),
        appPortPath: run.board.present ? run.path : undefined,
        portAddedByPath: run.board.manual && !run.board.vendorId,
        driveRoots: options.driveRoots,
        touchPort: options.touchPort,
        toolProbe: probeToolOnPath,
        powerShell: runPowerShell,
        signal: run.signal,
        onProgress: run.onProgress,
      });
    },

    returnIdentities({ model }) {
      return model?.usbApp ?? [];
    },
  };
}
