import type { Normalisation } from '../image/rgba-image.js';

// PaddleOCR reads images with OpenCV, so its models were trained on BGR channels.

/** Detection: ImageNet mean/std on BGR (PaddleOCR `NormalizeImage` in det inference). */
export const DET_NORMALISATION: Normalisation = Object.freeze({ order: 'bgr', mean: [0.485, 0.456, 0.406] as const, std: [0.229, 0.224, 0.225] as const });

/** Direction and recognition: `(v / 255 - 0.5) / 0.5` on BGR. */
export const LINE_NORMALISATION: Normalisation = Object.freeze({ order: 'bgr', mean: [0.5, 0.5, 0.5] as const, std: [0.5, 0.5, 0.5] as const });

/** PaddleOCR `cls_image_shape`: 3x48x192. */
export const CLS_HEIGHT = 48;
export const CLS_WIDTH = 192;

/** PaddleOCR `rec_image_shape`: 3x48x320; wider lines widen the batch. */
export const REC_HEIGHT = 48;
export const REC_MIN_WIDTH = 320;
