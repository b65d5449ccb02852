// ONNX's protobuf messages, from ONNX's own onnx.proto (onnx-proto.ts) through protobufjs: loaded
// and parsed once per process, on first use, so that importing the package (whose root re-exports
// the ONNX code) does not load protobufjs. Pure JavaScript: nothing here loads the addon or LibTorch.
import { createRequire } from 'node:module';
import type protobuf from 'protobufjs';
import { ONNX_PROTO } from './onnx-proto.js';

export interface OnnxSchema {
  ModelProto: protobuf.Type;
}

let schema: OnnxSchema | undefined;

export function onnxSchema(): OnnxSchema {
  if (!schema) {
    const pb = createRequire(import.meta.url)('protobufjs') as typeof protobuf;
    // keepCase: the objects below use the schema's own snake_case field names.
    const { root } = pb.parse(ONNX_PROTO, { keepCase: true });
    schema = { ModelProto: root.lookupType('onnx.ModelProto') };
  }
  return schema;
}

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, UINT8: 2, INT64: 7 } as const;
/** AttributeProto.AttributeType values used here. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const;

/** The key/value pairs of a model file's metadata_props, without keeping the decoded weights. */
export function readMetadataProps(bytes: Uint8Array): Record<string, string> {
  const decoded = onnxSchema().ModelProto.decode(bytes) as unknown as {
    metadata_props?: { key?: string; value?: string }[];
  };
  const out: Record<string, string> = {};
  for (const { key, value } of decoded.metadata_props ?? []) if (key !== undefined) out[key] = value ?? '';
  return out;
}
