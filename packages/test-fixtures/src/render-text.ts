// Test images of known text: drawn with Skia (@napi-rs/canvas, the one file that imports it) in
// Debian's DejaVu Sans (scripts/ensure-media.sh installs it).
import { createCanvas, GlobalFonts } from '@napi-rs/canvas';
import type { RgbaImage } from '@splitflow/sdk/tasks';

export const TEST_FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
let registered = false;

export interface TextLine {
  text: string;
  x: number;
  y: number;
  size: number;
  /** Draws the line upside down about its own centre. */
  upsideDown?: boolean;
}

/** Dark text lines on a light background, as RGBA pixels. */
export function renderText(width: number, height: number, lines: readonly TextLine[]): RgbaImage {
  if (!registered) {
    GlobalFonts.registerFromPath(TEST_FONT, 'DejaVu Sans');
    registered = true;
  }
  const canvas = createCanvas(width, height);
  const g = canvas.getContext('2d');
  g.fillStyle = '#f4f1ea';
  g.fillRect(0, 0, width, height);
  g.fillStyle = '#1b1b1b';
  g.textBaseline = 'middle';
  for (const line of lines) {
    g.font = `${line.size}px "DejaVu Sans"`;
    g.save();
    if (line.upsideDown) {
      const w = g.measureText(line.text).width;
      g.translate(line.x + w / 2, line.y);
      g.rotate(Math.PI);
      g.fillText(line.text, -w / 2, 0);
    } else {
      g.fillText(line.text, line.x, line.y);
    }
    g.restore();
  }
  const pixels = g.getImageData(0, 0, width, height);
  return { width, height, data: new Uint8ClampedArray(pixels.data) };
}

/** The image as PNG bytes (to hand to a file input). */
export function encodePng(image: RgbaImage): Uint8Array {
  const canvas = createCanvas(image.width, image.height);
  const g = canvas.getContext('2d');
  const pixels = g.createImageData(image.width, image.height);
  pixels.data.set(image.data);
  g.putImageData(pixels, 0, 0);
  return new Uint8Array(canvas.toBuffer('image/png'));
}

/**
 * The image as a YUV4MPEG2 stream (4:2:0, BT.601 full range) of `frames` identical frames: what
 * Chromium's `--use-file-for-fake-video-capture` plays as a camera.
 */
export function encodeY4m(image: RgbaImage, frames = 2): Uint8Array {
  const w = image.width & ~1;
  const h = image.height & ~1;
  const y = new Uint8Array(w * h);
  const u = new Uint8Array((w / 2) * (h / 2));
  const v = new Uint8Array((w / 2) * (h / 2));
  const px = (i: number, j: number) => {
    const p = (j * image.width + i) * 4;
    return [image.data[p] as number, image.data[p + 1] as number, image.data[p + 2] as number] as const;
  };
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      const [r, g, b] = px(i, j);
      y[j * w + i] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    }
  }
  for (let j = 0; j < h / 2; j++) {
    for (let i = 0; i < w / 2; i++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (const [di, dj] of [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ] as const) {
        const [pr, pg, pb] = px(i * 2 + di, j * 2 + dj);
        r += pr / 4;
        g += pg / 4;
        b += pb / 4;
      }
      u[j * (w / 2) + i] = Math.max(0, Math.min(255, Math.round(-0.168736 * r - 0.331264 * g + 0.5 * b + 128)));
      v[j * (w / 2) + i] = Math.max(0, Math.min(255, Math.round(0.5 * r - 0.418688 * g - 0.081312 * b + 128)));
    }
  }
  const header = new TextEncoder().encode(`YUV4MPEG2 W${w} H${h} F30:1 Ip A1:1 C420jpeg\n`);
  const frameTag = new TextEncoder().encode('FRAME\n');
  const frameBytes = frameTag.length + y.length + u.length + v.length;
  const out = new Uint8Array(header.length + frames * frameBytes);
  out.set(header, 0);
  for (let f = 0; f < frames; f++) {
    let at = header.length + f * frameBytes;
    for (const part of [frameTag, y, u, v]) {
      out.set(part, at);
      at += part.length;
    }
  }
  return out;
}
