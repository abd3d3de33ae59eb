/** The example models and compression plans the repository ships. */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Plan } from '../../src/plan/plan.js';

export const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');

/**
 * An example's plans (plan*.json), each with the model it was made for: model.onnx, or the
 * fine-tuned model beside it that 'ecgc finetune' wrote with the plan (plan.model.file).
 */
export function shippedPlans(example: string): { name: string; plan: string; model: string; finetuned: boolean }[] {
  const dir = join(EXAMPLES, example);
  return readdirSync(dir)
    .filter((f) => /^plan.*\.json$/.test(f))
    .map((name) => {
      const plan = JSON.parse(readFileSync(join(dir, name), 'utf8')) as Plan;
      const model = join(dir, plan.model.file);
      if (!existsSync(model)) throw new Error(`${example}/${name} was made for ${plan.model.file}, which is not beside it`);
      return { name, plan: join(dir, name), model, finetuned: plan.finetune !== undefined };
    });
}
