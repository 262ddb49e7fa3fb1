/**
 * How a driver waits for a board to (re)appear on USB without knowing how ports are listed.
 * The ports service implements PortWatch over its hot-plug poller; tests pass a fake or a simulator.
 */
export interface SerialPortInfo {
  path: string;
  /** Lower-case hex, four digits, as node-serialport reports it ("239a"). */
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
  manufacturer?: string;
}

export interface PortWatch {
  /** Ports present now. */
  list(): Promise<SerialPortInfo[]>;
  /**
   * Resolves with the first port (present now or appearing later) that `match` accepts; rejects
   * with a FlashdeckError (code 'BOARD_DID_NOT_RETURN' or the caller's) after `timeoutMs`, or
   * with CANCELLED when `signal` aborts.
   */
  waitFor(match: (port: SerialPortInfo) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<SerialPortInfo>;
}
