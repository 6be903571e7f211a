// Just enough of PNG to read a browser's screenshot back: 8-bit RGB or RGBA, not interlaced (what
// Chromium writes), so that a test can tell a page that drew something from a blank one.
import { inflateSync } from 'node:zlib';

export interface Image {
  readonly width: number;
  readonly height: number;
  /** RGB, 3 bytes per pixel, rows top to bottom. */
  readonly rgb: Uint8Array;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function decodePng(file: Uint8Array): Image {
  const png = Buffer.from(file);
  if (!png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG file');
  let width = 0;
  let height = 0;
  let channels = 0;
  const data: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const body = png.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const [depth, color, , , interlace] = body.subarray(8, 13);
      if (depth !== 8 || (color !== 2 && color !== 6) || interlace !== 0)
        throw new Error(`unsupported PNG: depth ${depth}, colour type ${color}, interlace ${interlace}`);
      channels = color === 2 ? 3 : 4;
    } else if (type === 'IDAT') data.push(body);
    at += 12 + length;
  }
  return { width, height, rgb: toRgb(unfilter(inflateSync(Buffer.concat(data)), width, height, channels), channels) };
}

/** Undoes the per-row filters (PNG spec §9: none, sub, up, average, Paeth). */
function unfilter(raw: Buffer, width: number, height: number, bpp: number): Uint8Array {
  const stride = width * bpp;
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const row = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const at = y * stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? out[at + x - bpp]! : 0;
      const b = y > 0 ? out[at - stride + x]! : 0;
      const c = x >= bpp && y > 0 ? out[at - stride + x - bpp]! : 0;
      const predictor = [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter];
      if (predictor === undefined) throw new Error(`unknown PNG filter ${filter}`);
      out[at + x] = (row[x]! + predictor) & 0xff;
    }
  }
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

function toRgb(pixels: Uint8Array, channels: number): Uint8Array {
  if (channels === 3) return pixels;
  const out = new Uint8Array((pixels.length / 4) * 3);
  for (let i = 0, j = 0; i < pixels.length; i += 4, j += 3) out.set(pixels.subarray(i, i + 3), j);
  return out;
}

/** The variance of the pixels' grey levels (0–255), and how many distinct colours they have. */
export function pixelStatistics(image: Image): { variance: number; colours: number } {
  const n = image.width * image.height;
  let sum = 0;
  let squares = 0;
  const colours = new Set<number>();
  for (let i = 0; i < n; i++) {
    const [r, g, b] = [image.rgb[3 * i]!, image.rgb[3 * i + 1]!, image.rgb[3 * i + 2]!];
    const grey = 0.299 * r + 0.587 * g + 0.114 * b;
    sum += grey;
    squares += grey * grey;
    colours.add((r << 16) | (g << 8) | b);
  }
  const mean = sum / n;
  return { variance: squares / n - mean * mean, colours: colours.size };
}
