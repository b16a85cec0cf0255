// Draws the app icon (a stream splitting in two: device and cloud) as PNGs, with no image library:
// raw RGBA rows, zlib-deflated, in PNG chunks. Run once; the PNGs are committed.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf: Buffer) => {
  let c = 0xffffffff;
  for (const b of buf) c = (crcTable[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type: string, data: Buffer) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
};

function icon(size: number, maskable: boolean): Buffer {
  const rows: Buffer[] = [];
  const inset = maskable ? 0.2 : 0.1;
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4); // filter byte 0 (none)
    for (let x = 0; x < size; x++) {
      const u = x / size;
      const v = y / size;
      let [r, g, b] = [15, 23, 42]; // background
      const inside = u > inset && u < 1 - inset && v > inset && v < 1 - inset;
      if (inside) {
        const t = (u - inset) / (1 - 2 * inset);
        const stem = Math.abs(v - 0.5) < 0.06 && t < 0.45;
        const upper = t >= 0.4 && Math.abs(v - (0.5 - (t - 0.4) * 0.55)) < 0.06;
        const lower = t >= 0.4 && Math.abs(v - (0.5 + (t - 0.4) * 0.55)) < 0.06;
        if (stem) [r, g, b] = [226, 232, 240];
        else if (upper)
          [r, g, b] = [56, 189, 248]; // device
        else if (lower) [r, g, b] = [251, 146, 60]; // cloud
      }
      row.set([r, g, b, 255], 1 + x * 4);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const out = new URL('../public/icons/', import.meta.url);
for (const size of [192, 512]) writeFileSync(new URL(`icon-${size}.png`, out), icon(size, false));
writeFileSync(new URL('maskable-512.png', out), icon(512, true));
console.log('icons written');
