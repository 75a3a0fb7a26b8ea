/**
 * `make demo`: FastDepth on a camera frame made from a real photo, compiled twice in this run —
 * fused, and unfused (`--no-fusion`) — both with the camera preprocessing compiled in
 * (`--preprocess`: the artifact takes the raw u8 frame; resize to 224×224 and scaling to
 * [-1, 1] happen in the first kernel). For each it prints the kernel count, the activation
 * memory, the median latency and the max relative error against TensorFlow.js, which resizes
 * and normalizes the same frame with its own ops and runs the unfused source model. It writes
 * the network's view of the frame next to the colour-mapped depth as a PNG.
 *
 * The weights are seeded random values, so the map proves the pipeline, not trained depth. The
 * photo (512×512) is first resized on the host to a 480×640 u8 RGB frame, standing in for a
 * camera: that step only produces a frame, it is not part of the model's preprocessing.
 *
 * usage: node dist/examples/fastdepth/demo.js [photo=examples/astronaut.png] [model=examples/fastdepth/model]
 */
import { mkdirSync } from 'node:fs';
import { compareTensors } from '../../compiler/cli/compare.js';
import { activationBytes } from '../../compiler/cli/inspect.js';
import { compileModel, type CompileResult } from '../../compiler/compile.js';
import { colorizeDepth } from '../../compiler/io/colormap.js';
import { readImage, writePng } from '../../compiler/io/image.js';
import { resizeBilinear } from '../../compiler/io/resize.js';
import { loadTfjsReference } from '../../compiler/reference/tfjs-reference.js';
import { Session } from '../../runtime/index.js';
import { buildFastDepthTopology, countFastDepth } from './model.js';

const OUT_PNG = 'examples/out/fastdepth-depth.png';
const TOLERANCE = 1e-4;
const FRAME = [480, 640] as const;
/** The MobileNet-style [-1, 1] input: x · 2/255 − 1 (2/255 = 0.00784313725490196). */
const PREPROCESS = `frame=${FRAME[0]}x${FRAME[1]}x3,resize=bilinear,scale=0.00784313725490196,offset=-1`;
/** Timed runs per artifact after one warm-up run; the median is reported. */
const RUNS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** The network's view of the frame (RGB, 0..255) on the left, the colour-mapped depth on the right. */
function sideBySide(view: Float32Array, depthRgb: Uint8Array, h: number, w: number) {
  const data = new Uint8Array(h * w * 2 * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        data[(y * 2 * w + x) * 3 + c] = Math.round(Math.min(255, Math.max(0, view[(y * w + x) * 3 + c]!)));
        data[(y * 2 * w + w + x) * 3 + c] = depthRgb[(y * w + x) * 3 + c]!;
      }
    }
  }
  return { height: h, width: 2 * w, data };
}

interface Measured {
  readonly label: string;
  readonly compiled: CompileResult;
  readonly compileMs: number;
  readonly ms: number;
  readonly depth: Float32Array;
  readonly device: string;
}

function compileAndRun(label: string, modelDir: string, output: string, fusion: boolean, frame: Uint8Array): Measured {
  const t0 = performance.now();
  const compiled = compileModel(modelDir, { output, preprocess: PREPROCESS, fusion });
  const compileMs = performance.now() - t0;
  const session = Session.open(compiled.dir);
  try {
    const inputName = session.inputs[0]!.name;
    const outputName = session.outputs[0]!.name;
    session.run({ [inputName]: frame }); // first run: driver warm-up
    const times: number[] = [];
    let depth: Float32Array | undefined;
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      const out = session.run({ [inputName]: frame });
      times.push(performance.now() - t);
      depth = out[outputName]!.data as Float32Array;
    }
    return { label, compiled, compileMs, ms: median(times), depth: depth!, device: session.device.name };
  } finally {
    session.dispose();
  }
}

