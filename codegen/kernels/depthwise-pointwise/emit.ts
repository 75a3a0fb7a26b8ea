/**
 * Depthwise + pointwise in one kernel (ir/fusion.ts `depthwisePointwise`): the depthwise
 * convolution of the loaded input (+ bias, + the `between` steps), then the 1×1 convolution of
 * that (+ bias, + the epilogue), without the depthwise result ever reaching global memory.
 *
 * Work-item mapping (launch shape in space.ts): a work group of 64 owns a tile of P consecutive
 * output pixels and a chunk of output channels; global size `[tiles * 64, chunks]`, local
 * `[64, 1]`, and the last tile's pixels past the end are guarded.
 * 1. Cooperatively, element e = lid, lid + 64, … of the tile (pixel e / Cdw, depthwise channel
 *    e % Cdw: neighbouring work items read neighbouring input channels) computes the depthwise
 *    output, its bias and `between` steps into `__local float tile[P][Cdw]`.
 * 2. barrier; then work item (pixel lane pl, channel lane ocl) computes R pixels
 *    pl*R … pl*R + R-1 × V output channels oc … oc+V-1, oc = chunk start + ocl*V (+ LO*V, …):
 *    per depthwise channel, one `vload<V>` of the pointwise filter feeds R × V multiply-adds
 *    with tile values that every channel lane reads at the same address (a local-memory
 *    broadcast); then the epilogue per output element and the stores, contiguous across lanes.
 *
 * Fuse or not: see `fitsDepthwisePointwise` in space.ts and the measurements recorded there.
 */
import { IrError, type DepthwisePointwiseOp } from '../../../ir/index.js';
import { ParamList, type EmitContext, type KernelDraft } from '../../kernel-draft.js';
import { renderEpilogue } from '../../render/epilogue.js';
import { assertKernelDtypes, describeSteps, operandResolver, type KernelOp } from '../../render/kernel-op.js';
import { renderLoad } from '../../render/load.js';
import { renderSteps } from '../../render/steps.js';
import { assertNodeIndexable, decompose, indent, plus, times, typeText, usedDeclarations, windowCoordinate } from '../common.js';
import { depthwisePointwiseConfig, TARGET_GROUPS, TILE_LOCAL_BYTES } from './space.js';

