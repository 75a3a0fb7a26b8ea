/**
 * A deliberate fault, for testing `edgecl check`'s divergence search (`EDGECL_TEST_PERTURB_KERNEL`):
 * one extra launch, right after the named kernel, adds 1.0 to every element that kernel stores.
 * Its readers see the perturbed values, exactly as if the kernel's epilogue were wrong; the named
 * kernel's own source is untouched, so the fault works the same for every kernel family.
 */
import { numElements } from '../../ir/index.js';
import type { KernelDraft, KernelParam } from '../kernel-draft.js';
import type { LoweredGraph } from '../lower.js';

/** Work items per group, as the plain kernels use. */
const GROUP = 64;

/** `lowered.kernels` with the perturbing launch inserted after kernel `name`. */
export function withPerturbedKernel(lowered: LoweredGraph, name: string): KernelDraft[] {
  const at = lowered.kernels.findIndex((k) => k.name === name);
  if (at < 0) {
    throw new Error(`EDGECL_TEST_PERTURB_KERNEL: no kernel is named '${name}'; the kernels are ${lowered.kernels.map((k) => k.name).join(', ')}`);
  }
  const target = lowered.kernels[at]!;
  const out = target.params.find((p): p is Extract<KernelParam, { kind: 'tensor' }> => p.kind === 'tensor' && p.access === 'write');
  if (!out) throw new Error(`EDGECL_TEST_PERTURB_KERNEL: kernel '${name}' writes no tensor`);
  // A kernel storing into a concat's channel slice binds the concat's buffer: perturb only its
  // slice. A concat's own kernel copies only the inputs no other kernel stores: only those channels.
  const own = target.nodes.find((n) => lowered.slices.get(n)?.into === out.value);
  const slice = own === undefined ? undefined : lowered.slices.get(own)!;
  const count = numElements(lowered.values.type(own ?? out.value).shape);
  const index = slice ? `i / ${slice.channels} * ${slice.total} + ${slice.offset} + i % ${slice.channels}` : 'i';
  const others = slice ? [] : [...lowered.slices.values()].filter((s) => s.into === out.value);
  const skip = others.map((s) => `(i % ${s.total} >= ${s.offset} && i % ${s.total} < ${s.offset + s.channels})`).join(' || ');
  const kernel = `edgecl_test_perturb_${at}`;
  const draft: KernelDraft = {
    name: kernel,
    nodes: [],
    params: [{ kind: 'tensor', name: 'x', access: 'write', value: out.value, dtype: 'f32' }],
    source: `// Test fault: adds 1.0 to what ${name} stored.
__kernel void ${kernel}(__global float* restrict x) {
  const int i = get_global_id(0);
  if (i >= ${count}${skip ? ` || ${skip}` : ''}) return;
  x[${index}] += 1.0f;
}`,
    global: [Math.ceil(count / GROUP) * GROUP],
    local: [GROUP],
  };
  return [...lowered.kernels.slice(0, at + 1), draft, ...lowered.kernels.slice(at + 1)];
}
