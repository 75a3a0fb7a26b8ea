/**
 * TF control flow that compile-time constants decide: `If` / `StatelessIf` whose condition is
 * a constant after folding inlines the taken branch, a function of the graph's library, with the
 * If's remaining inputs as the function's arguments; the If's outputs are the function's.
 * A condition computed at run time is an error: edgecl compiles straight-line kernels only.
 */
import type { Ctx, Handler, Value } from './tf-context.js';

function ifOp(c: Ctx): Value[] {
  if (c.refs.length < 1) c.fail('expects a condition');
  if (!c.isConst(0)) {
    c.fail('its condition (input 0) is computed at run time; edgecl compiles If only when the condition is a compile-time constant (after constant folding)');
  }
  const { values } = c.constNumbers(0, 'condition');
  if (values.length === 0) c.fail('its condition is an empty tensor');
  // TF.js reads the first element (`(await cond.data())[0]`); for the scalar conditions
  // TensorFlow writes this is TensorFlow's rule as well.
  const branch = values[0] !== 0 ? 'then_branch' : 'else_branch';
  const fn = c.attrs.func(branch);
  if (fn === undefined) c.fail(`attribute '${branch}' is missing`);
  const args = c.refs.slice(1).map((_, i) => c.input(i + 1));
  return c.callFunction(fn, args);
}

export const CONTROL_HANDLERS: Readonly<Record<string, Handler>> = {
  If: ifOp,
  StatelessIf: ifOp,
};