/** `targetGroups`: the tuning knob of space.ts (tests sweep it; lowering uses the default). */
export function emitDepthwisePointwiseKernel(k: KernelOp, ctx: EmitContext, targetGroups = TARGET_GROUPS): KernelDraft {
  const node = k.node;
  const op = k.main as DepthwisePointwiseOp;
  const dw = op.depthwise;
  assertKernelDtypes(k, ctx);
  const [, dwf, dwb, pwf, pwb] = k.mainInputs as [string, string, string, string, string];
  const [KH, KW, C, M] = ctx.values.type(dwf).shape as [number, number, number, number];
  const CD = C * M;
  const [N, OH, OW, CO] = node.type.shape as [number, number, number, number];
  const NPIX = N * OH * OW;
  const cfg = depthwisePointwiseConfig({ pixels: NPIX, depthwiseChannels: CD, outChannels: CO }, targetGroups);
  if (!cfg) {
    throw new IrError(
      `node '${node.name}': its depthwise tile (${CD} channels × 4 bytes for one pixel) exceeds the ${TILE_LOCAL_BYTES}-byte local budget; the pass pipeline should be given fitsDepthwisePointwise (codegen/kernels/depthwise-pointwise/space.ts) so that this pair stays two kernels.`,
    );
  }
  const { tilePixels: P, pixelsPerItem: R, channelsPerLane: V, channelLanes: LO, groupSize: L, chunkChannels: OCB, tiles, chunks } = cfg;
  const PL = L / LO;

  const name = ctx.kernelName(node);
  const p = new ParamList(ctx);
  const load = renderLoad(name, k, p, ctx);
  const [, H, W] = load.shape as [number, number, number, number];
  const dwFilter = p.read(dwf);
  const dwBias = p.read(dwb);
  const pwFilter = p.read(pwf);
  const pwBias = p.read(pwb);
  const y = p.write(node.name);

  // Phase 1: one depthwise output per tile element.
  const pix = decompose('pix', ['n', 'oy', 'ox'], [N, OH, OW]);
  const [n, oy, ox] = pix.coords as [string, string, string];
  const ic = M === 1 ? 'cd' : 'ic';
  const ry = windowCoordinate({ out: oy, win: 'ky', input: 'iy', outSize: OH, window: KH, inSize: H, stride: dw.strides[0], dilation: dw.dilations[0], padBefore: dw.pads[0] });
  const rx = windowCoordinate({ out: ox, win: 'kx', input: 'ix', outSize: OW, window: KW, inSize: W, stride: dw.strides[1], dilation: dw.dilations[1], padBefore: dw.pads[1] });
  const between = renderSteps(op.between, 'acc', [N, OH, OW, CD], { axes: [n, oy, ox, 'cd'], flat: plus(times('pix', CD), 'cd') }, operandResolver(k, p, ctx));
  const dwBody = [
    ...(M === 1 ? [] : [`const int ic = cd / ${M};`]),
    `acc = dw_bias[cd];`,
    `for (int ky = 0; ky < ${KH}; ++ky) {`,
    `  ${ry.decl}`,
    ...(ry.outOfBounds ? [`  if (${ry.outOfBounds}) continue;`] : []),
    `  for (int kx = 0; kx < ${KW}; ++kx) {`,
    `    ${rx.decl}`,
    ...(rx.outOfBounds ? [`    if (${rx.outOfBounds}) continue;`] : []),
    `    acc += ${load.call([n, 'iy', 'ix', ic])} * dw_filter[${plus(times(plus(times('ky', KW), 'kx'), CD), 'cd')}];`,
    `  }`,
    `}`,
    ...between,
  ];
  const tileElems = P * CD;
  const lastTileShort = tiles * P > NPIX;
  const phase1 = [
    `// phase 1: the depthwise output of the tile's ${P} pixels × ${CD} channels into local memory`,
    `for (int e = lid; e < ${tileElems}; e += ${L}) {`,
    `  const int pix = ${plus('p0', CD === 1 ? 'e' : `e / ${CD}`)};`,
    `  const int cd = ${CD === 1 ? '0' : `e % ${CD}`};`,
    `  float acc = 0.0f;`,
    ...(lastTileShort ? [`  if (pix < ${NPIX}) {`, ...indent([...usedDeclarations(pix.lines, dwBody), ...dwBody], 2), `  }`] : indent([...usedDeclarations(pix.lines, dwBody), ...dwBody], 1)),
    `  tile[e] = acc;`,
    `}`,
    `barrier(CLK_LOCAL_MEM_FENCE);`,
  ];

  // Phase 2: R pixels × V channels of this lane per lane step, from the tile. The R accumulators
  // are a private array in fully unrolled loops, which compilers keep in registers (one
  // variable when R = 1).
  const a = R === 1 ? 'a' : 'a[r]';
  const laneSteps = OCB / (LO * V);
  const needsChannelGuard = chunks * OCB > CO;
  const firstPixel = PL > 1 ? plus('p0', times('pl', R)) : 'p0';
  const coords = decompose('pix', ['n', 'oy', 'ox'], [N, OH, OW]);
  const at = plus(times('pix', CO), 'oc');
  const steps = renderEpilogue(k, p, ctx, 'v', { axes: [...coords.coords, V === 1 ? 'oc' : '(oc + j)'], flat: V === 1 ? at : `${at} + j` });
  let store: string[];
  if (V === 1) store = [`float v = ${a};`, ...steps, `${y}[${at}] = v;`];
  else if (!steps.length) store = [`vstore${V}(${a}, 0, ${y} + ${at});`];
  else store = [`float c[${V}];`, `vstore${V}(${a}, 0, c);`, `#pragma unroll`, `for (int j = 0; j < ${V}; ++j) {`, `  float v = c[j];`, ...indent(steps, 1), `  ${y}[${at} + j] = v;`, `}`];
  const storeBody = [...usedDeclarations(coords.lines, store), ...store];
  const lane = PL > 1 ? 'ocl' : 'lid';
  const ocExpr = plus(chunks > 1 ? 'oc0' : '0', laneSteps > 1 ? times('s', LO * V) : '0', times(lane, V));
  // `for r < R` fully unrolled (the body alone when R = 1).
  const unrolled = (body: readonly string[]): string[] => {
    if (R === 1) return [...body];
    if (body.length === 1) return [`#pragma unroll`, `for (int r = 0; r < ${R}; ++r) ${body[0]}`];
    return [`#pragma unroll`, `for (int r = 0; r < ${R}; ++r) {`, ...indent(body, 1), `}`];
  };
  const fv = V === 1 ? 'float' : `float${V}`;
  const vload = (ptr: string, off: string) => (V === 1 ? `${ptr}[${off}]` : `vload${V}(0, ${ptr}${off === '0' ? '' : ` + ${off}`})`);
  const channelBody = [
    `const int oc = ${ocExpr};${V > 1 ? ` // output channels oc … oc+${V - 1}` : ''}`,
    ...(needsChannelGuard ? [`if (oc >= ${CO}) break; // lanes past the last channel (no barrier follows)`] : []),
    ...(R === 1 ? [`${fv} a = ${vload('pw_bias', 'oc')};`] : [`${fv} a[${R}];`, ...unrolled([`a[r] = ${vload('pw_bias', 'oc')};`])]),
    `__global const float* wp = pw_filter + oc;`,
    `for (int cd = 0; cd < ${CD}; ++cd) {`,
    `  const ${fv} w = ${vload('wp', times('cd', CO))};`,
    ...indent(unrolled([`${a} += tp[${R === 1 ? 'cd' : `r * ${CD} + cd`}] * w;`]), 1),
    `}`,
    ...unrolled([`const int pix = ${plus(firstPixel, R === 1 ? '0' : 'r')};`, ...(lastTileShort ? [`if (pix < ${NPIX}) {`, ...indent(storeBody, 1), `}`] : storeBody)]),
  ];
  const phase2 = [
    `// phase 2: ${R === 1 ? `pixel ${PL > 1 ? 'pl' : '0'}` : `pixels ${PL > 1 ? `pl*${R} … pl*${R}+${R - 1}` : `0 … ${R - 1}`}`} of the tile × output channels ${times(lane, V)}${V > 1 ? ` … +${V - 1}` : ''}${laneSteps > 1 ? ` (+ s*${LO * V})` : ''} of the chunk`,
    ...(PL > 1 ? [`const int ocl = lid % ${LO};`, `const int pl = lid / ${LO};`] : []),
    `__local const float* tp = tile${PL > 1 ? ` + ${times('pl', R * CD)}` : ''};`,
    ...(laneSteps > 1 ? [`for (int s = 0; s < ${laneSteps}; ++s) {`, ...indent(channelBody, 1), `}`] : needsChannelGuard ? [`do {`, ...indent(channelBody, 1), `} while (0);`] : channelBody),
  ];

  assertNodeIndexable(node, ctx, { ...load.indexSizes, 'tile pixels times output channels': tiles * P * CO, 'tile pixels times depthwise channels': tiles * P * CD });
  const body = [
    `// y[n,oy,ox,oc] = pw_bias[oc] + sum over cd of d[n,oy,ox,cd] * pw[cd,oc]${k.epilogue.length ? `, then ${describeSteps(k.epilogue, k, ctx)}` : ''}`,
    `// d[n,oy,ox,cd] = dw_bias[cd] + sum over ky,kx of x[n,iy,ix,cd/${M}] * dw[ky,kx,cd]${op.between.length ? `, then ${describeSteps(op.between, k, ctx)}` : ''} (never stored)`,
    `//   iy = ${ry.expr}, ix = ${rx.expr}; taps outside x add 0; pads [${dw.pads.join(',')}] (t,l,b,r)`,
    `// ${load.comment}; depthwise ${typeText(ctx, dwf)}, pointwise ${typeText(ctx, pwf)}`,
    `// tile of ${P} pixels (${P * CD * 4} bytes of local memory), ${L} work items = ${PL} pixel lane${PL > 1 ? 's' : ''} × ${LO} channel lanes, ${R} pixel${R > 1 ? 's' : ''} × ${V} channel${V > 1 ? 's' : ''} each; ${chunks} chunk${chunks > 1 ? 's' : ''} of ${OCB} output channels`,
    `__global const float* dw_filter = ${dwFilter};`,
    `__global const float* dw_bias = ${dwBias};`,
    `__global const float* pw_filter = ${pwFilter};`,
    `__global const float* pw_bias = ${pwBias};`,
    `__local float tile[${tileElems}];`,
    `const int lid = get_local_id(0);`,
    `const int p0 = ${times('get_group_id(0)', P)}; // the tile's first output pixel (flat over n, oy, ox)`,
    ...(chunks > 1 ? [`const int oc0 = ${times('get_group_id(1)', OCB)}; // the chunk's first output channel`] : []),
    ...phase1,
    ...phase2,
  ];
  const source = [...load.definition, `${p.signature(name)} {`, ...indent(body, 1), '}'].join('\n');
  return {
    name,
    nodes: [node.name],
    params: p.params,
    source,
    global: chunks > 1 ? [tiles * L, chunks] : [tiles * L],
    local: chunks > 1 ? [L, 1] : [L],
  };
}
