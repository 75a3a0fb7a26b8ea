/**
 * `make demo`: runs the compiled FastDepth artifact on a real photo, writes the depth map as a
 * colour-mapped PNG, and prints edgecl's latency next to TensorFlow.js (CPU backend) on the same
 * input in the same process, with the max relative error between the two.
 *
 * The weights are seeded random values, so the map proves the pipeline, not trained depth.
 * Preprocessing (bilinear resize to 224×224, scale to [-1, 1]) runs on the host here.
 *
 * usage: node dist/examples/fastdepth/demo.js [artifact=kernels-out/fastdepth] [photo=examples/astronaut.png]
 *        [model=examples/fastdepth/model]
 */
import { mkdirSync } from 'node:fs';
import { Session } from '../../runtime/index.js';
import { compareTensors } from '../../compiler/cli/compare.js';
import { colorizeDepth } from '../../compiler/io/colormap.js';
import { readImage, writePng } from '../../compiler/io/image.js';
import { normalize, resizeBilinear } from '../../compiler/io/resize.js';
import { runTfjsReference } from '../../compiler/reference/tfjs-reference.js';

const OUT_PNG = 'examples/out/fastdepth-depth.png';
const TOLERANCE = 1e-4;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** The network's input (as a photo) on the left, the colour-mapped depth on the right. */
function sideBySide(photo: Float32Array, depthRgb: Uint8Array, h: number, w: number) {
  const data = new Uint8Array(h * w * 2 * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        data[(y * 2 * w + x) * 3 + c] = Math.round(photo[(y * w + x) * 3 + c]!);
        data[(y * 2 * w + w + x) * 3 + c] = depthRgb[(y * w + x) * 3 + c]!;
      }
    }
  }
  return { height: h, width: 2 * w, data };
}

async function main() {
  const artifact = process.argv[2] ?? 'kernels-out/fastdepth';
  const photoPath = process.argv[3] ?? 'examples/astronaut.png';
  const modelDir = process.argv[4] ?? 'examples/fastdepth/model';

  const photo = readImage(photoPath);
  // TF 1.x resize_bilinear semantics (asymmetric coordinates), then x·2/255 − 1.
  const resized = resizeBilinear(photo, 224, 224, { alignCorners: false, halfPixelCenters: false });
  const input = normalize(resized, 2 / 255, -1);
  const shape = [1, 224, 224, 3];

  const session = Session.open(artifact);
  const inputName = session.inputs[0]!.name;
  const outputName = session.outputs[0]!.name;
  let depth: Float32Array;
  const edgeclMs: number[] = [];
  try {
    session.run({ [inputName]: input }); // first run: driver warm-up
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const out = session.run({ [inputName]: input });
      edgeclMs.push(performance.now() - t0);
      depth = out[outputName]!.data as Float32Array;
    }
  } finally {
    session.dispose();
  }

  const tfjsMs: number[] = [];
  let reference: Float32Array | undefined;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const ref = await runTfjsReference(modelDir, { [inputName]: { shape, data: input } });
    if (i > 0) tfjsMs.push(performance.now() - t0); // the first run includes loading the model
    reference = ref[outputName]!.data;
  }

  const cmp = compareTensors(depth!, reference!, TOLERANCE);
  mkdirSync('examples/out', { recursive: true });
  writePng(OUT_PNG, sideBySide(resized, colorizeDepth(depth!, 224, 224), 224, 224));

  const e = median(edgeclMs);
  const t = median(tfjsMs);
  console.log(`FastDepth on ${photoPath} (${photo.height}x${photo.width} → 224x224), ${session.plan.kernels.length} kernels on ${session.device.name}`);
  console.log(`  latency: edgecl ${e.toFixed(1)} ms (median of ${edgeclMs.length}), TensorFlow.js CPU ${t.toFixed(1)} ms (median of ${tfjsMs.length}, incl. model load), ratio ${(t / e).toFixed(2)}x`);
  console.log(`  max relative error vs TensorFlow.js: ${cmp.maxRel.toExponential(2)} (max abs ${cmp.maxAbs.toExponential(2)}) — ${cmp.ok ? 'ok' : `ABOVE ${TOLERANCE}`}`);
  console.log(`  input and depth map written to ${OUT_PNG}`);
  if (!cmp.ok) process.exitCode = 1;
}

main().catch((e) => {
  console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
