/**
 * Device buffer assignment for activations. For now every graph input and node output gets a
 * buffer of its own; liveness-based reuse belongs to the memory-planning pass.
 */
import { byteSize, type Graph } from '../ir/index.js';
import type { BufferSpec } from './artifact/plan-format.js';

export interface BufferAssignment {
  readonly buffers: readonly BufferSpec[];
  /** Value name → buffer id. */
  readonly bufferOf: ReadonlyMap<string, number>;
}

export function assignBuffers(graph: Graph): BufferAssignment {
  const buffers: BufferSpec[] = [];
  const bufferOf = new Map<string, number>();
  const add = (value: string, bytes: number) => {
    bufferOf.set(value, buffers.length);
    buffers.push({ id: buffers.length, bytes, values: [value] });
  };
  for (const i of graph.inputs) add(i.name, byteSize(i.type));
  for (const n of graph.nodes) add(n.name, byteSize(n.type));
  return { buffers, bufferOf };
}
