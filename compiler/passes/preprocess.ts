/**
 * Camera preprocessing (`--preprocess`, issue 3 rule 3, front half). Algorithm: bind the spec to
 * the graph (compiler/preprocess/spec.ts checks the input is an f32 `[1,h,w,3]` image); retype
 * that graph input as the `u8 [1,H,W,3]` frame, keeping its name so callers feed the artifact
 * by the same name; put first in the node list a `fused` identity node whose load is the camera
 * load (resize, BGR→RGB, x·scale + offset) and whose output is the f32 image; point every
 * former reader of the input at that node. The node computes exactly what the model's input
 * used to hold, so the rest of the graph is unchanged. It runs before every other pass; the
 * load-fusion pass then moves the camera load into the first conv's input loads, so the first
 * kernel reads the frame and no resized tensor exists. Without fusion the node stays and is a
 * kernel of its own.
 */
import type { Graph, Node } from '../../ir/index.js';
import { cameraLoad, formatPreprocessSpec, resolvePreprocess, type PreprocessSpec } from '../preprocess/spec.js';
import type { Pass } from './manager.js';

/** A name no value of `g` uses, derived from `base`. */
function freshName(g: Graph, base: string): string {
  const taken = new Set([...g.inputs.map((i) => i.name), ...g.constants.keys(), ...g.nodes.map((n) => n.name)]);
  if (!taken.has(base)) return base;
  for (let i = 1; ; i++) if (!taken.has(`${base}_${i}`)) return `${base}_${i}`;
}

export function preprocessPass(spec: PreprocessSpec): Pass {
  return {
    name: 'preprocess',
    run(g: Graph): Graph {
      const pre = resolvePreprocess(spec, g);
      const image = g.inputs.find((i) => i.name === pre.input)!;
      const node: Node = {
        name: freshName(g, `${pre.input}_camera`),
        op: { op: 'fused', main: { op: 'identity' }, mainArity: 1, load: cameraLoad(pre), loadSteps: [], epilogue: [] },
        inputs: [pre.input],
        type: image.type,
        origin: `--preprocess ${formatPreprocessSpec(pre)}`,
      };
      const rewire = (n: Node): Node => (n.inputs.includes(pre.input) ? { ...n, inputs: n.inputs.map((i) => (i === pre.input ? node.name : i)) } : n);
      return {
        ...g,
        inputs: g.inputs.map((i) => (i.name === pre.input ? { name: i.name, type: { dtype: 'u8', shape: [1, ...pre.frame] } } : i)),
        nodes: [node, ...g.nodes.map(rewire)],
      };
    },
  };
}
