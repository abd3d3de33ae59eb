import { inputShape } from './shapes.js';
import { viewOp } from './view.js';

/** Identity: the input itself. Most are removed by eliminate-identities. */
export const Identity = { ...viewOp('Identity', (ctx) => inputShape(ctx, 0)), passThrough: () => true };
