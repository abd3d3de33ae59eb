/**
 * WFDB signal files, as described in PhysioNet's signal(5): formats 16 (16-bit little-endian
 * two's complement), 80 (8-bit offset binary) and 212 (pairs of 12-bit two's complement samples
 * packed in 3 bytes). Signals that share a file are stored frame by frame (one sample of each
 * signal in turn), in the order of their specification lines.
 */
import { join } from 'node:path';
import { EcgcError, fail } from '../../errors.js';
import { readFileOrFail } from '../../util/files.js';
import { readHeader, type RecordHeader, type SignalSpec } from './header.js';

export interface WfdbRecord {
  header: RecordHeader;
  /** ADC units, one array per channel, header.sampleCount long. */
  signals: Int16Array[];
}

/** Signals stored in one file: consecutive specification lines naming the same file. */
interface FileGroup {
  fileName: string;
  format: number;
  byteOffset: number;
  channels: number[];
}

function groupByFile(header: RecordHeader, headerFile: string): FileGroup[] {
  const groups: FileGroup[] = [];
  header.signals.forEach((spec, channel) => {
    const last = groups[groups.length - 1];
    if (last !== undefined && last.fileName === spec.fileName) {
      if (spec.format !== last.format || spec.byteOffset !== last.byteOffset) {
        fail(
          `${headerFile} (record ${header.name}): signal ${channel} is stored in ${spec.fileName} with format ` +
            `${spec.format}+${spec.byteOffset}, but the earlier signals in that file use ${last.format}+${last.byteOffset}`,
        );
      }
      last.channels.push(channel);
      return;
    }
    if (groups.some((g) => g.fileName === spec.fileName)) {
      fail(
        `${headerFile} (record ${header.name}): the signals stored in ${spec.fileName} are not on consecutive ` +
          `specification lines (signal ${channel})`,
      );
    }
    groups.push({ fileName: spec.fileName, format: spec.format, byteOffset: spec.byteOffset, channels: [channel] });
  });
  return groups;
}

/** Whole frames (one sample of every signal in the file) held by `byteLength` bytes of data. */
function framesHeld(format: number, byteLength: number, signalsInFile: number): number {
  if (byteLength <= 0 || signalsInFile === 0) return 0;
  let samples: number;
  switch (format) {
    case 16:
      samples = Math.floor(byteLength / 2);
      break;
    case 80:
      samples = byteLength;
      break;
    case 212:
      // 3 bytes per pair; a final odd sample occupies 2 bytes.
      samples = Math.floor(byteLength / 3) * 2 + (byteLength % 3 === 2 ? 1 : 0);
      break;
    default:
      throw new Error(`internal: unsupported format ${format} passed the header check`);
  }
  return Math.floor(samples / signalsInFile);
}

/** Decodes `frames` frames starting at `start` into `out` (one array per signal in the file). */
function decode(format: number, bytes: Uint8Array, start: number, frames: number, out: Int16Array[]): void {
  const n = out.length;
  if (format === 212 && n === 2) {
    // The common MIT-BIH layout: each frame is exactly one 3-byte pair.
    const a = out[0];
    const b = out[1];
    for (let f = 0, p = start; f < frames; f++, p += 3) {
      const mid = bytes[p + 1];
      a[f] = (((mid & 0x0f) << 8) | bytes[p]) << 20 >> 20;
      b[f] = (((mid & 0xf0) << 4) | bytes[p + 2]) << 20 >> 20;
    }
    return;
  }
  if (format === 212) {
    const total = frames * n;
    let s = 0;
    let f = 0;
    for (let k = 0, p = start; k < total; k += 2, p += 3) {
      const mid = bytes[p + 1];
      out[s][f] = (((mid & 0x0f) << 8) | bytes[p]) << 20 >> 20;
      if (++s === n) {
        s = 0;
        f++;
      }
      if (k + 1 < total) {
        out[s][f] = (((mid & 0xf0) << 4) | bytes[p + 2]) << 20 >> 20;
        if (++s === n) {
          s = 0;
          f++;
        }
      }
    }
    return;
  }
  if (format === 16) {
    for (let f = 0, p = start; f < frames; f++) {
      for (let s = 0; s < n; s++, p += 2) out[s][f] = ((bytes[p + 1] << 8) | bytes[p]) << 16 >> 16;
    }
    return;
  }
  if (format === 80) {
    for (let f = 0, p = start; f < frames; f++) {
      for (let s = 0; s < n; s++, p++) out[s][f] = bytes[p] - 128;
    }
    return;
  }
  throw new Error(`internal: unsupported format ${format} passed the header check`);
}

