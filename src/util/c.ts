/**
 * Names and text from a model file never reach C as they are: identifiers are rebuilt from
 * [A-Za-z0-9_] only, and comments cannot close themselves or start a preprocessor line.
 * A sanitised identifier never contains '__', so names derived from one with a '__' suffix
 * (layer__codes, layer__bias) cannot collide with another, and a model's identifiers,
 * `<model>__<node>`, split at their first '__': two models in one firmware never share one.
 */

const C_KEYWORDS = new Set(
  ('auto break case char const continue default do double else enum extern float for goto if inline int long register restrict return ' +
    'short signed sizeof static struct switch typedef union unsigned void volatile while main').split(' '),
);

/** A C identifier from any text: other characters become '_'; a leading digit or a keyword gets a prefix. */
export function cIdentifier(text: string, prefix = 'm'): string {
  let id = text.replace(/[^A-Za-z0-9_]/g, '_').replace(/_+/g, '_').replace(/^_+|_+$/g, '');
  if (id === '' || /^[0-9]/.test(id) || C_KEYWORDS.has(id)) id = `${prefix}_${id}`;
  return id.slice(0, 48).replace(/_+$/, '');
}

/** Text safe inside a C block comment on one line. */
export function cComment(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').replace(/\*\//g, '*\\/').replace(/\/\*/g, '/\\*').replace(/\\$/g, '\\ ');
}

/** A float32 as a C literal that reads back to the same bits (9 significant digits). */
export function cFloat(value: number): string {
  const f = Math.fround(value);
  if (f === 0) return Object.is(f, -0) ? '-0.0f' : '0.0f';
  if (!Number.isFinite(f)) throw new Error(`internal: cannot emit ${f} as a C float`);
  const text = f.toPrecision(9);
  return `${text.includes('.') || text.includes('e') ? text : `${text}.0`}f`;
}
