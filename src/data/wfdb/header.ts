/**
 * WFDB header files (`<record>.hea`), as described in PhysioNet's header(5): a record line,
 * one signal specification line per signal, and comment lines ('#') anywhere.
 * Multi-segment records are not supported.
 */
import { join } from 'node:path';
import { fail } from '../../errors.js';
import { readFileOrFail } from '../../util/files.js';

export interface SignalSpec {
  /** Signal file name as written in the header, e.g. '100.dat'. */
  fileName: string;
  /** WFDB storage format: 16, 80 or 212. */
  format: number;
  /** Bytes to skip at the start of the signal file ('16+24' gives 24), else 0. */
  byteOffset: number;
  /** ADC units per physical unit (200 when the header omits it or gives 0). */
  gain: number;
  /** ADC value of 0 physical units (ADC zero when the header gives no baseline). */
  baseline: number;
  /** Physical units, e.g. 'mV' (default 'mV'). */
  units: string;
  adcResolution: number;
  adcZero: number;
  /** First sample as recorded in the header; undefined when the header omits it. */
  initialValue: number | undefined;
  /** 16-bit checksum as recorded in the header (usually signed); undefined when omitted. */
  checksum: number | undefined;
  /** Lead name, e.g. 'MLII', 'V1', 'aVR' ('' when the header has none). */
  description: string;
}

export interface RecordHeader {
  name: string;
  signalCount: number;
  samplingRate: number;
  /** Samples per channel (0 when the header does not say; readRecord then measures the file). */
  sampleCount: number;
  signals: SignalSpec[];
  /** Comment lines without the leading '#', trimmed. */
  comments: string[];
}

/** Storage formats this reader decodes. */
export const SUPPORTED_FORMATS: readonly number[] = [16, 80, 212];

const DEFAULT_SAMPLING_RATE = 250;
const DEFAULT_GAIN = 200;

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** format[xsamples][:skew][+offset] */
const FORMAT_FIELD = /^(\d+)(?:x(\d+))?(?::(\d+))?(?:\+(\d+))?$/;
/** gain[(baseline)][/units] */
const GAIN_FIELD = /^([^()/]+)(?:\(([^()]*)\))?(?:\/(.*))?$/;

interface Token {
  text: string;
  start: number;
}

function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  const re = /\S+/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) tokens.push({ text: m[0], start: m.index });
  return tokens;
}

/**
 * Parses the text of a header file. `file` is used in error messages only.
 * Every error names the file, the line and (once known) the record.
 */
export function parseHeader(text: string, file: string): RecordHeader {
  const lines = text.split(/\r?\n/);
  const comments: string[] = [];
  let recordLine: { tokens: Token[]; number: number } | undefined;
  const signalLines: { line: string; tokens: Token[]; number: number }[] = [];

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (trimmed.startsWith('#')) {
      comments.push(trimmed.slice(1).trim());
      continue;
    }
    if (recordLine === undefined) recordLine = { tokens: tokenize(line), number: i + 1 };
    else signalLines.push({ line, tokens: tokenize(line), number: i + 1 });
  }
  if (recordLine === undefined) fail(`${file}: not a WFDB header: no record line (the file is empty or all comments)`);

  // Record line: name[/segments] signals [fs[/counterfreq[(basecounter)]] [samples [time [date]]]]
  const rt = recordLine.tokens;
  const at = `${file}: line ${recordLine.number} (record line)`;
  const nameField = rt[0].text;
  if (nameField.includes('/')) {
    fail(`${at}: '${nameField}' is a multi-segment record, which is not supported`);
  }
  const name = nameField;
  const where = `${file} (record ${name}): line ${recordLine.number} (record line)`;
  if (rt.length < 2) fail(`${where}: the number of signals is missing`);
  if (!INTEGER.test(rt[1].text) || Number(rt[1].text) < 0) {
    fail(`${where}: number of signals '${rt[1].text}' is not a non-negative integer`);
  }
  const signalCount = Number(rt[1].text);

  let samplingRate = DEFAULT_SAMPLING_RATE;
  if (rt.length > 2) {
    const rateText = rt[2].text.split('/')[0];
    const rate = Number(rateText);
    if (!DECIMAL.test(rateText) || !(rate > 0)) {
      fail(`${where}: sampling frequency '${rt[2].text}' is not a positive number`);
    }
    samplingRate = rate;
  }
  let sampleCount = 0;
  if (rt.length > 3) {
    if (!INTEGER.test(rt[3].text) || Number(rt[3].text) < 0) {
      fail(`${where}: number of samples '${rt[3].text}' is not a non-negative integer`);
    }
    sampleCount = Number(rt[3].text);
  }

  if (signalLines.length < signalCount) {
    fail(
      `${file} (record ${name}): the record line declares ${signalCount} signals but the header has ` +
        `${signalLines.length} signal specification line${signalLines.length === 1 ? '' : 's'}`,
    );
  }
  if (signalLines.length > signalCount) {
    fail(
      `${file} (record ${name}): line ${signalLines[signalCount].number}: unexpected line after the ` +
        `${signalCount} signal specification lines the record line declares`,
    );
  }

  const signals = signalLines.map((s, index) =>
    parseSignalLine(s.line, s.tokens, `${file} (record ${name}): line ${s.number} (signal ${index})`),
  );
  return { name, signalCount, samplingRate, sampleCount, signals, comments };
}

