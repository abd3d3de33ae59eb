/** A model's C identifiers. */
import { cIdentifier } from '../util/c.js';

/** Hands out a model's distinct identifiers, `<model>__<text>`. */
export class NameTable {
  private readonly used = new Set<string>();

  constructor(private readonly model: string) {}

  take(text: string, prefix = 'm'): string {
    const base = `${this.model}__${cIdentifier(text, prefix)}`;
    let name = base;
    for (let i = 2; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }
}
