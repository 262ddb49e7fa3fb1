/** `flashdeck boards`: the boards Flashdeck sees, with USB identity, serial number and board guess. */
import { defineCommand } from '../command';
import { EXIT } from '../exit-codes';
import { formatTable } from '../output';

export const boardsCommand = defineCommand({
  name: 'boards',
  stage: 'boards',
  aliases: ['ports'],
  summary: 'Lists serial ports and boards: VID:PID, serial number, what Flashdeck guesses the board is, and its pinned TinyGo target.',
  usage: 'flashdeck boards [--all] [--json]',
  options: {
    all: { type: 'boolean', description: 'Also list boards that are remembered but not plugged in.' },
  },
  positionals: { min: 0, max: 0 },
  async run({ values, out, services }) {
    const boards = (await (await services()).registry.refresh()).filter((board) => values.all || board.present);
    out.document({
      ok: true,
      boards: boards.map((board) => ({
        id: board.id,
        name: board.name,
        port: board.path,
        present: board.present,
        manual: board.manual,
        usbId: board.vendorId ? `${board.vendorId}:${board.productId ?? '????'}` : null,
        serialNumber: board.serialNumber ?? null,
        manufacturer: board.manufacturer ?? null,
        target: board.target,
        guess: board.guess,
      })),
    });
    if (!boards.length) {
      out.line('No boards are connected. Plug one in, or add a port by path with --port on flash, monitor or test.');
      return EXIT.ok;
    }
    out.line(
      formatTable(
        ['PORT', 'USB ID', 'SERIAL', 'BOARD', 'TARGET', 'NAME'],
        boards.map((board) => [
          board.path + (board.present ? '' : ' (not plugged in)'),
          board.vendorId ? `${board.vendorId}:${board.productId ?? '????'}` : '-',
          board.serialNumber ?? '-',
          board.guess.label,
          board.target ?? '-',
          board.name ?? '-',
        ]),
      ),
    );
    return EXIT.ok;
  },
});
