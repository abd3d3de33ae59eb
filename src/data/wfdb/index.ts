/** Readers for WFDB records (headers, signals, annotations) and the CPSC 2018 MATLAB v4 files. */
export { parseHeader, readHeader, SUPPORTED_FORMATS, type RecordHeader, type SignalSpec } from './header.js';
export { checksum16, physical, readRecord, type WfdbRecord } from './signal.js';
export { ANNOTATION_MNEMONICS, annotationMnemonic, readAnnotations, type Annotation } from './annotations.js';
export { readMat4, type Mat4Matrix } from './mat4.js';
export { diagnosisLabels, readCpscRecord, type CpscRecord } from './cpsc.js';
