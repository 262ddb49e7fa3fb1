/**
 * A simulated board, independent of how it is attached.
 *
 * Transports (pty-transport.ts over a socat pseudo-terminal pair, sim-binding.ts as an
 * in-process node-serialport binding) deliver host bytes with `receive`, forward control lines
 * and baud changes where the transport carries them, and write whatever the device `emit`s back.
 * Wire timing (10 bits per byte at the current baud) is the transport's job via `SimWire`, so a
 * device model only speaks its protocol.
 */
export interface SimSignals {
  dtr: boolean;
  rts: boolean;
}

export interface SimDevice {
  /** Bytes from the host, already paced to the wire's baud. */
  receive(bytes: Uint8Array): void;
  /** Control lines from the host (in-process binding only; ptys have none). */
  setSignals?(signals: SimSignals): void;
  /** The host changed its UART baud (in-process binding only; on a pty the device learns it from the protocol). */
  hostBaudChanged?(baud: number): void;
  /** The host opened / closed the port (in-process binding only). */
  hostOpened?(): void;
  hostClosed?(): void;
  /** Register the sink the transport writes device output to. Called once by the transport. */
  attach(sink: SimSink): void;
}

export interface SimSink {
  /** Send bytes to the host (paced by the transport's wire). */
  emit(bytes: Uint8Array): void;
  /** The device vanished (unplug, reset into another USB identity): the host sees the port close. */
  disconnect(): void;
  /** The baud the device's UART now runs at (after a CHANGE_BAUDRATE-style command). */
  setDeviceBaud(baud: number): void;
}
