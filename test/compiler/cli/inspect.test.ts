/**
 * `edgecl inspect`: the kernel count line agrees with what `compile` produces (with and without
 * fusion), kernels are listed in launch order with the IR nodes each computes, fused nodes show
 * their parts with step operands by name, artifact folders are read from plan.json and model.cl,
 * and `--html` writes one self-contained page in which every piece of text is escaped.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFused, renderInspectHtml, renderInspectText, type InspectReport } from '../../../compiler/cli/inspect.js';
import { compileToFiles } from '../../../compiler/compile.js';
import type { Node } from '../../../ir/index.js';
import { seededData, tempDir } from '../../helpers/model-files.js';
import { attr, TfjsGraphWriter } from '../../helpers/tfjs-graph-writer.js';

const BIN = resolve('bin/edgecl.js');
const work = tempDir('edgecl-inspect-');
afterAll(() => work.cleanup());

function edgecl(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: work.dir, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A graph model whose node names hold HTML's special characters (TF allows '>' in names; the frontend keeps names as given). */
const modelDir = join(work.dir, 'model');
beforeAll(() => {
  const g = new TfjsGraphWriter();
  const x = g.placeholder('image', [-1, 9, 7, 3]);
  const w = g.const('w', seededData(3 * 3 * 3 * 5, 1), [3, 3, 3, 5]);
  const b = g.const('b', seededData(5, 2), [5]);
  const conv = g.op('Conv2D', 'blk<1>/conv&"x"', [x, w], { T: attr.type(), strides: attr.ints([1, 2, 2, 1]), padding: attr.s('SAME'), data_format: attr.s('NHWC'), dilations: attr.ints([1, 1, 1, 1]) });
  const biased = g.op('BiasAdd', 'blk<1>/bias', [conv, b], { T: attr.type(), data_format: attr.s('NHWC') });
  const act = g.op('Relu6', 'blk<1>/relu6', [biased], { T: attr.type() });
  const axes = g.ints('axes', [1, 2]);
  g.op('Mean', 'pooled', [act, axes], { T: attr.type(), keep_dims: attr.b(false) });
  g.write(modelDir);
});