function integerField(token: Token | undefined, what: string, at: string): number | undefined {
  if (token === undefined) return undefined;
  if (!INTEGER.test(token.text)) fail(`${at}: ${what} '${token.text}' is not an integer`);
  return Number(token.text);
}

function parseSignalLine(line: string, tokens: Token[], at: string): SignalSpec {
  // file format[xsamp][:skew][+offset] [gain[(baseline)][/units] [adcres [adczero [initval [checksum [blocksize [description]]]]]]]
  if (tokens.length < 2) fail(`${at}: the signal format is missing (expected '<file> <format> ...')`);
  const fileName = tokens[0].text;
  if (fileName === '~') fail(`${at}: null signals (file name '~') are not supported`);

  const fm = FORMAT_FIELD.exec(tokens[1].text);
  if (fm === null) fail(`${at}: format field '${tokens[1].text}' is malformed (expected e.g. '212' or '16+24')`);
  const format = Number(fm[1]);
  if (!SUPPORTED_FORMATS.includes(format)) {
    fail(`${at}: signal format ${format} is not supported (supported formats: ${SUPPORTED_FORMATS.join(', ')})`);
  }
  if (fm[2] !== undefined && Number(fm[2]) > 1) {
    fail(`${at}: ${fm[2]} samples per frame ('${tokens[1].text}') is not supported (only 1)`);
  }
  if (fm[3] !== undefined && Number(fm[3]) !== 0) {
    fail(`${at}: skew ${fm[3]} ('${tokens[1].text}') is not supported`);
  }
  const byteOffset = fm[4] === undefined ? 0 : Number(fm[4]);

  let gain = DEFAULT_GAIN;
  let baselineField: number | undefined;
  let units = 'mV';
  if (tokens.length > 2) {
    const gm = GAIN_FIELD.exec(tokens[2].text);
    if (gm === null || !DECIMAL.test(gm[1])) {
      fail(`${at}: gain field '${tokens[2].text}' is malformed (expected e.g. '200', '1000/mV' or '200(1024)/mV')`);
    }
    const g = Number(gm[1]);
    if (g !== 0) gain = g;
    if (gm[2] !== undefined) {
      if (!INTEGER.test(gm[2])) fail(`${at}: baseline '${gm[2]}' in gain field '${tokens[2].text}' is not an integer`);
      baselineField = Number(gm[2]);
    }
    if (gm[3] !== undefined) {
      if (gm[3] === '') fail(`${at}: gain field '${tokens[2].text}' has an empty unit after '/'`);
      units = gm[3];
    }
  }
  const adcResolution = integerField(tokens[3], 'ADC resolution', at) || (format === 80 ? 8 : 12);
  const adcZero = integerField(tokens[4], 'ADC zero', at) ?? 0;
  const initialValue = integerField(tokens[5], 'initial value', at);
  const checksum = integerField(tokens[6], 'checksum', at);
  integerField(tokens[7], 'block size', at);
  const description = tokens.length > 8 ? line.slice(tokens[8].start).trim() : '';

  return {
    fileName,
    format,
    byteOffset,
    gain,
    baseline: baselineField ?? adcZero,
    units,
    adcResolution,
    adcZero,
    initialValue,
    checksum,
    description,
  };
}

/** Reads and parses `<dir>/<record>.hea`. */
export function readHeader(dir: string, record: string): RecordHeader {
  const file = join(dir, `${record}.hea`);
  const text = new TextDecoder('utf-8').decode(readFileOrFail(file));
  return parseHeader(text, file);
}