/** Sum of the samples modulo 2^16, as a signed 16-bit value (the form WFDB headers use). */
export function checksum16(samples: Int16Array): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum = (sum + samples[i]) | 0;
  return (sum << 16) >> 16;
}

/**
 * Checks every channel's first sample and 16-bit checksum against the header (where the header
 * gives them). `source` names the data file(s) in the message.
 */
/**
 * What a reader accepts from a header as published rather than as damage: CinC 2017's headers
 * carry checksum 0, and some an initial value unlike the first sample (wfdb checks neither).
 */
export interface Tolerated {
  zeroChecksum?: boolean;
  initialValue?: boolean;
}

/**
 * Fails on a header whose initial value or checksum disagrees with the samples, unless
 * `tolerated` accepts it; returns what it accepted ('checksum 0', 'initial value'), for the
 * dataset to say so.
 */
export function verifySignals(header: RecordHeader, signals: Int16Array[], source: (channel: number) => string, tolerated: Tolerated = {}): string[] {
  const accepted = new Set<string>();
  header.signals.forEach((spec, channel) => {
    const data = signals[channel];
    const at = () => `${source(channel)} (record ${header.name}, channel ${channel} '${spec.description}')`;
    if (spec.initialValue !== undefined && data.length > 0 && data[0] !== spec.initialValue) {
      if (!tolerated.initialValue) fail(`${at()}: first sample is ${data[0]} but the header's initial value is ${spec.initialValue}`);
      accepted.add('initial value');
    }
    if (spec.checksum !== undefined) {
      const actual = checksum16(data);
      if (actual === (spec.checksum << 16) >> 16) return;
      if (!(tolerated.zeroChecksum && spec.checksum === 0)) fail(`${at()}: checksum mismatch: the header says ${spec.checksum}, the samples sum to ${actual} (mod 2^16)`);
      accepted.add('checksum 0');
    }
  });
  return [...accepted];
}

function readSignalFile(dir: string, headerFile: string, recordName: string, group: FileGroup): Uint8Array {
  const file = join(dir, group.fileName);
  try {
    return readFileOrFail(file);
  } catch (e) {
    if (!(e instanceof EcgcError)) throw e;
    fail(`${e.message}; it is the signal file that ${headerFile} names for record ${recordName}`);
  }
}

/**
 * Reads `<dir>/<record>.hea` and the signal files it names, verifying initial values and
 * checksums. When the header gives no sample count, the length of the shortest signal file
 * decides, and the returned header carries that count.
 */
export function readRecord(dir: string, record: string): WfdbRecord {
  const parsed = readHeader(dir, record);
  const headerFile = join(dir, `${record}.hea`);
  const groups = groupByFile(parsed, headerFile);
  const contents = groups.map((g) => readSignalFile(dir, headerFile, parsed.name, g));
  const held = groups.map((g, i) => framesHeld(g.format, contents[i].length - g.byteOffset, g.channels.length));

  let sampleCount = parsed.sampleCount;
  if (sampleCount === 0 && groups.length > 0) sampleCount = Math.min(...held);
  groups.forEach((g, i) => {
    if (held[i] < sampleCount) {
      fail(
        `${join(dir, g.fileName)} (record ${parsed.name}): truncated signal file: it holds ${held[i]} samples per ` +
          `channel (${contents[i].length} bytes, format ${g.format}, ${g.channels.length} signal` +
          `${g.channels.length === 1 ? '' : 's'}${g.byteOffset ? `, offset ${g.byteOffset}` : ''}), the header promises ${sampleCount}`,
      );
    }
  });

  const header: RecordHeader = { ...parsed, sampleCount };
  const signals = header.signals.map(() => new Int16Array(sampleCount));
  groups.forEach((g, i) => {
    decode(
      g.format,
      contents[i],
      g.byteOffset,
      sampleCount,
      g.channels.map((c) => signals[c]),
    );
  });
  verifySignals(header, signals, (channel) => join(dir, header.signals[channel].fileName));
  return { header, signals };
}

/** Channel `channel` in physical units: (adc - baseline) / gain, as float32. */
export function physical(record: WfdbRecord, channel: number): Float32Array {
  const spec: SignalSpec | undefined = record.header.signals[channel];
  if (!Number.isInteger(channel) || spec === undefined) {
    fail(`record ${record.header.name}: no channel ${channel} (it has ${record.header.signals.length})`);
  }
  const adc = record.signals[channel];
  const out = new Float32Array(adc.length);
  const { baseline, gain } = spec;
  for (let i = 0; i < adc.length; i++) out[i] = (adc[i] - baseline) / gain;
  return out;
}
