import type { OcrLine, RgbaImage, SpeechSegment } from '@splitflow/sdk/tasks';

/** The photo with each detected box outlined and its recognised text written above it. */
export function drawOcr(canvas: HTMLCanvasElement, image: RgbaImage, lines: readonly OcrLine[]): void {
  canvas.width = image.width;
  canvas.height = image.height;
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  ctx.putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
  const font = Math.max(12, Math.round(image.width / 45));
  ctx.font = `bold ${font}px sans-serif`;
  ctx.lineWidth = Math.max(2, image.width / 400);
  for (const line of lines) {
    const { x, y, width, height } = line.box;
    ctx.strokeStyle = line.angle === 180 ? '#f59e0b' : '#22c55e';
    ctx.strokeRect(x, y, width, height);
    const label = line.text || '?';
    const w = ctx.measureText(label).width + 8;
    const top = Math.max(0, y - font - 6);
    ctx.fillStyle = 'rgba(15, 23, 42, 0.85)';
    ctx.fillRect(x, top, w, font + 6);
    ctx.fillStyle = '#f8fafc';
    ctx.fillText(label, x + 4, top + font);
  }
}

/** The waveform (min/max per column), speech segments shaded, and the speech probability as a line. */
export function drawWaveform(
  canvas: HTMLCanvasElement,
  samples: Float32Array,
  segments: readonly SpeechSegment[],
  probabilities: readonly number[],
  sampleRate: number,
): void {
  const width = Math.max(300, Math.min(canvas.parentElement?.clientWidth || 800, 1000));
  const height = 160;
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  ctx.fillStyle = '#0f172a';
  ctx.fillRect(0, 0, width, height);
  const durationMs = (samples.length / sampleRate) * 1000 || 1;
  ctx.fillStyle = 'rgba(34, 197, 94, 0.28)';
  for (const s of segments) ctx.fillRect((s.startMs / durationMs) * width, 0, ((s.endMs - s.startMs) / durationMs) * width, height);
  ctx.strokeStyle = '#94a3b8';
  ctx.beginPath();
  const per = Math.max(1, Math.floor(samples.length / width));
  for (let x = 0; x < width; x++) {
    let lo = 0;
    let hi = 0;
    for (let i = x * per; i < Math.min(samples.length, (x + 1) * per); i++) {
      const v = samples[i] as number;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    ctx.moveTo(x + 0.5, height / 2 - hi * (height / 2));
    ctx.lineTo(x + 0.5, height / 2 - lo * (height / 2));
  }
  ctx.stroke();
  ctx.strokeStyle = '#38bdf8';
  ctx.beginPath();
  probabilities.forEach((p, i) => {
    const x = (i / Math.max(1, probabilities.length)) * width;
    const y = height - 4 - p * (height - 8);
    if (i === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  });
  ctx.stroke();
}
