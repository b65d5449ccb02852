// A small ONNX graph builder: nodes, float/int64 initialisers and typed inputs/outputs as the plain
// objects protobufjs encodes with ONNX's schema (field names as in onnx.proto).
import { AttributeType, DataType } from './schema.js';

export type AttrValue = number | string | number[] | { float: number };

/** A dimension: a fixed size, or a symbolic name (dynamic). */
export type Dim = number | string;

interface TensorProtoObject {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

function littleEndianBytes(array: Float32Array | BigInt64Array): Uint8Array {
  // ONNX's raw_data is little-endian; so are the typed arrays on every platform Node runs on here,
  // but say so rather than assume it silently.
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('big-endian hosts are not supported');
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

function valueInfo(name: string, elemType: number, dims: readonly Dim[]) {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  };
}

export class GraphBuilder {
  private readonly nodes: object[] = [];
  private readonly initializers: TensorProtoObject[] = [];
  private readonly inputs: object[] = [];
  private readonly outputs: object[] = [];
  private readonly used = new Set<string>();
  private counter = 0;

  /** A fresh value name from `hint`. */
  fresh(hint: string): string {
    let name = hint;
    while (this.used.has(name)) name = `${hint}_${++this.counter}`;
    this.used.add(name);
    return name;
  }

  input(name: string, elemType: number, dims: readonly Dim[]): string {
    this.used.add(name);
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  output(name: string, elemType: number, dims: readonly Dim[]): void {
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  floats(hint: string, dims: readonly number[], data: Float32Array): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== data.length)
      throw new Error(`initialiser ${hint}: ${data.length} values for dims [${dims.join(',')}]`);
    const name = this.fresh(hint);
    this.initializers.push({ name, dims: [...dims], data_type: DataType.FLOAT, raw_data: littleEndianBytes(data) });
    return name;
  }

  int64s(hint: string, values: readonly number[]): string {
    const name = this.fresh(hint);
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.initializers.push({
      name,
      dims: [values.length],
      data_type: DataType.INT64,
      raw_data: littleEndianBytes(data),
    });
    return name;
  }

  /** Adds a node with one output and returns that output's name ('' in `inputs` = an omitted optional input). */
  node(op: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, outputHint?: string): string {
    const out = this.fresh(outputHint ?? op.toLowerCase());
    this.nodes.push({
      op_type: op,
      name: `${op}_${this.nodes.length}`,
      input: [...inputs],
      output: [out],
      attribute: Object.entries(attrs).map(([name, v]) => attribute(name, v)),
    });
    return out;
  }

  /** Renames a value to a graph output name by an Identity node. */
  alias(value: string, name: string): string {
    this.used.add(name);
    this.nodes.push({ op_type: 'Identity', name: `Identity_${this.nodes.length}`, input: [value], output: [name] });
    return name;
  }

  graph(name: string): object {
    return {
      name,
      node: this.nodes,
      initializer: this.initializers,
      input: this.inputs,
      output: this.outputs,
    };
  }
}

function attribute(name: string, v: AttrValue): object {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`attribute ${name}: ${v} is not an integer (use { float })`);
    return { name, type: AttributeType.INT, i: v };
  }
  if (typeof v === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: AttributeType.INTS, ints: v };
  return { name, type: AttributeType.FLOAT, f: v.float };
}
