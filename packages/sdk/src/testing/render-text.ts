// Test images of known text: drawn with Skia (@napi-rs/canvas, the one file that imports it) in
// Debian's DejaVu Sans (scripts/ensure-media.sh installs it).
import { createCanvas, GlobalFonts } from '@napi-rs/canvas';
import type { RgbaImage } from '../tasks/image/rgba-image.js';

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
