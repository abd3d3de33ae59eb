/**
 * WFDB annotation files in MIT format, as described in PhysioNet's annot(5).
 *
 * The file is a sequence of little-endian 16-bit words. The top 6 bits (A) are a type code,
 * the low 10 bits (I) a number:
 *   A = 1..49 (and other codes below 59): an annotation of type A, I samples after the previous one
 *   A = 59 SKIP: I = 0; the next 4 bytes are a signed 32-bit interval (high word first, each word
 *                little-endian) added to the time of the next annotation
 *   A = 60 NUM:  I is the num field of the current and subsequent annotations
 *   A = 61 SUB:  I is the subtype of the current annotation only
 *   A = 62 CHN:  I is the channel of the current and subsequent annotations
 *   A = 63 AUX:  I bytes of auxiliary text follow (plus a pad byte when I is odd)
 *   A = 0, I = 0: end of file
 * NUM, SUB, CHN and AUX follow the annotation word they modify.
 */
import { join } from 'node:path';
import { fail } from '../../errors.js';
import { readFileOrFail } from '../../util/files.js';

export interface Annotation {
  /** Sample index (time) of the annotation. */
  sample: number;
  /** WFDB mnemonic, e.g. 'N', 'V', '+', '~'. */
  code: string;
  subtype: number;
  channel: number;
  num: number;
  /** Auxiliary text (e.g. '(AFIB' for rhythm annotations), trailing NULs removed; '' if none. */
  aux: string;
}

/**
 * Mnemonics of the standard annotation type codes 0..49 (WFDB's ecgcodes.h / annstr()).
 * Codes 39 and 40 (waveform onset/end, formerly PQ junction and J point) are '(' and ')' in
 * current WFDB; older software printed them as '`' and "'". Unassigned codes print as '[n]'.
 */
export const ANNOTATION_MNEMONICS: readonly string[] = [
  ' ', 'N', 'L', 'R', 'a', // 0-4: NOTQRS, NORMAL, LBBB, RBBB, ABERR
  'V', 'F', 'J', 'A', 'S', // 5-9: PVC, FUSION, NPC, APC, SVPB
  'E', 'j', '/', 'Q', '~', // 10-14: VESC, NESC, PACE, UNKNOWN, NOISE
  '[15]', '|', '[17]', 's', 'T', // 15-19: -, ARFCT, -, STCH, TCH
  '*', 'D', '"', '=', 'p', // 20-24: SYSTOLE, DIASTOLE, NOTE, MEASURE, PWAVE
  'B', '^', 't', '+', 'u', // 25-29: BBB, PACESP, TWAVE, RHYTHM, UWAVE
  '?', '!', '[', ']', 'e', // 30-34: LEARN, FLWAV, VFON, VFOFF, AESC
  'n', '@', 'x', 'f', '(', // 35-39: SVESC, LINK, NAPC, PFUS, WFON (PQ)
  ')', 'r', '[42]', '[43]', '[44]', // 40-44: WFOFF (JPT), RONT, -
  '[45]', '[46]', '[47]', '[48]', '[49]', // 45-49
];

/** The mnemonic of an annotation type code ('[n]' for codes without one). */
export function annotationMnemonic(code: number): string {
  return ANNOTATION_MNEMONICS[code] ?? `[${code}]`;
}

const SKIP = 59;
const NUM = 60;
const SUB = 61;
const CHN = 62;
const AUX = 63;

/** Reads `<dir>/<record>.<extension>` (default extension 'atr'). */
export function readAnnotations(dir: string, record: string, extension = 'atr'): Annotation[] {
  const file = join(dir, `${record}.${extension}`);
  return decodeAnnotations(readFileOrFail(file), `${file} (record ${record})`);
}

/** Decodes an MIT-format annotation file; `where` names the file in error messages. */
export function decodeAnnotations(bytes: Uint8Array, where: string): Annotation[] {
  const annotations: Annotation[] = [];
  const length = bytes.length;
  let time = 0;
  let num = 0;
  let channel = 0;
  let current: Annotation | undefined;
  let p = 0;
  while (true) {
    if (p + 2 > length) {
      if (p < length) {
        fail(`${where}: annotation file ends in the middle of a 2-byte word (byte ${p} of ${length}): it is truncated`);
      }
      fail(
        `${where}: annotation file ends without the end-of-file marker after ${annotations.length} annotations ` +
          `(${length} bytes): it is truncated`,
      );
    }
    const word = bytes[p] | (bytes[p + 1] << 8);
    const at = p;
    p += 2;
    if (word === 0) break;
    const a = word >> 10;
    const i = word & 0x3ff;
    switch (a) {
      case SKIP: {
        if (p + 4 > length) {
          fail(`${where}: annotation file ends inside the 4-byte interval of a SKIP at byte ${at}: it is truncated`);
        }
        const high = bytes[p] | (bytes[p + 1] << 8);
        const low = bytes[p + 2] | (bytes[p + 3] << 8);
        time += ((high << 16) | low) >> 0;
        p += 4;
        break;
      }
      case NUM:
        num = i;
        if (current !== undefined) current.num = i;
        break;
      case CHN:
        channel = i;
        if (current !== undefined) current.channel = i;
        break;
      case SUB:
        if (current === undefined) fail(`${where}: SUB word at byte ${at} comes before any annotation`);
        current.subtype = i;
        break;
      case AUX: {
        if (current === undefined) fail(`${where}: AUX word at byte ${at} comes before any annotation`);
        if (p + i > length) {
          fail(
            `${where}: annotation file ends inside a ${i}-byte AUX string at byte ${at} ` +
              `(${length - p} bytes left): it is truncated`,
          );
        }
        let end = p + i;
        while (end > p && bytes[end - 1] === 0) end--;
        let text = '';
        for (let k = p; k < end; k++) text += String.fromCharCode(bytes[k]);
        current.aux = text;
        p += i + (i & 1);
        break;
      }
      default:
        time += i;
        current = { sample: time, code: annotationMnemonic(a), subtype: 0, channel, num, aux: '' };
        annotations.push(current);
    }
  }
  return annotations;
}
