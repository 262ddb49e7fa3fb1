/**
 * Opens a console on a path with the real serial binding and prints the resulting status as JSON.
 * The EACCES test runs it as an unprivileged user (root may open any file), so the OS itself
 * refuses the open exactly as it refuses a user outside the dialout group.
 *   node --import tsx test/integration/console/open-as-user.ts /path/to/ttyFAKE
 */
import { createConsoleHarness } from './console-harness';

const path = process.argv[2];
const harness = await createConsoleHarness();
const board = await harness.registry.addByPath(path);
const status = await harness.sessions.open(board.id);
process.stdout.write(JSON.stringify(status));
await harness.close();