describe('inspect report rendering', () => {
  const report: InspectReport = {
    title: 'edgecl inspect <script>alert("x")</script>',
    summary: ['kernel count: 1 with fusion, 2 without fusion', "a & b < c > d 'e'"],
    graphs: [{ title: 'IR <graph>', text: 'graph g {\n  %a<b> = relu (%x) : f32[1]\n}\n' }],
    kernels: [{ name: 'k0_a_b_', global: [7], local: null, nodes: [{ name: 'a<b>', line: '%a<b> = relu (%x) : f32[1]', origin: "Relu 'a<b>'", parts: ['epilogue  add(v, %<skip>)'] }] }],
  };

  it('escapes every piece of text in the HTML page, and the page needs nothing outside itself', () => {
    const html = renderInspectHtml(report);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('a &amp; b &lt; c &gt; d &#39;e&#39;');
    expect(html).toContain('%a&lt;b&gt; = relu');
    expect(html).toContain('add(v, %&lt;skip&gt;)');
    expect(html).toContain('origin: Relu &#39;a&lt;b&gt;&#39;');
    // Only the page's own tags remain: no text-borne '<' survives.
    const tags = new Set([...html.matchAll(/<\/?([a-zA-Z0-9!]+)/g)].map((m) => m[1]!.toLowerCase()));
    expect([...tags].sort()).toEqual(['!doctype', 'body', 'br', 'code', 'details', 'div', 'h1', 'h2', 'head', 'html', 'li', 'meta', 'pre', 'style', 'summary', 'table', 'tbody', 'td', 'th', 'thead', 'title', 'tr', 'ul']);
    expect(html).not.toMatch(/\b(src|href)=|<script|<link|@import|url\(/i);
  });

  it('prints the same facts as text', () => {
    const text = renderInspectText(report);
    expect(text).toContain('kernel count: 1 with fusion, 2 without fusion');
    expect(text).toContain('== IR <graph> ==');
    expect(text).toMatch(/#0 k0_a_b_ {2}global \[7\] {2}local driver\n {4}%a<b> = relu/);
    expect(text).toContain("origin    Relu 'a<b>'");
  });

  it('describes a fused node by its parts, naming step operands', () => {
    const node: Node = {
      name: 'c',
      op: {
        op: 'fused',
        main: { op: 'conv2d', strides: [2, 2], dilations: [1, 1], pads: [0, 0, 1, 1], groups: 1 },
        mainArity: 3,
        load: { kind: 'camera', order: 'bgr', mode: 'bilinear', coords: 'half_pixel', size: [224, 224], scale: [0.5, 0.5, 0.5], offset: [-1, -1, -1] },
        loadSteps: [{ kind: 'unary', fn: { kind: 'leakyRelu', alpha: 0.2 } }],
        epilogue: [
          { kind: 'binary', fn: 'add', operand: 3, operandFirst: false },
          { kind: 'clamp', min: 0, max: 6 },
          { kind: 'binary', fn: 'sub', operand: 4, operandFirst: true },
        ],
      },
      inputs: ['frame', 'w', 'b', 'skip', 'k'],
      type: { dtype: 'f32', shape: [1, 112, 112, 5] },
    };
    expect(describeFused(node)).toEqual([
      'main      conv2d strides=[2,2] dilations=[1,1] pads=[0,0,1,1] groups=1 (with %w, %b)',
      'load      u8 camera frame %frame (BGR): bilinear half_pixel resize → 224x224, then x·[0.5, 0.5, 0.5] + [-1, -1, -1]',
      'loadSteps leakyRelu(alpha=0.2)',
      'epilogue  add(v, %skip) → clamp(0, 6) → sub(%k, v)',
    ]);
    expect(describeFused({ ...node, op: { op: 'identity' } })).toEqual([]);
  });
});

describe('edgecl inspect', () => {
  it('a model: graphs before and after the passes, kernels in launch order, a correct kernel count, and an escaped HTML page', () => {
    const fused = compileToFiles(modelDir).files.plan;
    const unfused = compileToFiles(modelDir, { fusion: false }).files.plan;
    const page = join(work.dir, 'out', 'inspect.html');
    const r = edgecl('inspect', modelDir, '--html', page);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`kernel count: ${fused.kernels.length} with fusion, ${unfused.kernels.length} without fusion`);
    expect(r.stdout).toContain('== IR graph after import');
    expect(r.stdout).toContain('== IR graph after the passes');
    expect(r.stdout).toContain(`== kernels in launch order (${fused.kernels.length}) ==`);
    // Every kernel, in launch order, followed by the nodes it computes.
    let at = 0;
    fused.kernels.forEach((k, i) => {
      at = r.stdout.indexOf(`#${i} ${k.name} `, at);
      expect(at, k.name).toBeGreaterThan(0);
      for (const n of k.nodes) expect(r.stdout.indexOf(`%${n} = `, at)).toBeGreaterThan(at);
    });
    expect(r.stdout).toContain(`wrote ${page}`);
    const html = readFileSync(page, 'utf8');
    expect(html).toContain(`kernel count: ${fused.kernels.length} with fusion`);
    expect(html).toContain('blk&lt;1&gt;/conv&amp;&quot;x&quot;');
    expect(html).not.toContain('blk<1>');
  });

  it('an artifact folder: kernels and their nodes from plan.json and model.cl', () => {
    const art = join(work.dir, 'artifact');
    const c = edgecl('compile', modelDir, '-o', art);
    expect(c.status, c.stderr).toBe(0);
    const plan = JSON.parse(readFileSync(join(art, 'plan.json'), 'utf8')) as { kernels: { name: string; nodes: string[] }[] };
    const r = edgecl('inspect', art);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`kernel count: ${plan.kernels.length}\n`);
    expect(r.stdout).toContain('input  image: f32[1,9,7,3]');
    plan.kernels.forEach((k, i) => {
      expect(r.stdout).toContain(`#${i} ${k.name} `);
      for (const n of k.nodes) expect(r.stdout).toMatch(new RegExp(`\\n {4}%${n.replace(/[^A-Za-z0-9]/g, '\\$&')} = \\S`));
    });
  });

  it('bad options are one-paragraph user errors', () => {
    const r = edgecl('inspect', modelDir, '--preprocess', 'frame=4x4x3,order=rgbx');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: --preprocess 'frame=4x4x3,order=rgbx': order 'rgbx' is not valid; expected order=rgb or order=bgr/);
    const m = edgecl('inspect', join(work.dir, 'nothing-here'));
    expect(m.status).toBe(1);
    expect(m.stderr).toMatch(/^error: /);
  });
});
