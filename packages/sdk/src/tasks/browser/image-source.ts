// Browser adapters: decode what a person gives (a file, a camera frame) into RGBA pixels. Thin on
// purpose: everything after the pixels is pure and tested in Node.
import { SplitflowError } from '@splitflow/contract/core';
import type { RgbaImage } from '../image/rgba-image.js';

type Drawable = ImageBitmap | HTMLVideoElement | HTMLCanvasElement | HTMLImageElement;

function pixelsOf(source: Drawable, width: number, height: number, maxSide: number): RgbaImage {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const canvas = typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(w, h) : Object.assign(document.createElement('canvas'), { width: w, height: h });
  const ctx = canvas.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
  if (!ctx) throw new SplitflowError('INTERNAL', { message: 'no 2D canvas to read pixels with' });
  ctx.drawImage(source, 0, 0, w, h);
  const data = ctx.getImageData(0, 0, w, h);
  return { width: w, height: h, data: data.data };
}

/**
 * Decodes an image file (JPEG, PNG, WebP ... whatever the browser reads), honouring its EXIF
 * orientation, scaled so its longer side is at most `maxSide`.
 */
export async function imageFromBlob(blob: Blob, maxSide = 1600): Promise<RgbaImage> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image' });
  } catch (error) {
    throw new SplitflowError('INVALID_REQUEST', { message: `the file is not an image this browser can read (${blob.type || 'unknown type'})`, cause: error });
  }
  try {
    return pixelsOf(bitmap, bitmap.width, bitmap.height, maxSide);
  } finally {
    bitmap.close();
  }
}

/** The frame a playing `<video>` shows now (a camera preview), as pixels. */
export function imageFromVideo(video: HTMLVideoElement, maxSide = 1600): RgbaImage {
  if (video.videoWidth === 0 || video.videoHeight === 0) throw new SplitflowError('INVALID_REQUEST', { message: 'the video has no frame yet' });
  return pixelsOf(video, video.videoWidth, video.videoHeight, maxSide);
}

/** Opens the camera (the back one where there is a choice); the caller shows and stops the stream. */
export async function openCamera(): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) throw new SplitflowError('LOCAL_UNAVAILABLE', { message: 'this browser gives no camera access (getUserMedia)' });
  try {
    return await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment', width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false });
  } catch (error) {
    throw new SplitflowError('FORBIDDEN', { message: `the camera could not be opened: ${(error as Error).name}: ${(error as Error).message}`, cause: error });
  }
}
