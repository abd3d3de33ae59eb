/**
 * Early stop: a candidate with a requirement is run in growing chunks, hardest windows first
 * (src/compress/window-shards.ts), and rejected as soon as even every remaining window right
 * could not bring it up to the requirement (its score, or a class's recall). The decision is
 * the one a full evaluation makes: accuracy, macro F1 and every recall can only grow when
 * more windows are right, and no wrong window helps.
 */
import { type MetricName, classificationMetrics } from './metrics.js';

export interface Requirement {
  /** Minimum score, points. */
  minScore: number;
  /** Minimum output SNR against the full model, dB (checked on complete runs). */
  minSnrDb?: number;
  /** Points of recall any one class may lose against the full model (label-free: of its top-1 agreement). */
  maxClassDrop?: number;
  /** Least mean rank correlation of the explanations with the full model's (checked on complete runs; src/compress/explanation-drift.ts). */
  minExplanationAgreement?: number;
}

/** A score this close below a minimum still meets it: the same figure summed another way may differ in its last bits. */
export const EPSILON = 1e-9;

/** A window's class in `predicted` before it has run. */
export const NOT_RUN = -1;

export class EarlyStop {
  constructor(
    /** The windows' classes, in the order of `predicted`. */
    private readonly labels: Int32Array,
    private readonly metric: MetricName,
    private readonly classNames: string[],
    /** The full model's support and recall of each class, which --max-class-drop is measured from. */
    private readonly full: { support: number; recall: number }[],
  ) {}

  /**
   * `predicted`: each window's top-1 class so far (NOT_RUN: not yet). The best score still
   * reachable (points) when the candidate can no longer meet `requirement`; undefined while it can.
   */
  stopAt(predicted: Int32Array, requirement: Requirement): number | undefined {
    const bound = this.bestPossible(predicted);
    return bound < requirement.minScore - EPSILON || this.classOutOfReach(predicted, requirement) ? bound : undefined;
  }

  /** The score if every window not yet run were right. */
  bestPossible(predicted: Int32Array): number {
    const count = this.labels.length;
    if (this.metric === 'accuracy') {
      let right = 0;
      for (let i = 0; i < count; i++) if (predicted[i] === NOT_RUN || predicted[i] === this.labels[i]) right++;
      return (100 * right) / count;
    }
    const optimistic = predicted.map((p, i) => (p === NOT_RUN ? this.labels[i] : p));
    return 100 * classificationMetrics(this.labels, optimistic, this.classNames).macroF1;
  }

  /** Whether some class could not reach its minimum recall even if every window not yet run were right. */
  classOutOfReach(predicted: Int32Array, requirement: Requirement): boolean {
    if (requirement.maxClassDrop === undefined) return false;
    const reachable = new Array<number>(this.full.length).fill(0);
    for (let i = 0; i < this.labels.length; i++) {
      if (predicted[i] === NOT_RUN || predicted[i] === this.labels[i]) reachable[this.labels[i]]++;
    }
    return this.full.some((c, i) => c.support > 0 && (100 * reachable[i]) / c.support < 100 * c.recall - requirement.maxClassDrop! - EPSILON);
  }
}
