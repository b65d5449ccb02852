// Reads size and EXIF orientation straight from JPEG and PNG headers. Asking sharp for metadata
// costs a trip through the thread pool and a full header parse per image, about 5% of the decode
// budget; these formats make up nearly every dataset image. Anything unusual returns undefined and
// the caller asks sharp instead, so this is a shortcut, never the authority.

export interface QuickHeader {
  format: 'jpeg' | 'png';
  /** Stored size, before orientation. */
  width: number;
  height: number;
  /** EXIF orientation 1..8 (1 when absent). */
  orientation: number;
}

export function quickImageHeader(bytes: Buffer): QuickHeader | undefined {
  if (bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return jpegHeader(bytes);
  if (bytes.length > 24 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.readUInt32BE(4) === 0x0d0a1a0a)
    return pngHeader(bytes);
  return undefined;
}

/** SOFn markers that carry the frame size (not DHT C4, JPG C8, DAC CC). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function jpegHeader(bytes: Buffer): QuickHeader | undefined {
  let offset = 2;
  let orientation = 1;
  let sawExif = false;
  let frame: { width: number; height: number } | undefined;
  // Walk every segment up to the first scan: EXIF usually precedes the frame header but need not.
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return undefined;
    const marker = bytes[offset + 1]!;
    if (marker === 0xff) {
      offset++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2; // markers without a length
      continue;
    }
    if (marker === 0xda || marker === 0xd9) break; // start of scan (or end): headers are over
    const length = bytes.readUInt16BE(offset + 2);
    if (length < 2 || offset + 2 + length > bytes.length) return undefined;
    const segment = offset + 4;
    if (marker === 0xe1 && !sawExif && length >= 8 && bytes.toString('latin1', segment, segment + 6) === 'Exif\0\0') {
      sawExif = true;
      const found = exifOrientation(bytes.subarray(segment + 6, offset + 2 + length));
      if (found === undefined) return undefined;
      orientation = found;
    }
    if (isStartOfFrame(marker)) {
      if (length < 7 || frame) return undefined;
      frame = { height: bytes.readUInt16BE(segment + 1), width: bytes.readUInt16BE(segment + 3) };
      // Height 0 means "defined later by a DNL marker": rare, let sharp handle it.
      if (frame.width === 0 || frame.height === 0) return undefined;
    }
    offset += 2 + length;
  }
  return frame ? { format: 'jpeg', ...frame, orientation } : undefined;
}

/** Orientation tag (0x0112) of IFD0 in a TIFF-structured EXIF block; 1 when absent. */
function exifOrientation(tiff: Buffer): number | undefined {
  if (tiff.length < 8) return undefined;
  const order = tiff.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') return undefined;
  const little = order === 'II';
  const u16 = (at: number) => (little ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (little ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  if (u16(2) !== 42) return undefined;
  const ifd = u32(4);
  if (ifd + 2 > tiff.length) return undefined;
  const entries = u16(ifd);
  if (ifd + 2 + entries * 12 > tiff.length) return undefined;
  for (let i = 0; i < entries; i++) {
    const entry = ifd + 2 + i * 12;
    if (u16(entry) !== 0x0112) continue;
    if (u16(entry + 2) !== 3) return undefined; // not a SHORT: unusual, defer to sharp
    const value = u16(entry + 8);
    return value >= 1 && value <= 8 ? value : 1;
  }
  return 1;
}

function pngHeader(bytes: Buffer): QuickHeader | undefined {
  if (bytes.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  if (width === 0 || height === 0) return undefined;
  // PNG may carry EXIF (eXIf chunk, before the image data); leave those to sharp.
  let offset = 8;
  while (offset + 8 <= bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    if (type === 'IDAT' || type === 'IEND') return { format: 'png', width, height, orientation: 1 };
    if (type === 'eXIf') return undefined;
    offset += 12 + length;
  }
  return undefined;
}
