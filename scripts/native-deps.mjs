// better-sqlite3 is compiled against one runtime's ABI: Node for `npm test` and `npm run serve`,
// Electron for `npm start`. This makes node_modules match the runtime about to start, rebuilding
// only when it was last built for the other one (a marker file remembers which).
//   node scripts/native-deps.mjs node|electron
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { builtFor, markBuiltFor, rebuildForElectron } from './native-runtime.mjs';

const want = process.argv[2];
if (want !== 'node' && want !== 'electron') {
  console.error('usage: node scripts/native-deps.mjs node|electron');
  process.exit(2);
}
const current = builtFor();

/**
 * npm run by Node itself (no shell): npm sets npm_execpath to its CLI script for `npm run`; else the
 * npm beside this Node. Windows' npm.cmd cannot be started without a shell (Node refuses .cmd files).
 */
function runNpm(args) {
  const cli = process.env.npm_execpath ?? join(dirname(process.execPath), ...(process.platform === 'win32' ? [] : ['..', 'lib']), 'node_modules', 'npm', 'bin', 'npm-cli.js');
  execFileSync(process.execPath, [cli, ...args], { stdio: 'inherit', shell: false });
}

function loadsInNode() {
  try {
    const Database = createRequire(import.meta.url)('better-sqlite3');
    new Database(':memory:').close();
    return true;
  } catch {
    return false;
  }
}

if (want === 'node') {
  if (current === 'node' && loadsInNode()) process.exit(0);
  console.log('Rebuilding better-sqlite3 for Node (it was built for Electron)…');
  runNpm(['rebuild', 'better-sqlite3']);
} else {
  if (current === 'electron') process.exit(0);
  console.log('Rebuilding better-sqlite3 for Electron…');
  const electronVersion = JSON.parse(readFileSync('node_modules/electron/package.json', 'utf8')).version;
  await rebuildForElectron({ projectDir: process.cwd(), electronVersion, arch: process.arch, platform: process.platform });
}
markBuiltFor(want);
