/**
 * The app's services with no window: the same database, board registry, flash jobs, builds and
 * port sessions the Electron app and serve mode use (createAppServices), in mode 'cli'.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAppServices, type AppServices, type AppServicesOptions } from '../services/app-services';
import { defaultDataDir } from '../app-paths';
import { FlashdeckError } from '../../drivers/common/errors';

const projectRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

export interface HeadlessOptions {
  dataDir?: string;
  log: (line: string) => void;
  /** Tests: simulated ports and bindings, as serve.ts takes them. */
  lister?: AppServicesOptions['lister'];
  serialBinding?: AppServicesOptions['serialBinding'];
}

export async function startHeadlessServices(options: HeadlessOptions): Promise<AppServices> {
  const version = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')).version as string;
  return createAppServices({
    dataDir: options.dataDir ?? defaultDataDir(),
    mode: 'cli',
    version,
    log: options.log,
    lister: options.lister,
    serialBinding: options.serialBinding,
    programsDir: programsDir(),
  }).catch((error: unknown) => {
    // `npm start` rebuilds the database module for Electron; plain Node then cannot load it.
    if (error instanceof Error && /NODE_MODULE_VERSION|was compiled against a different Node/.test(error.message)) {
      throw new FlashdeckError(
        {
          code: 'INTERNAL',
          stage: 'starting',
          message: "Flashdeck's database module (better-sqlite3) is built for Electron, so the command line cannot open the database.",
          hint: 'Run `node scripts/native-deps.mjs node` in the Flashdeck folder (npm run cli does it for you), then try again.',
        },
        { cause: error },
      );
    }
    throw error;
  });
}

/** The bundled programs: Electron's resources folder in an installed app (`flashdeck --cli`), else the checkout's. */
function programsDir(): string {
  const installed = (process as { resourcesPath?: string }).resourcesPath;
  return installed && existsSync(join(installed, 'programs')) ? join(installed, 'programs') : join(projectRoot, 'resources', 'programs');
}
