/**
 * Finding NaN and ±Inf in a run's outputs (`SessionOptions.checkFinite`,
 * `edgecl run --check-finite`). Inputs are never checked: a model may be fed
 * NaN or Inf on purpose; what matters is whether the results are usable.
 */
import { RuntimeUserError } from './errors.js';
import type { TensorData } from './dtypes.js';

/** What one output holds that is not a finite number. */
export interface NonFiniteOutput {
  name: string;
  nan: number;
  posInf: number;
  negInf: number;
  /** nan + posInf + negInf. */
  count: number;
  /** Flat (row-major) index of the first non-finite value. */
  firstIndex: number;
  /** Elements in the output. */
  elements: number;
}

/** The outputs, in the order given, that contain NaN or ±Inf; empty when all are finite. Integer outputs are always finite. */
export function findNonFinite(outputs: Record<string, { data: TensorData }>): NonFiniteOutput[] {
  const found: NonFiniteOutput[] = [];
  for (const [name, { data }] of Object.entries(outputs)) {
    if (!(data instanceof Float32Array)) continue;
    let nan = 0;
    let posInf = 0;
    let negInf = 0;
    let firstIndex = -1;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v - v === 0) continue; // finite: the one comparison the common case pays
      if (firstIndex < 0) firstIndex = i;
      if (v === Infinity) posInf++;
      else if (v === -Infinity) negInf++;
      else nan++;
    }
    if (firstIndex >= 0) found.push({ name, nan, posInf, negInf, count: nan + posInf + negInf, firstIndex, elements: data.length });
  }
  return found;
}

/** One clause per output, e.g. `output "y": 3 of 8 values (2 NaN, 1 +Inf), the first at flat index 5`. */
export function describeNonFinite(o: NonFiniteOutput): string {
  const kinds = [o.nan ? `${o.nan} NaN` : '', o.posInf ? `${o.posInf} +Inf` : '', o.negInf ? `${o.negInf} -Inf` : ''].filter(Boolean).join(', ');
  return `output "${o.name}": ${o.count} of ${o.elements} values (${kinds}), the first at flat index ${o.firstIndex}`;
}

/** Thrown when a run asked to check its outputs finds NaN or ±Inf; `outputs` holds the report. */
export class NonFiniteOutputError extends RuntimeUserError {
  constructor(
    readonly dir: string,
    readonly outputs: readonly NonFiniteOutput[],
  ) {
    super(
      `artifact ${dir} produced non-finite values: ${outputs.map(describeNonFinite).join('; ')}. ` +
        'Check the inputs for NaN/Inf or values far outside the range the model was trained on; ' +
        'a kernel that overflows or divides by zero gives the same result.',
    );
    this.name = 'NonFiniteOutputError';
  }
}
