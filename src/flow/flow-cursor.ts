import { formatAddressWords } from './address-words.js';
import { FlowBit, FlowExtras } from './flow-state.js';
import {
  I_BITS,
  I_DST_SEQ,
  I_PORTS,
  I_SRC_SEQ,
  dstAddressAt,
  i32Base,
  type FlowSlots,
} from './flow-slots.js';
import type { InspectedFlow, StreamInspection } from './stream-inspection.js';

/**
 * One live flow seen as an object, for payload inspection: `id` says which, and every property reads
 * or writes that flow's record or its extras. The table keeps one cursor and points it at the flow of
 * the packet being inspected, so inspection code stays plain property access and nothing is allocated.
 */
export class FlowCursor implements InspectedFlow {
  id = 0;

  constructor(
    private readonly slots: FlowSlots,
    private readonly extras: Map<number, FlowExtras>,
  ) {}

  private i32(): Int32Array {
    return this.slots.page(this.id).i32;
  }

  private bit(bit: number): boolean {
    return (this.i32()[i32Base(this.id) + I_BITS]! & bit) !== 0;
  }

  private setBit(bit: number, value: boolean): void {
    const i32 = this.i32();
    const at = i32Base(this.id) + I_BITS;
    i32[at] = value ? i32[at]! | bit : i32[at]! & ~bit;
  }

  private get current(): FlowExtras | undefined {
    return this.extras.get(this.id);
  }

  private writable(): FlowExtras {
    let extras = this.extras.get(this.id);
    if (extras === undefined) {
      extras = new FlowExtras();
      this.extras.set(this.id, extras);
    }
    return extras;
  }

  get srcPort(): number {
    return this.i32()[i32Base(this.id) + I_PORTS]! >>> 16;
  }
  get dstPort(): number {
    return this.i32()[i32Base(this.id) + I_PORTS]! & 0xffff;
  }
  get srcAddr(): string {
    const isV6 = this.bit(FlowBit.IS_IPV6);
    const at = this.slots.srcAddressAt(this.id, isV6);
    return formatAddressWords(this.slots.addresses(this.id, isV6), at, isV6);
  }
  get dstAddr(): string {
    const isV6 = this.bit(FlowBit.IS_IPV6);
    const at = dstAddressAt(this.slots.srcAddressAt(this.id, isV6), isV6);
    return formatAddressWords(this.slots.addresses(this.id, isV6), at, isV6);
  }

  get srcNextSeq(): number {
    return this.bit(FlowBit.SRC_SEQ_KNOWN) ? this.i32()[i32Base(this.id) + I_SRC_SEQ]! >>> 0 : -1;
  }
  set srcNextSeq(value: number) {
    this.setBit(FlowBit.SRC_SEQ_KNOWN, value !== -1);
    this.i32()[i32Base(this.id) + I_SRC_SEQ] = value | 0;
  }
  get dstNextSeq(): number {
    return this.bit(FlowBit.DST_SEQ_KNOWN) ? this.i32()[i32Base(this.id) + I_DST_SEQ]! >>> 0 : -1;
  }
  set dstNextSeq(value: number) {
    this.setBit(FlowBit.DST_SEQ_KNOWN, value !== -1);
    this.i32()[i32Base(this.id) + I_DST_SEQ] = value | 0;
  }

  get inspectionDone(): boolean {
    return this.bit(FlowBit.INSPECTION_DONE);
  }
  set inspectionDone(value: boolean) {
    this.setBit(FlowBit.INSPECTION_DONE, value);
  }

  get inspection(): StreamInspection | null {
    return this.current?.inspection ?? null;
  }
  set inspection(value: StreamInspection | null) {
    if (value !== null || this.current !== undefined) this.writable().inspection = value;
  }
  get serverName(): string | null {
    return this.current?.serverName ?? null;
  }
  set serverName(value: string | null) {
    if (value !== null || this.current !== undefined) this.writable().serverName = value;
  }
  get ja3(): string | null {
    return this.current?.ja3 ?? null;
  }
  set ja3(value: string | null) {
    if (value !== null || this.current !== undefined) this.writable().ja3 = value;
  }
  get ja4(): string | null {
    return this.current?.ja4 ?? null;
  }
  set ja4(value: string | null) {
    if (value !== null || this.current !== undefined) this.writable().ja4 = value;
  }
  get alpn(): string | null {
    return this.current?.alpn ?? null;
  }
  set alpn(value: string | null) {
    if (value !== null || this.current !== undefined) this.writable().alpn = value;
  }
  get tlsVersion(): string | null {
    return this.current?.tlsVersion ?? null;
  }
  set tlsVersion(value: string | null) {
    if (value !== null || this.current !== undefined) this.writable().tlsVersion = value;
  }
  get tlsCertSha1(): string | null {
    return this.current?.tlsCertSha1 ?? null;
  }
  set tlsCertSha1(value: string | null) {
    if (value !== null || this.current !== undefined) this.writable().tlsCertSha1 = value;
  }
}
