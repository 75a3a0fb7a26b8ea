/**
 * `--preprocess SPEC` parsing: defaults, the two normalization forms, the canonical text that
 * plan.json records (it must parse back to the same spec), binding to a graph, and one
 * `UserError` per mistake naming the key and showing the expected form.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatPreprocessSpec, parsePreprocessSpec, resolvePreprocess, type PreprocessSpec } from '../../../compiler/preprocess/spec.js';
import { GraphBuilder, UserError } from '../../../ir/index.js';

function userError(text: string): UserError {
  try {
    parsePreprocessSpec(text);
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return e as UserError;
  }
  throw new Error(`'${text}' parsed, but should not`);
}

describe('parsePreprocessSpec', () => {
  it('reads the DESIGN.md example with the documented defaults', () => {
    const s = parsePreprocessSpec('frame=480x640x3,resize=bilinear,scale=0.00784313725490196,offset=-1');
    expect(s).toEqual({
      frame: [480, 640, 3],
      order: 'rgb',
      resize: 'bilinear',
      coords: 'asymmetric',
      scale: [0.00784313725490196, 0.00784313725490196, 0.00784313725490196],
      offset: [-1, -1, -1],
    });
    expect(s.input).toBeUndefined();
  });

  it('turns mean/std into scale = 1/std, offset = −mean/std, per channel', () => {
    const s = parsePreprocessSpec('frame=7x5x3,mean=123.68/116.78/103.94,std=58.4/57.12/57.38,order=bgr,input=img,coords=half_pixel,resize=nearest');
    expect(s.input).toBe('img');
    expect(s.order).toBe('bgr');
    expect(s.resize).toBe('nearest');
    expect(s.coords).toBe('half_pixel');
    const mean = [123.68, 116.78, 103.94];
    const std = [58.4, 57.12, 57.38];
    for (let c = 0; c < 3; c++) {
      // The affine form computes exactly what (x − mean) / std does, for any x.
      for (const x of [0, 17, 255]) expect(x * s.scale[c]! + s.offset[c]!).toBeCloseTo((x - mean[c]!) / std[c]!, 12);
    }
    expect(parsePreprocessSpec('frame=1x1x3,mean=127.5').scale).toEqual([1, 1, 1]);
    expect(parsePreprocessSpec('frame=1x1x3,std=2').offset).toEqual([0, 0, 0]);
    expect(parsePreprocessSpec('frame=1x1x3,offset=3')).toMatchObject({ scale: [1, 1, 1], offset: [3, 3, 3] });
    expect(parsePreprocessSpec(' frame = 2x3x3 , scale=1e-2/2E-2/.5 ').scale).toEqual([0.01, 0.02, 0.5]);
  });

  it('formats a canonical text that parses back to the same spec (random specs)', () => {
    const num = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }).map((x) => x + 0); // no −0: the text form has none
    const nonZero = num.filter((x) => x !== 0);
    const triple = (a: fc.Arbitrary<number>) => fc.oneof(a.map((x) => [x, x, x] as const), fc.tuple(a, a, a));
    const spec = fc.record({
      input: fc.option(fc.constantFrom('x', 'image', 'serving_default_input:0', 'a/b'), { nil: undefined }),
      frame: fc.tuple(fc.integer({ min: 1, max: 4000 }), fc.integer({ min: 1, max: 4000 }), fc.constant(3)),
      order: fc.constantFrom('rgb' as const, 'bgr' as const),
      resize: fc.constantFrom('bilinear' as const, 'nearest' as const),
      coords: fc.constantFrom('asymmetric' as const, 'align_corners' as const, 'half_pixel' as const),
      scale: triple(nonZero),
      offset: triple(num),
    });
    fc.assert(
      fc.property(spec, (s) => {
        const clean: PreprocessSpec = s.input === undefined ? (({ input: _, ...rest }) => rest)(s) : s;
        const text = formatPreprocessSpec(clean);
        expect(parsePreprocessSpec(text)).toEqual(clean);
        expect(formatPreprocessSpec(parsePreprocessSpec(text))).toBe(text);
      }),
      { seed: 20240603, numRuns: 300 },
    );
  });

  const bad: [string, RegExp[]][] = [
    ['', [/empty/, /frame=HxWx3/]],
    ['scale=2', [/frame is missing/, /frame=HxWx3/]],
    ['frame=480x640', [/frame '480x640'/, /frame=HxWx3/]],
    ['frame=480x640x1', [/frame '480x640x1'/, /3 channels/]],
    ['frame=0x640x3', [/frame '0x640x3'/]],
    ['frame=480x640x3,order=rbg', [/order 'rbg'/, /order=rgb or order=bgr/]],
    ['frame=480x640x3,resize=bicubic', [/resize 'bicubic'/, /resize=bilinear or resize=nearest/]],
    ['frame=480x640x3,coords=half_pixel_centers', [/coords 'half_pixel_centers'/, /align_corners/]],
    ['frame=480x640x3,scale=0x10', [/scale '0x10'/, /scale=S or scale=S1\/S2\/S3/]],
    ['frame=480x640x3,scale=Infinity', [/scale 'Infinity'/]],
    ['frame=480x640x3,offset=1/2', [/offset '1\/2'/, /2 values given/]],
    ['frame=480x640x3,std=1/0/1', [/std '1\/0\/1'/, /divides by zero/]],
    ['frame=480x640x3,mean=1,scale=2', [/one/, /mean=M/, /scale=S/]],
    ['frame=480x640x3,sclae=2', [/unknown key 'sclae'/, /input, frame, order/]],
    ['frame=480x640x3,frame=1x1x3', [/'frame' is given twice/]],
    ['frame=480x640x3,,scale=1', [/empty item/]],
    ['frame=480x640x3,scale', [/'scale' is not key=value/]],
    ['frame=480x640x3,scale=', [/scale has no value/, /scale=S/]],
  ];
  it.each(bad)('rejects %j in one paragraph naming the key and its form', (text, patterns) => {
    const e = userError(text);
    expect(e.message).toContain(`--preprocess '${text}'`);
    expect(e.message).toMatch(/Example: --preprocess frame=480x640x3,/);
    expect(e.message).not.toMatch(/\n/);
    for (const p of patterns) expect(e.message).toMatch(p);
  });
});

describe('resolvePreprocess', () => {
  const image = (name: string, shape: number[], dtype: 'f32' | 'i32' = 'f32') => {
    const b = new GraphBuilder('g');
    b.input(name, dtype, shape);
    b.node('y', { op: 'identity' }, [name]);
    return b;
  };

  it('names the only input and takes the model size as the resize target', () => {
    const g = image('photo', [1, 9, 11, 3]).build(['y']);
    const r = resolvePreprocess(parsePreprocessSpec('frame=20x30x3'), g);
    expect(r.input).toBe('photo');
    expect(r.size).toEqual([9, 11]);
    expect(formatPreprocessSpec(r)).toBe('input=photo,frame=20x30x3,order=rgb,resize=bilinear,coords=asymmetric,scale=1,offset=0');
  });

  it('rejects inputs that are not f32 [1,h,w,3] images, unknown names, ambiguity and input-as-output', () => {
    const err = (g: ReturnType<GraphBuilder['build']>, spec: string, ...patterns: RegExp[]) => {
      expect(() => resolvePreprocess(parsePreprocessSpec(spec), g)).toThrowError(UserError);
      try {
        resolvePreprocess(parsePreprocessSpec(spec), g);
      } catch (e) {
        for (const p of patterns) expect((e as Error).message).toMatch(p);
      }
    };
    err(image('x', [1, 9, 11, 1]).build(['y']), 'frame=4x4x3', /input 'x' is f32\[1,9,11,1\]/, /f32\[1,H,W,3\]/);
    err(image('x', [2, 9, 11, 3]).build(['y']), 'frame=4x4x3', /input 'x' is f32\[2,9,11,3\]/, /--input-shape x=1,H,W,3/);
    err(image('x', [1, 9, 3]).build(['y']), 'frame=4x4x3', /input 'x' is f32\[1,9,3\]/);
    err(image('x', [1, 9, 9, 3], 'i32').build(['y']), 'frame=4x4x3', /i32/);
    err(image('x', [1, 9, 9, 3]).build(['y']), 'frame=4x4x3,input=z', /no input 'z'/, /'x'/);
    err(image('x', [1, 9, 9, 3]).build(['y', 'x']), 'frame=4x4x3', /also a graph output/);
    const two = image('x', [1, 9, 9, 3]);
    two.input('z', 'f32', [1, 4, 4, 3]);
    err(two.build(['y']), 'frame=4x4x3', /2 inputs \('x', 'z'\)/, /input=NAME/);
    expect(resolvePreprocess(parsePreprocessSpec('frame=4x4x3,input=z'), two.build(['y'])).size).toEqual([4, 4]);
  });
});
