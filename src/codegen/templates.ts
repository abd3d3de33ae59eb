/** The handlebars templates of templates/ that every generated C file comes from. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';

const TEMPLATE_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

// The check of <name>_begin/_push/_end against <name>_run that the host and Cortex-M harnesses share.
Handlebars.registerPartial('pushCheck', readFileSync(join(TEMPLATE_DIR, 'push-check.c.hbs'), 'utf8'));

/** A template of templates/, its partials registered; strict: a missing field is an error, not an empty string. */
export const template = (file: string) => Handlebars.compile(readFileSync(join(TEMPLATE_DIR, file), 'utf8'), { noEscape: true, strict: true });
