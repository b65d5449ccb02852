// The names an exported ONNX file uses: its input, outputs and metadata_props keys. Shared by the
// exporter and the runtime (which must not import the exporter's Model-facing code).

/** Keys of the metadata_props the exporter writes (all values strings). */
export const ONNX_METADATA = {
  format: 'casm.format',
  arch: 'casm.arch',
  numClasses: 'casm.num_classes',
  upsample: 'casm.upsample',
  separateEncoder: 'casm.separate_encoder',
  logits: 'casm.logits',
  imageSize: 'casm.image_size',
  classIds: 'casm.class_ids',
  input: 'casm.input',
} as const;

export const ONNX_INPUT = 'image';
export const ONNX_MASK_OUTPUT = 'mask';
export const ONNX_LOGITS_OUTPUT = 'logits';
