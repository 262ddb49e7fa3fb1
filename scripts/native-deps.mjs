// better-sqlite3 is compiled against one runtime's ABI: Node for `npm test` and `npm run serve`,
// Electron for `npm start`. This makes node_modules match the runtime about to start, rebuilding
// only when it was last built for the other one (a marker file remembers which).
//   node scripts/native-deps.mjs node|electron
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const want = process.argv[2];
if (want !== 'node' && want !== 'electron') {
  console.error('usage: node scripts/native-deps.mjs node|electron');
  process.exit(2);
}
const marker = 'node_modules/.flashdeck-native-runtime';
const current = existsSync(marker) ? readFileSync(marker, 'utf8').trim() : 'node';
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

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
  execFileSync(npm, ['rebuild', 'better-sqlite3'], { stdio: 'inherit' });
} else {
  if (current === 'electron') process.exit(0);
  console.log('Rebuilding native modules for Electron…');
  execFileSync(npm, ['exec', '--', 'electron-builder', 'install-app-deps'], { stdio: 'inherit' });
}
writeFileSync(marker, want);
