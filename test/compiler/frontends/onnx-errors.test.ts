/**
 * What the ONNX frontend rejects, each as one FrontendError paragraph naming the file (and the
 * node or tensor), and the file-level features it accepts: external data beside the model,
 * dynamic dimensions given by --input-shape.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FrontendError } from '../../../compiler/frontends/common.js';
import { loadOnnxModel, readOnnxModel } from '../../../compiler/frontends/onnx.js';
import { attr, ONNX_TYPE, OnnxWriter } from '../../helpers/onnx-writer.js';
import { compareWithOrt, tmp, writeModel } from './onnx-check.js';

/** A one-conv model; `edit` may add to it before the output. */
function small(opset = 13, edit?: (w: OnnxWriter, y: string) => string): OnnxWriter {
  const w = new OnnxWriter(opset);
  const x = w.input('x', [1, 3, 5, 5]);
  let y = w.node('Conv', [x, w.initializer('w', new Float32Array(2 * 3 * 9).fill(0.1), [2, 3, 3, 3])], { pads: attr.ints([1, 1, 1, 1]) }, { name: 'conv' });
  if (edit) y = edit(w, y);
  w.output(y);
  return w;
}

function rejects(file: string, ...parts: (string | RegExp)[]): string {
  let err: unknown;
  try {
    loadOnnxModel(file);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(FrontendError);
  const msg = (err as Error).message;
  expect(msg).toContain(file);
  expect(msg).not.toContain('\n');
  for (const p of parts) expect(msg).toMatch(p);
  return msg;
}

describe('ONNX files edgecl cannot read', () => {
  it('not a protobuf, truncated, empty, no graph', () => {
    const dir = join(tmp, 'bad');
    mkdirSync(dir, { recursive: true });
    const text = join(dir, 'text.onnx');
    writeFileSync(text, 'ir_version: 8\ngraph { }\n');
    rejects(text, 'is not an ONNX model');
    const bytes = small().bytes();
    const cut = join(dir, 'cut.onnx');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    rejects(cut, /truncated/);
    const empty = join(dir, 'empty.onnx');
    writeFileSync(empty, new Uint8Array(0));
    rejects(empty, 'empty');
    rejects(join(dir, 'missing.onnx'), 'cannot read');
    const noGraph = join(dir, 'nograph.onnx');
    writeFileSync(noGraph, Uint8Array.of(0x08, 0x08)); // ir_version = 8 only
    rejects(noGraph, 'no graph');
  });

  it('opsets outside 11–21 of the default domain name the opset and the range', () => {
    rejects(writeModel(small(10)), 'opset 10', '11–21');
    rejects(writeModel(small(22)), 'opset 22', '11–21');
    expect(readOnnxModel(writeModel(small(21))).opset).toBe(21);
  });

  it('ops of another domain, unsupported ops, non-constant shape inputs name the node and op', () => {
    rejects(writeModel(small(13, (w, y) => {
      w.importOpset('com.microsoft', 1);
      return w.node('FusedConv', [y], {}, { name: 'ms', domain: 'com.microsoft' });
    })), "'FusedConv'", "'com.microsoft'", "node 'ms'");
    rejects(writeModel(small(13, (w, y) => w.node('LpNormalization', [y], {}, { name: 'lp' }))), "unsupported op 'LpNormalization'", "node 'lp'", 'Supported ops: Abs, Add');
    rejects(writeModel(small(13, (w, y) => w.node('Reshape', [y, w.input('s', [4])], {}, { name: 'rs' }))), "node 'rs' (Reshape)", "input 's'", 'must be a constant');
    rejects(writeModel(small(18, (w, y) => w.node('Pad', [y, w.ints('p', [0, 0, 1, 1, 0, 0, 1, 1])], { mode: attr.s('wrap') }, { name: 'pw' }))), "node 'pw' (Pad)", "mode 'wrap'", 'opset 18');
    rejects(writeModel(small(13, (w, y) => w.node('Pow', [y, w.initializer('e', [3], [])], {}, { name: 'cube' }))), "node 'cube' (Pow)", 'exponent 3');
    rejects(writeModel(small(13, (w, y) => w.node('Conv', [w.node('Reshape', [y, w.ints('r5', [1, 2, 5, 5, 1])]), w.initializer('w5', new Float32Array(8), [1, 2, 2, 2, 1])], {}, { name: 'c3d' }))), "node 'c3d' (Conv)", '2-D');
  });

  it('unreadable data types name the tensor or input', () => {
    rejects(writeModel(small(13, (w, y) => w.node('Add', [y, w.initializer('bf', [1], [1], ONNX_TYPE.BFLOAT16 as number, 'typed')]))), "initializer 'bf'", 'BFLOAT16');
    const w = new OnnxWriter(13);
    w.input('ids', [1, 4], ONNX_TYPE.INT64);
    w.node('Identity', ['ids'], {}, { name: 'y' });
    w.output('y');
    rejects(writeModel(w), "input 'ids'", 'INT64');
  });

  it('dynamic dimensions need --input-shape', async () => {
    const w = new OnnxWriter(13);
    const x = w.input('x', ['batch', 3, 'height', 'width']);
    w.node('Relu', [x], {}, { name: 'y' });
    w.output('y');
    const file = writeModel(w);
    rejects(file, "input 'x'", '--input-shape');
    const g = loadOnnxModel(file, { inputShapes: { x: [1, 3, 6, 7] } });
    expect(g.inputs[0]!.type.shape).toEqual([1, 3, 6, 7]);
  });
});

describe('ONNX graph inputs that are initializers', () => {
  it('an initializer also listed as a graph input (IR version 3 files) is a constant', async () => {
    const w = new OnnxWriter(11, 3);
    const x = w.input('x', [1, 2, 3, 3]);
    w.input('k', [2, 1, 1]);
    w.node('Mul', [x, w.initializer('k', [0.5, -2], [2, 1, 1])], {}, { name: 'y' });
    w.output('y');
    const { graph, errors } = await compareWithOrt(w);
    expect(graph.inputs.map((i) => i.name)).toEqual(['x']);
    expect(errors['y']).toBeLessThan(1e-6);
  });
});

describe('ONNX external data', () => {
  it('weights in a file beside the model load and match onnxruntime', async () => {
    const w = new OnnxWriter(13);
    const x = w.input('x', [1, 3, 6, 6]);
    const wt = w.externalInitializer('w', Float32Array.from({ length: 4 * 3 * 9 }, (_, i) => Math.sin(i)), [4, 3, 3, 3], 'weights.bin');
    const b = w.externalInitializer('b', Float32Array.of(0.1, -0.2, 0.3, 0.4), [4], 'weights.bin');
    w.node('Conv', [x, wt, b], {}, { name: 'y' });
    w.output('y');
    const { errors } = await compareWithOrt(w);
    expect(errors['y']).toBeLessThan(1e-4);
  });

  it('a missing external file, a path out of the model folder, a symlink leading out: each named', () => {
    const make = (location: string) => {
      const w = new OnnxWriter(13);
      const x = w.input('x', [1, 1, 2, 2]);
      w.node('Add', [x, w.externalInitializer('k', [1], [1], location)], {}, { name: 'y' });
      w.output('y');
      return w;
    };
    const present = writeModel(make('weights.bin'));
    const w2 = make('gone.bin');
    w2.externalFiles.clear();
    rejects(writeModel(w2), "'gone.bin'", 'does not exist', "initializer 'k'");
    expect(() => loadOnnxModel(present)).not.toThrow();
    const up = make('../secret.bin');
    up.externalFiles.clear();
    rejects(writeModel(up), 'outside the model');
    const abs = make('/etc/passwd');
    abs.externalFiles.clear();
    rejects(writeModel(abs), 'outside the model');
    const outsideDir = join(tmp, 'outside');
    mkdirSync(outsideDir, { recursive: true });
    writeFileSync(join(outsideDir, 'w.bin'), new Uint8Array(4));
    const link = make('link.bin');
    link.externalFiles.clear();
    const file = writeModel(link);
    symlinkSync(join(outsideDir, 'w.bin'), join(file, '..', 'link.bin'));
    rejects(file, 'outside the model');
  });
});
