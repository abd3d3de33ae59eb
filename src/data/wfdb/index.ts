/** Readers for WFDB records (headers, signals, annotations) and the challenges' MATLAB v4 records. */
export { parseHeader, readHeader, SUPPORTED_FORMATS, type RecordHeader, type SignalSpec } from './header.js';
export { checksum16, physical, readRecord, type Tolerated, type WfdbRecord } from './signal.js';
export { ANNOTATION_MNEMONICS, annotationMnemonic, readAnnotations, type Annotation } from './annotations.js';
export { readMat4, type Mat4Matrix } from './mat4.js';
export { diagnosisLabels, readCpscRecord, readMatRecord, type CpscRecord, type MatRecord } from './mat-record.js';
