import { inputShape } from './shapes.js';
import { viewOp } from './view.js';

/** Identity and Dropout (inference): the input itself. Most are removed by eliminate-identities. */
export const Identity = viewOp((ctx) => inputShape(ctx, 0));
