/**
 * Weight-manifest paths are confined to the model's folder: a model file cannot make edgecl read
 * a file elsewhere (absolute paths, `..`, URI-encoded `..`, symlinks leading out). Each hostile
 * model here points at a shard that exists and has the right size, so only the confinement
 * check can refuse it.
 */
import { copyFileSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../compiler/frontends/index.js';
import { ensureCpuBackend } from '../../compiler/reference/tfjs-reference.js';
import { seededData, tempDir } from '../helpers/model-files.js';
import { attr, TfjsGraphWriter } from '../helpers/tfjs-graph-writer.js';

let root: ReturnType<typeof tempDir>;
beforeAll(async () => {
  root = tempDir('edgecl-shard-paths-');
  await ensureCpuBackend();
});
afterAll(() => root.cleanup());

const SHARD = 'group1-shard1of1.bin';

/** A one-conv graph model in `root/name/model/`, its shard moved to `where` (relative to root/name) and listed as `path`. */
function model(name: string, path: string, where = `model/${SHARD}`, link = false): string {
  const base = join(root.dir, name);
  const dir = join(base, 'model');
  const g = new TfjsGraphWriter();
  const x = g.placeholder('x', [1, 4, 4, 2]);
  const w = g.const('w', seededData(2 * 2 * 2 * 3, 9), [2, 2, 2, 3]);
  g.op('Conv2D', 'conv', [x, w], { T: attr.type('DT_FLOAT'), strides: attr.ints([1, 1, 1, 1]), padding: attr.s('SAME'), data_format: attr.s('NHWC'), dilations: attr.ints([1, 1, 1, 1]) });
  const file = g.write(dir);
  const target = join(base, where);
  mkdirSync(join(target, '..'), { recursive: true });
  if (link || target !== join(dir, SHARD)) {
    if (link) {
      // The real shard lives outside; the folder holds a symlink to it under the listed name.
      renameSync(join(dir, SHARD), join(base, 'outside.bin'));
      symlinkSync(join(base, 'outside.bin'), target);
    } else {
      renameSync(join(dir, SHARD), target);
    }
  }
  const json = JSON.parse(readFileSync(file, 'utf8')) as { weightsManifest: { paths: string[] }[] };
  json.weightsManifest[0]!.paths = [path.replace('<base>', base)];
  writeFileSync(file, JSON.stringify(json));
  return file;
}

describe('weight shard paths stay inside the model folder', () => {
  it('accepts a plain name, a sub-folder and a symlink that stays inside', () => {
    expect(loadModel(model('plain', SHARD)).nodes.length).toBeGreaterThan(0);
    expect(loadModel(model('sub', `weights/${SHARD}`, `model/weights/${SHARD}`)).nodes.length).toBeGreaterThan(0);
    const f = model('inner-link', 'alias.bin');
    symlinkSync(join(root.dir, 'inner-link/model', SHARD), join(root.dir, 'inner-link/model/alias.bin'));
    expect(loadModel(f).nodes.length).toBeGreaterThan(0);
  });

  const refusals: [string, () => string, RegExp][] = [
    ['an absolute path', () => model('abs', `<base>/elsewhere/${SHARD}`, `elsewhere/${SHARD}`), /leaves the model's folder/],
    ['a .. component', () => model('dotdot', `../elsewhere/${SHARD}`, `elsewhere/${SHARD}`), /leaves the model's folder/],
    ['a .. hidden inside the path', () => model('dotdot-mid', `sub/../../elsewhere/${SHARD}`, `elsewhere/${SHARD}`), /leaves the model's folder/],
    ['a URI-encoded ..', () => model('encoded', `%2e%2e/elsewhere/${SHARD}`, `elsewhere/${SHARD}`), /leaves the model's folder/],
    ['a symlink whose target is outside', () => model('link', SHARD, `model/${SHARD}`, true), /is a link to .*outside\.bin, outside the model's folder/],
  ];
  for (const [what, make, message] of refusals) {
    it(`refuses ${what}, naming the model file and the path`, () => {
      const file = make();
      let err: unknown;
      try {
        loadModel(file);
      } catch (e) {
        err = e;
      }
      expect((err as { isUserError?: boolean } | undefined)?.isUserError).toBe(true);
      const msg = (err as Error).message;
      expect(msg).toMatch(message);
      expect(msg).toContain(file);
      expect(msg).toContain(JSON.parse(readFileSync(file, 'utf8')).weightsManifest[0].paths[0]);
    });
  }

  it('the shard the hostile paths point at is valid (so only the confinement refuses them)', () => {
    // Copy the outside shard back in under its listed name: the same model then loads.
    const file = model('control', `../elsewhere/${SHARD}`, `elsewhere/${SHARD}`);
    copyFileSync(join(root.dir, 'control/elsewhere', SHARD), join(root.dir, 'control/model', SHARD));
    const json = JSON.parse(readFileSync(file, 'utf8')) as { weightsManifest: { paths: string[] }[] };
    json.weightsManifest[0]!.paths = [SHARD];
    writeFileSync(file, JSON.stringify(json));
    expect(loadModel(file).nodes.length).toBeGreaterThan(0);
  });
});
