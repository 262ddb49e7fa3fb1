/**
 * Secure DFU init packet (dfu-cc.proto), protobuf encoded and decoded by hand (nrf52-flashing.md 8.6).
 * Field order and defaults follow pc-nrfutil's InitPacketPB so the bytes are identical for the same inputs.
 */
export const FwType = { APPLICATION: 0, SOFTDEVICE: 1, BOOTLOADER: 2, SOFTDEVICE_BOOTLOADER: 3, EXTERNAL_APPLICATION: 4 } as const;
export const HashType = { NO_HASH: 0, CRC: 1, SHA128: 2, SHA256: 3, SHA512: 4 } as const;
export const ValidationType = { NO_VALIDATION: 0, VALIDATE_GENERATED_CRC: 1, VALIDATE_SHA256: 2, VALIDATE_ECDSA_P256_SHA256: 3 } as const;
const OP_CODE_INIT = 1;

export interface InitCommand {
  fwVersion?: number;
  hwVersion?: number;
  sdReq: number[];
  type: number;
  sdSize: number;
  blSize: number;
  appSize: number;
  /** Hash bytes as stored in the packet (pc-nrfutil stores the SHA-256 byte-reversed). */
  hash?: { hashType: number; hash: Uint8Array };
  isDebug?: boolean;
  bootValidation: { type: number; bytes: Uint8Array }[];
}

export interface InitPacket {
  /** Unsigned command (the open bootloader) … */
  command?: { opCode: number; init?: InitCommand };
  /** … or a signed one: carried through undecoded apart from its presence. */
  signed?: Uint8Array;
}

class ProtoWriter {
  private bytes: number[] = [];
  varint(value: number): this {
    let v = value >>> 0;
    while (v >= 0x80) {
      this.bytes.push((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    this.bytes.push(v);
    return this;
  }
  key(field: number, wireType: 0 | 2): this {
    return this.varint((field << 3) | wireType);
  }
  uint(field: number, value: number): this {
    return this.key(field, 0).varint(value);
  }
  bytesField(field: number, value: Uint8Array): this {
    this.key(field, 2).varint(value.length);
    for (const b of value) this.bytes.push(b);
    return this;
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

function encodeInitCommand(init: InitCommand): Uint8Array {
  const w = new ProtoWriter();
  if (init.fwVersion !== undefined) w.uint(1, init.fwVersion);
  if (init.hwVersion !== undefined) w.uint(2, init.hwVersion);
  if (init.sdReq.length) {
    const packed = new ProtoWriter();
    for (const sd of init.sdReq) packed.varint(sd);
    w.bytesField(3, packed.finish());
  }
  w.uint(4, init.type).uint(5, init.sdSize).uint(6, init.blSize).uint(7, init.appSize);
  if (init.hash) w.bytesField(8, new ProtoWriter().uint(1, init.hash.hashType).bytesField(2, init.hash.hash).finish());
  if (init.isDebug !== undefined) w.uint(9, init.isDebug ? 1 : 0);
  for (const v of init.bootValidation) w.bytesField(10, new ProtoWriter().uint(1, v.type).bytesField(2, v.bytes).finish());
  return w.finish();
}

export function encodeInitPacket(init: InitCommand): Uint8Array {
  const command = new ProtoWriter().uint(1, OP_CODE_INIT).bytesField(2, encodeInitCommand(init)).finish();
  return new ProtoWriter().bytesField(1, command).finish();
}

type Field = { field: number; wireType: number; value: number | Uint8Array };

/** Reads one message's fields; throws on malformed input. */
function readFields(bytes: Uint8Array): Field[] {
  const fields: Field[] = [];
  let at = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (at >= bytes.length) throw new Error('truncated varint');
      const b = bytes[at++];
      result += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return result;
      shift += 7;
      if (shift > 63) throw new Error('varint too long');
    }
  };
  while (at < bytes.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wireType = key & 7;
    if (wireType === 0) fields.push({ field, wireType, value: varint() });
    else if (wireType === 2) {
      const length = varint();
      if (at + length > bytes.length) throw new Error('truncated field');
      fields.push({ field, wireType, value: bytes.slice(at, at + length) });
      at += length;
    } else if (wireType === 5) {
      at += 4;
    } else if (wireType === 1) {
      at += 8;
    } else throw new Error(`unsupported wire type ${wireType}`);
  }
  if (at !== bytes.length) throw new Error('truncated message');
  return fields;
}

function decodeInitCommand(bytes: Uint8Array): InitCommand {
  const init: InitCommand = { sdReq: [], type: 0, sdSize: 0, blSize: 0, appSize: 0, bootValidation: [] };
  for (const f of readFields(bytes)) {
    const n = typeof f.value === 'number' ? f.value : 0;
    switch (f.field) {
      case 1:
        init.fwVersion = n;
        break;
      case 2:
        init.hwVersion = n;
        break;
      case 3:
        if (f.value instanceof Uint8Array) {
          // packed varints
          let at = 0;
          const packed = f.value;
          while (at < packed.length) {
            let v = 0;
            let shift = 0;
            for (;;) {
              const b = packed[at++];
              v += (b & 0x7f) * 2 ** shift;
              if (!(b & 0x80)) break;
              shift += 7;
            }
            init.sdReq.push(v);
          }
        } else init.sdReq.push(n);
        break;
      case 4:
        init.type = n;
        break;
      case 5:
        init.sdSize = n;
        break;
      case 6:
        init.blSize = n;
        break;
      case 7:
        init.appSize = n;
        break;
      case 8: {
        const inner = readFields(f.value as Uint8Array);
        init.hash = {
          hashType: (inner.find((x) => x.field === 1)?.value as number) ?? 0,
          hash: (inner.find((x) => x.field === 2)?.value as Uint8Array) ?? new Uint8Array(0),
        };
        break;
      }
      case 9:
        init.isDebug = n !== 0;
        break;
      case 10: {
        const inner = readFields(f.value as Uint8Array);
        init.bootValidation.push({
          type: (inner.find((x) => x.field === 1)?.value as number) ?? 0,
          bytes: (inner.find((x) => x.field === 2)?.value as Uint8Array) ?? new Uint8Array(0),
        });
        break;
      }
    }
  }
  return init;
}

/** Throws Error with a reason when the bytes are not a Packet. */
export function decodeInitPacket(bytes: Uint8Array): InitPacket {
  const packet: InitPacket = {};
  for (const f of readFields(bytes)) {
    if (f.field === 1 && f.value instanceof Uint8Array) {
      const command: { opCode: number; init?: InitCommand } = { opCode: 0 };
      for (const c of readFields(f.value)) {
        if (c.field === 1) command.opCode = c.value as number;
        if (c.field === 2 && c.value instanceof Uint8Array) command.init = decodeInitCommand(c.value);
      }
      packet.command = command;
    } else if (f.field === 2 && f.value instanceof Uint8Array) {
      packet.signed = f.value;
    }
  }
  if (!packet.command && !packet.signed) throw new Error('no command in the init packet');
  return packet;
}
