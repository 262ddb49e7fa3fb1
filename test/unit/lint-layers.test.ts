/**
 * The layer rules of the design sketch hold because `npm run lint` (in `npm test`) enforces them:
 * each rule is tried here on a file that breaks it, placed where the offender would live, so a
 * rule switched off or mis-configured fails this test rather than letting the next break through.
 */
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { ESLint } from 'eslint';

const root = resolve(import.meta.dirname, '..', '..');
const eslint = new ESLint({ cwd: root });

async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(root, file) });
  return result.messages.filter((m) => m.ruleId === 'boundaries/dependencies').map((m) => m.message);
}

describe('layer rules (eslint boundaries)', () => {
  it('the renderer imports only the contract and its own modules', async () => {
    expect(await layerErrors('renderer/lint-probe.ts', "import { createAppServices } from '../electron/services/app-services';\nvoid createAppServices;\n")).toEqual([
      expect.stringContaining('renderer imports only the contract'),
    ]);
    expect(await layerErrors('renderer/lint-probe.ts', "import { readFileSync } from 'node:fs';\nvoid readFileSync;\n")).toEqual([
      expect.stringContaining('sandboxed browser window'),
    ]);
    expect(await layerErrors('renderer/lint-probe.ts', "import { requests } from '../electron/contract';\nvoid requests;\n")).toEqual([
      expect.stringContaining('only types from electron/contract.ts'),
    ]);
    // What is allowed stays allowed.
    expect(
      await layerErrors(
        'renderer/lint-probe.ts',
        "import type { Board } from '../electron/contract';\nimport { BUDGET_KINDS } from '../electron/contract-values';\nexport type B = Board;\nvoid BUDGET_KINDS;\n",
      ),
    ).toEqual([]);
  });

  it('services know nothing of the adapters or Electron', async () => {
    expect(await layerErrors('electron/services/lint-probe.ts', "import { startServer } from '../serve';\nvoid startServer;\n")).toEqual([
      expect.stringContaining('Services know nothing of Electron'),
    ]);
    expect(await layerErrors('electron/services/lint-probe.ts', "import { app } from 'electron';\nvoid app;\n")).toEqual([
      expect.stringContaining('Services know nothing of Electron'),
    ]);
  });

  it('drivers know nothing of services, Electron or the window', async () => {
    expect(await layerErrors('drivers/common/lint-probe.ts', "import { FlashLog } from '../../electron/services/store/flash-log';\nvoid FlashLog;\n")).toEqual([
      expect.stringContaining('Drivers know nothing of Electron'),
    ]);
    expect(await layerErrors('drivers/common/lint-probe.ts', "import { BrowserWindow } from 'electron';\nvoid BrowserWindow;\n")).toEqual([
      expect.stringContaining('Drivers know nothing of Electron'),
    ]);
  });

  it('simulators share no code with the drivers they test', async () => {
    expect(await layerErrors('simulators/esp32/lint-probe.ts', "import { slipEncode } from '../../drivers/common/slip';\nvoid slipEncode;\n")).toEqual([
      expect.stringContaining('A simulator shares no code with the driver'),
    ]);
    expect(await layerErrors('simulators/esp32/lint-probe.ts', "import type { ByteLink } from '../../drivers/common/byte-link';\nexport type L = ByteLink;\n")).toEqual([]);
  });
});
