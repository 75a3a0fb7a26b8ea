/**
 * Python Keras's meaning for layers where tfjs-layers computes something else, for the TF.js
 * reference of Keras `.h5` / `.keras` files (they were written by Python Keras, so Python Keras
 * defines what they compute).
 *
 * - UpSampling2D, interpolation 'bilinear': Python Keras resizes with `tf.image.resize`
 *   (half-pixel centers); tfjs-layers calls `resizeBilinear` with TF 1.x's asymmetric
 *   coordinates. Such layers are renamed to the class registered here, which resizes with
 *   half-pixel centers. Nearest up-sampling by an integer factor agrees under both conventions.
 *
 * `pythonKerasTopology` returns a changed copy of the layers-model json (model.json form); the
 * layer names, and so the reference's outputs and captured values, stay the same.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** The class name the copy gives bilinear UpSampling2D layers. */
export const PYTHON_BILINEAR_UPSAMPLING = 'EdgeclPythonKerasUpSampling2D';

/** The layer's config as tfjs-layers passes it (camel-cased keys: size, name, batchInputShape, …). */
type UpSamplingArgs = ConstructorParameters<typeof tfl.layers.Layer>[0] & { size?: number | [number, number] };

/** UpSampling2D as Python Keras computes it (bilinear, half-pixel centers), channels_last. */
class PythonKerasUpSampling2D extends tfl.layers.Layer {
  static className = PYTHON_BILINEAR_UPSAMPLING;
  private readonly size: [number, number];

  constructor(args: UpSamplingArgs) {
    super(args);
    const s = args.size ?? [2, 2];
    this.size = typeof s === 'number' ? [s, s] : [s[0], s[1]];
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const mul = (d: number | null, k: number) => (d === null ? null : d * k);
    return [s[0]!, mul(s[1]!, this.size[0]), mul(s[2]!, this.size[1]), s[3]!];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const [, h, w] = x.shape;
      return tf.image.resizeBilinear(x, [h * this.size[0], w * this.size[1]], false, true);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), size: this.size, interpolation: 'bilinear', data_format: 'channels_last' };
  }
}

let registered = false;

/** Registers the layer classes the adjusted topology names (once). */
export function registerPythonKerasLayers(): void {
  if (registered) return;
  tf.serialization.registerClass(PythonKerasUpSampling2D);
  registered = true;
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * A copy of the layers-model json (`{modelTopology, …}`) in which layers that tfjs-layers would
 * compute differently from Python Keras use the classes registered here (registering them).
 */
export function pythonKerasTopology(json: Readonly<Record<string, unknown>>): Record<string, unknown> {
  registerPythonKerasLayers();
  const copy = structuredClone(json) as Record<string, unknown>;
  const topo = copy['modelTopology'];
  if (!isObj(topo)) return copy;
  const model = isObj(topo['model_config']) ? topo['model_config'] : topo;
  const config = model['config'];
  const layers = Array.isArray(config) ? config : isObj(config) ? config['layers'] : undefined;
  if (!Array.isArray(layers)) return copy;
  for (const l of layers) {
    if (!isObj(l) || l['class_name'] !== 'UpSampling2D' || !isObj(l['config'])) continue;
    const c = l['config'];
    if (c['interpolation'] !== 'bilinear') continue;
    if (c['data_format'] !== undefined && c['data_format'] !== null && c['data_format'] !== 'channels_last') continue;
    l['class_name'] = PYTHON_BILINEAR_UPSAMPLING;
  }
  return copy;
}
