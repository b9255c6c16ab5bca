// PNG files for the page tests, written with Node's zlib: a grey or RGB image, 8 bits per value,
// no interlacing (PNG 1.2, sections 4 and 11). Enough for a test to hand the page a folder of
// images it made itself.
import { crc32, deflateSync } from 'node:zlib';

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** A `width` x `height` PNG of `values` (row by row; `channels` 1 grey or 3 RGB per pixel). */
export function encodePng(width, height, values, channels = 1) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, channels === 3 ? 2 : 0, 0, 0, 0], 8); // depth 8, colour type, deflate, filter, no interlace
  const rows = Buffer.alloc(height * (1 + width * channels));
  for (let y = 0; y < height; y += 1) {
    rows[y * (1 + width * channels)] = 0; // filter: none
    rows.set(values.subarray(y * width * channels, (y + 1) * width * channels), y * (1 + width * channels) + 1);
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}
