import * as zlib from 'zlib';

/**
 * A PNG of one colour, made here so that the tests upload a real image without keeping
 * one in the repository: signature, IHDR, one IDAT of unfiltered RGB rows, IEND.
 */
export function solidPng(width: number, height: number, rgb: readonly [number, number, number] = [40, 120, 200]): Buffer {
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, Buffer.from(rgb))]);
  return encodePng(width, height, Array.from({ length: height }, () => row));
}

/**
 * A PNG of pseudo-random pixels, which no compression shrinks: an upload the size of a
 * photo. The same seed gives the same bytes.
 */
export function noisePng(width: number, height: number, seed = 1): Buffer {
  let state = seed >>> 0 || 1;
  const next = () => {
    // xorshift32: fast, and plenty for bytes nothing can compress.
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state & 0xff;
  };
  const rows = Array.from({ length: height }, () => {
    const row = Buffer.alloc(1 + width * 3);
    for (let i = 1; i < row.length; i++) row[i] = next();
    return row;
  });
  return encodePng(width, height, rows);
}

/** Signature, IHDR, one IDAT of the given unfiltered RGB rows (each with its filter byte), IEND. */
function encodePng(width: number, height: number, rows: readonly Buffer[]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body) >>> 0);
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(2, 9); // colour type: RGB
  const pixels = zlib.deflateSync(Buffer.concat(rows));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', pixels), chunk('IEND', Buffer.alloc(0))]);
}

/** Width and height from a PNG's header; undefined for anything else. */
export function pngSize(data: Buffer): { width: number; height: number } | undefined {
  if (data.length < 24 || data.toString('ascii', 12, 16) !== 'IHDR') return undefined;
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
}
