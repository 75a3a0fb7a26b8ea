/**
 * `edgecl` entry point: parses the command line, runs one command, maps failures to exit
 * statuses (0 success, 1 the user's input, 2 an internal error).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserError } from '../../ir/index.js';
import { PREPROCESS_EXAMPLE } from '../preprocess/spec.js';
import { cmdBench, cmdCheck, cmdCompile, cmdDevices, cmdInspect, cmdRun } from './commands.js';
import { parseInputShapes, parseRange, positiveInt } from './options.js';

const USAGE = `usage:
  edgecl compile <model> [-o <dir>] [--input-shape NAME=1,224,224,3] [--preprocess SPEC] [--no-fusion] [--print-after PASS|all] [--device SEL]
  edgecl run <artifact> --input NAME=<file.npy|.png|.jpg> … [--output <dir>] [--check-finite] [--device SEL]
  edgecl check <model> [--input [NAME=]<file.png|.jpg|.npy> …] [--input-range LO,HI] [--input-shape …] [--preprocess SPEC] [--no-fusion]
               [--tolerance 1e-4] [--seed N] [--device SEL]
  edgecl bench <artifact> [--iterations N] [--device SEL]
  edgecl inspect <model|artifact> [--input-shape …] [--preprocess SPEC] [--html FILE]
  edgecl devices
options common to all: --verbose (stack traces), --help
<model> is a TF.js model.json (graph or layers model) or the folder holding it.
--preprocess SPEC: the model input becomes a u8 camera frame, resized and normalized inside the first kernel;
  SPEC is key=value,…: frame=HxWx3 [order=rgb|bgr] [resize=bilinear|nearest] [coords=asymmetric|align_corners|half_pixel]
  [scale=S[/S/S],offset=O[/O/O] | mean=M[/M/M],std=D[/D/D]] [input=NAME], e.g. ${PREPROCESS_EXAMPLE}
--no-fusion: one kernel per IR op (for comparison).
--check-finite (run): after writing the outputs, fail (exit 1) naming each output holding NaN or ±Inf, with counts and the first index.
check: inputs not given are seeded uniform [-1,1]; a photo is resized (bilinear, half-pixel) to the input's HxW, 0..255 mapped
  onto --input-range (default 0,1; use --input-range=-1,1 for a negative LO), luma for one channel; a .npy must match the shape.
  When an output differs, check names the first kernel whose output diverges from TensorFlow.js.
--device SEL (or EDGECL_DEVICE): a substring of the OpenCL platform or device name, optionally :index.`;

const OPTIONS = {
  output: { type: 'string', short: 'o' },
  'input-shape': { type: 'string', multiple: true },
  'input-range': { type: 'string' },
  'print-after': { type: 'string', multiple: true },
  input: { type: 'string', multiple: true },
  device: { type: 'string' },
  tolerance: { type: 'string' },
  seed: { type: 'string' },
  iterations: { type: 'string' },
  preprocess: { type: 'string' },
  'no-fusion': { type: 'boolean' },
  'check-finite': { type: 'boolean' },
  html: { type: 'string' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

function isUserError(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { isUserError?: unknown }).isUserError === true;
}

/** One paragraph: newlines inside a message (build logs excepted) would break the format. */
function oneParagraph(message: string): string {
  return message.replace(/\n\s*\n/g, '\n').trimEnd();
}

async function dispatch(argv: string[], out: (s: string) => void): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UserError(`${(e as Error).message}\n${USAGE}`);
  }
  const { values: v, positionals } = parsed;
  const [command, target, ...rest] = positionals;
  if (v.help || command === undefined || command === 'help') {
    out(USAGE);
    return command === undefined && !v.help ? 1 : 0;
  }
  if (rest.length > 0) throw new UserError(`unexpected argument '${rest[0]}' after '${target}'.\n${USAGE}`);
  const needTarget = (what: string): string => {
    if (!target) throw new UserError(`'edgecl ${command}' needs ${what}.\n${USAGE}`);
    return target;
  };
  const device = v.device ?? process.env['EDGECL_DEVICE'];
  const deviceOpt = device === undefined ? {} : { device };
  const compileOpts = { ...(v.preprocess === undefined ? {} : { preprocess: v.preprocess }), ...(v['no-fusion'] ? { fusion: false } : {}) };
  switch (command) {
    case 'compile':
      cmdCompile(needTarget('a model file'), { ...(v.output === undefined ? {} : { output: v.output }), inputShapes: parseInputShapes(v['input-shape'] ?? []), printAfter: v['print-after'] ?? [], ...compileOpts }, out);
      return 0;
    case 'run':
      cmdRun(needTarget('an artifact folder'), { inputs: v.input ?? [], output: v.output ?? '.', checkFinite: v['check-finite'] === true, ...deviceOpt }, out);
      return 0;
    case 'check': {
      const tolerance = v.tolerance === undefined ? 1e-4 : Number(v.tolerance);
      if (!(tolerance > 0)) throw new UserError(`--tolerance '${v.tolerance}': expected a positive number.`);
      const inputRange = parseRange('--input-range', v['input-range']);
      const ok = await cmdCheck(
        needTarget('a model file'),
        { inputShapes: parseInputShapes(v['input-shape'] ?? []), tolerance, seed: positiveInt('--seed', v.seed, 1), inputs: v.input ?? [], ...(inputRange ? { inputRange } : {}), ...deviceOpt, ...compileOpts },
        out,
      );
      return ok ? 0 : 1;
    }
    case 'bench':
      cmdBench(needTarget('an artifact folder'), { iterations: positiveInt('--iterations', v.iterations, 50), ...deviceOpt }, out);
      return 0;
    case 'inspect':
      cmdInspect(needTarget('a model file or an artifact folder'), { inputShapes: parseInputShapes(v['input-shape'] ?? []), ...(v.preprocess === undefined ? {} : { preprocess: v.preprocess }), ...(v.html === undefined ? {} : { html: v.html }) }, out);
      return 0;
    case 'devices':
      cmdDevices(out);
      return 0;
    default:
      throw new UserError(`unknown command '${command}'.\n${USAGE}`);
  }
}

export async function main(argv: string[]): Promise<void> {
  // `edgecl bench … | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  const verbose = argv.includes('--verbose');
  let status: number;
  try {
    status = await dispatch(argv, (s) => process.stdout.write(s + '\n'));
  } catch (e) {
    if (isUserError(e)) {
      process.stderr.write(`error: ${oneParagraph((e as Error).message)}\n`);
      if (verbose) process.stderr.write(`${(e as Error).stack}\n`);
      status = 1;
    } else {
      process.stderr.write(`internal error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.stderr.write(verbose && e instanceof Error ? `${e.stack}\n` : 'run again with --verbose for the stack trace, and please report it.\n');
      status = 2;
    }
  }
  process.exitCode = status;
}
