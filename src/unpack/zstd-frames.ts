import { refuse } from './refusal.js';

/**
Splits a zstd stream into frames (RFC 8878, section 3.1). Node's zstd decompressor stops after the
first frame (a second one is an error or silently dropped), ignores garbage after it, and ends
without error on a truncated frame. So glassbox finds the frame boundaries itself, gives each frame
a fresh decompressor, skips skippable frames, and refuses what is neither. Multi-frame streams are
normal: pzstd and zstd:chunked layers are many frames.
*/
export interface FramePiece {
  bytes: Buffer;
  /** A skippable frame (magic 0x184D2A5?): its bytes are dropped. */
  skippable: boolean;
  /** The last piece of its frame. */
  frameEnd: boolean;
}

const ZSTD_MAGIC = 0xfd2fb528;

type Field = 'magic' | 'descriptor' | 'header-rest' | 'block-header' | 'block-data' | 'checksum' | 'skip-size' | 'skip-data';

export class ZstdFrameSplitter {
  private field: Field = 'magic';
  private need = 4;
  private readonly small = Buffer.alloc(4);
  private smallFill = 0;
  private checksum = false;
  private lastBlock = false;
  private skippable = false;
  private position = 0;
  private frameStart = 0;
  /** The first bytes of a magic number split across chunks: held until it is known whether the frame is skippable. */
  private held: Buffer | null = null;

  /** Cuts a chunk into pieces, each within one frame. */
  push(input: Buffer): FramePiece[] {
    const chunk = this.held === null ? input : Buffer.concat([this.held, input]);
    if (this.held !== null) this.position -= this.held.length;
    this.held = null;
    const pieces: FramePiece[] = [];
    let pieceStart = 0;
    let pos = 0;
    while (pos < chunk.length) {
      const passThrough = this.field === 'block-data' || this.field === 'skip-data' || this.field === 'header-rest' || this.field === 'checksum';
      if (passThrough) {
        const take = Math.min(this.need, chunk.length - pos);
        pos += take;
        this.need -= take;
      } else {
        this.small[this.smallFill++] = chunk[pos++]!;
        this.need -= 1;
      }
      if (this.need === 0 && this.step(pos)) {
        pieces.push({ bytes: chunk.subarray(pieceStart, pos), skippable: this.skippable, frameEnd: true });
        pieceStart = pos;
        this.startFrame();
      }
    }
    let end = chunk.length;
    if (this.field === 'magic' && this.smallFill > 0) {
      end -= this.smallFill;
      this.held = Buffer.from(chunk.subarray(end));
      // The held bytes are read again with the next chunk.
      this.smallFill = 0;
      this.need = 4;
    }
    this.position += chunk.length;
    if (pieceStart < end) pieces.push({ bytes: chunk.subarray(pieceStart, end), skippable: this.skippable, frameEnd: false });
    return pieces;
  }

  /** The stream ended: it must end between frames. */
  finish(): void {
    if (this.field === 'magic' && this.held === null) return;
    throw refuse('UNPACK_COMPRESSION', `zstd stream truncated in the frame that starts at byte ${this.frameStart}`);
  }

  private startFrame(): void {
    this.field = 'magic';
    this.need = 4;
    this.smallFill = 0;
    this.skippable = false;
  }

  /** A field is complete; moves to the next. Returns true when the frame ended. */
  private step(pos: number): boolean {
    const value = this.small.readUIntLE(0, Math.max(1, this.smallFill));
    this.smallFill = 0;
    switch (this.field) {
      case 'magic':
        this.frameStart = this.position + pos - 4;
        if (value === ZSTD_MAGIC) return this.next('descriptor', 1);
        if ((value & 0xfffffff0) === 0x184d2a50) {
          this.skippable = true;
          return this.next('skip-size', 4);
        }
        throw refuse('UNPACK_COMPRESSION', `trailing data after the zstd stream at byte ${this.frameStart}`);
      case 'descriptor': {
        if ((value & 0x08) !== 0) throw refuse('UNPACK_COMPRESSION', `zstd frame at byte ${this.frameStart} sets a reserved bit`);
        const singleSegment = (value & 0x20) !== 0;
        const fcs = [singleSegment ? 1 : 0, 2, 4, 8][value >> 6]!;
        const dict = [0, 1, 2, 4][value & 0x03]!;
        this.checksum = (value & 0x04) !== 0;
        const rest = (singleSegment ? 0 : 1) + dict + fcs;
        return rest === 0 ? this.next('block-header', 3) : this.next('header-rest', rest);
      }
      case 'header-rest':
        return this.next('block-header', 3);
      case 'block-header': {
        this.lastBlock = (value & 1) === 1;
        const type = (value >> 1) & 3;
        if (type === 3) throw refuse('UNPACK_COMPRESSION', `zstd frame at byte ${this.frameStart} has a reserved block type`);
        const size = type === 1 ? 1 : value >>> 3;
        if (size > 0) return this.next('block-data', size);
        return this.afterBlock();
      }
      case 'block-data':
        return this.afterBlock();
      case 'checksum':
        return true;
      case 'skip-size':
        return value === 0 ? true : this.next('skip-data', value);
      default:
        return true;
    }
  }

  private afterBlock(): boolean {
    if (!this.lastBlock) return this.next('block-header', 3);
    return this.checksum ? this.next('checksum', 4) : true;
  }

  private next(field: Field, need: number): false {
    this.field = field;
    this.need = need;
    return false;
  }
}