async function main() {
  const photoPath = process.argv[2] ?? 'examples/astronaut.png';
  const modelDir = process.argv[3] ?? 'examples/fastdepth/model';

  // The stand-in camera: the photo stretched to a 480×640 u8 RGB frame.
  const photo = readImage(photoPath);
  const frame = Uint8Array.from(resizeBilinear(photo, FRAME[0], FRAME[1]), (v) => Math.round(Math.min(255, Math.max(0, v))));

  const fused = compileAndRun('fused', modelDir, 'kernels-out/fastdepth', true, frame);
  const unfused = compileAndRun('unfused', modelDir, 'kernels-out/fastdepth-unfused', false, frame);
  const pre = fused.compiled.preprocess!;
  const outputName = fused.compiled.files.plan.outputs[0]!.name;
  const [h, w] = pre.size;

  // TF.js: the same frame, resized and normalized by its own ops, into the unfused source model.
  const tfjsMs: number[] = [];
  let reference: Float32Array | undefined;
  const tfjs = await loadTfjsReference(modelDir, { preprocess: pre });
  try {
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const ref = await tfjs.run({ [pre.input]: { shape: [1, ...pre.frame], data: frame } });
      if (i > 0) tfjsMs.push(performance.now() - t0); // the first run warms TF.js up
      reference = ref[outputName]!.data;
    }
  } finally {
    tfjs.dispose();
  }

  mkdirSync('examples/out', { recursive: true });
  const view = resizeBilinear({ height: FRAME[0], width: FRAME[1], channels: 3, data: frame }, h, w);
  writePng(OUT_PNG, sideBySide(view, colorizeDepth(fused.depth, h, w), h, w));

  const cost = countFastDepth(buildFastDepthTopology());
  console.log(`FastDepth on ${photoPath} as a ${FRAME[0]}x${FRAME[1]} u8 RGB camera frame, on ${fused.device}`);
  console.log(`  network: ${cost.macs} MAC (${(cost.macs / 1e9).toFixed(2)} GMAC), ${cost.params} parameters (+${cost.nonTrainableParams} batch-norm moving statistics)`);
  console.log(`  --preprocess ${PREPROCESS} (resize to ${h}x${w} and scaling inside the first kernel)`);
  let ok = true;
  for (const m of [fused, unfused]) {
    const plan = m.compiled.files.plan;
    const cmp = compareTensors(m.depth, reference!, TOLERANCE);
    ok &&= cmp.ok;
    console.log(
      `  ${m.label.padEnd(7)}  ${String(plan.kernels.length).padStart(3)} kernels, activation memory ${(activationBytes(plan) / 1e6).toFixed(2)} MB, ` +
        `latency ${m.ms.toFixed(1)} ms (median of ${RUNS}), max relative error vs TensorFlow.js ${cmp.maxRel.toExponential(2)} ${cmp.ok ? 'ok' : `ABOVE ${TOLERANCE}`} ` +
        `(compiled in ${m.compileMs.toFixed(0)} ms → ${m.compiled.dir})`,
    );
  }
  const ratio = unfused.ms / fused.ms;
  console.log(
    `  fusion: ${unfused.compiled.files.plan.kernels.length - fused.compiled.files.plan.kernels.length} fewer launches, ` +
      `${ratio >= 1 ? `${ratio.toFixed(2)}x faster` : `${(1 / ratio).toFixed(2)}x slower`} on this device (unfused / fused latency ${ratio.toFixed(2)})`,
  );
  console.log(`  TensorFlow.js CPU (preprocessing + unfused model): ${median(tfjsMs).toFixed(1)} ms, ${(median(tfjsMs) / fused.ms).toFixed(1)}x the fused edgecl latency (median of ${tfjsMs.length}, model loaded beforehand)`);
  console.log(`  network input and depth map written to ${OUT_PNG}`);
  if (!ok) process.exitCode = 1;
}

main().catch((e) => {
  console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
