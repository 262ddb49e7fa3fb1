/** The options that pick boards, shared by every command that talks to one. */
import type { OptionSpecs } from './command';

export const BOARD_OPTIONS = {
  port: { type: 'string', multiple: true, short: 'p', valueName: 'PATH', description: 'Serial port of the board (e.g. /dev/ttyUSB0, COM3); repeat for several boards.' },
  board: { type: 'string', multiple: true, short: 'b', valueName: 'NAME', description: 'A board by its name or id in Flashdeck (see flashdeck boards); repeatable.' },
  target: {
    type: 'string',
    short: 't',
    valueName: 'TARGET',
    description: "The board's TinyGo target (e.g. esp32-coreboard-v2); remembered for the board, as the window's target picker does.",
  },
} as const satisfies OptionSpecs;
