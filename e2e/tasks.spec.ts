import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';
import { encodePng, encodeY4m, renderText } from '@splitflow/test-fixtures/render-text';
import { silenceWav, speechWav } from '@splitflow/test-fixtures/speech';
import { CHROMIUM_ARGS } from '../playwright.config.js';
import { useE2EStack } from './shared-stack.js';
import type { E2EStack } from './stack.js';

// The Tasks page as a person uses it, with Chromium's fake camera and microphone playing files made
// now: a page of text drawn in DejaVu Sans (the camera) and a sentence spoken by espeak-ng (the
// microphone). Real models, a real worker and broker, the built app.
const media = mkdtempSync(join(tmpdir(), 'splitflow-media-'));
const CAMERA_LINES = ['Split inference', 'Order 4711 ships 2026'];
const cameraImage = renderText(
  640,
  360,
  CAMERA_LINES.map((text, i) => ({ text, x: 40, y: 100 + i * 140, size: 44 })),
);
writeFileSync(join(media, 'camera.y4m'), encodeY4m(cameraImage));
writeFileSync(join(media, 'speech.wav'), speechWav('Split inference runs on the device and in the cloud.', { rate: 48000, padSeconds: 0.6 }));
const FILE_LINES = ['edge and cloud', 'total 93.40'];
const filePng = encodePng(
  renderText(
    560,
    240,
    FILE_LINES.map((text, i) => ({ text, x: 30, y: 70 + i * 100, size: 40 })),
  ),
);
const silence = silenceWav(2);

// One page for the whole file (the session under test spans the runs of every test); tests run in order.
const test = base.extend<{ app: Page }, { stack: E2EStack; shared: { page: Page; errors: string[] } }>({
  stack: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies by destructuring.
    async ({}, use) => {
      const stack = await useE2EStack();
      await use(stack);
      await stack.close();
      rmSync(media, { recursive: true, force: true });
    },
    { scope: 'worker', timeout: 180_000 },
  ],
  shared: [
    async ({ browser, stack }, use) => {
      const context = await browser.newContext({ permissions: ['camera', 'microphone'], acceptDownloads: true });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(new URL('#/tasks', stack.appUrl).href);
      await expect(page.getByTestId('tasks-status')).toContainText(/Take a photo/, { timeout: 60_000 });
      await use({ page, errors });
      await context.close();
    },
    { scope: 'worker', timeout: 120_000 },
  ],
  app: async ({ shared }, use, testInfo) => {
    if (!shared.page.url().includes('#/tasks')) await shared.page.getByRole('link', { name: 'Tasks' }).click();
    await use(shared.page);
    await shared.page.screenshot({ path: testInfo.outputPath('final.png'), fullPage: true });
    // No test may leave an unhandled error behind.
    expect(shared.errors, 'unhandled errors in the page').toEqual([]);
  },
});
test.use({
  launchOptions: {
    executablePath: '/usr/bin/chromium',
    args: [
      ...CHROMIUM_ARGS,
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${join(media, 'camera.y4m')}`,
      `--use-file-for-fake-audio-capture=${join(media, 'speech.wav')}`,
    ],
  },
});
test.describe.configure({ mode: 'serial' });

const lines = async (page: Page, testId: string) => page.getByTestId(testId).locator('li').allTextContents();

test('a photo from the camera: the text read, boxes drawn, the route of every stage shown', async ({ app }, testInfo) => {
  // A deadline a busy 2-core machine meets even with cold sessions; the route choice is auto.
  await app.getByTestId('ocr-budget').fill('60000');
  await app.getByTestId('camera-open').click();
  await expect(app.getByTestId('camera-shoot')).toBeEnabled();
  await app.getByTestId('camera-shoot').click();
  await expect(app.getByTestId('tasks-status')).toHaveText(/^Read \d+ line/, { timeout: 120_000 });
  expect(await lines(app, 'ocr-lines')).toEqual(CAMERA_LINES);
  const stages = app.getByTestId('ocr-stages');
  await expect(stages.locator('tr[data-stage]')).toHaveCount(3);
  for (const stage of ['detect', 'orient', 'recognise']) await expect(app.getByTestId(`ocr-stages-${stage}-where`)).toHaveText(/^(local|cloud|mixed)$/);
  // The picture shows the boxes: the canvas holds the photo at its size, with green outlines drawn over it.
  const green = await app.getByTestId('ocr-canvas').evaluate((c: HTMLCanvasElement) => {
    const d = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if ((d[i + 1] as number) > 150 && (d[i] as number) < 80 && (d[i + 2] as number) < 120) n++;
    return { n, w: c.width, h: c.height };
  });
  expect([green.w, green.h]).toEqual([640, 360]);
  expect(green.n).toBeGreaterThan(200);
  // Raw tensors one click away.
  await app.getByTestId('ocr-tensors').locator('summary').click();
  await expect(app.getByTestId('ocr-tensors')).toContainText('sigmoid_0.tmp_0');
  await expect(app.getByTestId('ocr-tensors')).toContainText('softmax_11.tmp_0');
  await app.screenshot({ path: testInfo.outputPath('camera-ocr.png'), fullPage: true });
});

test('an image file, read with detection on the device and recognition in the cloud, then classified', async ({ app }) => {
  await app.getByTestId('ocr-budget').fill('60000');
  await app.getByTestId('ocr-mode-detect').selectOption('local-only');
  await app.getByTestId('ocr-mode-orient').selectOption('local-only');
  await app.getByTestId('ocr-mode-recognise').selectOption('cloud-only');
  await app.getByTestId('image-file').setInputFiles({ name: 'page.png', mimeType: 'image/png', buffer: Buffer.from(filePng) });
  // The status may still say "Read ..." of the camera's photo: wait for this picture's lines.
  await expect.poll(() => lines(app, 'ocr-lines'), { timeout: 120_000 }).toEqual(FILE_LINES);
  await expect(app.getByTestId('tasks-status')).toHaveText(/^Read \d+ line/);
  await expect(app.getByTestId('ocr-stages-detect-where')).toHaveText('local');
  await expect(app.getByTestId('ocr-stages-orient-where')).toHaveText('local');
  await expect(app.getByTestId('ocr-stages-recognise-where')).toHaveText('cloud');
  await app.getByTestId('classify-mode').selectOption('local-only');
  await app.getByTestId('classify-run').click();
  await expect(app.getByTestId('tasks-status')).toHaveText(/^Top label: (Neutral|Drawing)/, { timeout: 120_000 });
  await expect(app.getByTestId('labels').locator('li')).toHaveCount(5);
  await expect(app.getByTestId('classify-stages-classify-where')).toHaveText('local');
});

test('the microphone: speech found in a recording of espeak-ng, shown over the waveform', async ({ app }, testInfo) => {
  await app.getByTestId('vad-mode').selectOption('local-only');
  await app.getByTestId('vad-record').click();
  // Wait until the recorder reports 3.5 s, more than one loop of the fake microphone's file.
  await expect(app.getByTestId('tasks-status')).toHaveText(/^Recording: ([4-9]|3\.[5-9])/, { timeout: 30_000 });
  await app.getByTestId('vad-stop').click();
  await expect(app.getByTestId('tasks-status')).toHaveText(/^Found \d+ speech segment/, { timeout: 120_000 });
  const segments = app.getByTestId('vad-segments').locator('li');
  expect(await segments.count()).toBeGreaterThanOrEqual(1);
  const first = Number(await segments.first().getAttribute('data-end')) - Number(await segments.first().getAttribute('data-start'));
  expect(first).toBeGreaterThan(500);
  await expect(app.getByTestId('vad-routes')).toContainText(/\d+ on the device, 0 in the cloud/);
  await app.screenshot({ path: testInfo.outputPath('microphone-vad.png'), fullPage: true });
});

test('an audio file of silence: no speech, each frame in the cloud; the session export holds every stage route', async ({ app }) => {
  await app.getByTestId('vad-mode').selectOption('cloud-only');
  await app.getByTestId('audio-file').setInputFiles({ name: 'silence.wav', mimeType: 'audio/wav', buffer: Buffer.from(silence) });
  await expect(app.getByTestId('tasks-status')).toHaveText(/^Found 0 speech segment/, { timeout: 120_000 });
  await expect(app.getByTestId('vad-segments').locator('li')).toHaveCount(0);
  await expect(app.getByTestId('vad-routes')).toContainText(/0 on the device, \d+ in the cloud/);

  await app.getByRole('link', { name: 'Session' }).click();
  const download = app.waitForEvent('download');
  await app.getByTestId('export-json').click();
  const doc = JSON.parse(readFileSync((await (await download).path()) as string, 'utf8'));
  const ocr = doc.runs.filter((r: { model: string }) => r.model === 'ocr pipeline');
  expect(ocr).toHaveLength(2);
  const pinned = ocr[1];
  expect(pinned.pipeline).toMatchObject({ kind: 'ocr', input: { source: 'file', name: 'page.png', width: 560, height: 240 }, result: FILE_LINES.join('\n') });
  expect(pinned.pipeline.input.sha256).toMatch(/^[0-9a-f]{64}$/);
  expect(pinned.stages.map((s: { stage: string; where: string; mode: string }) => [s.stage, s.where, s.mode])).toEqual([
    ['detect', 'local', 'local-only'],
    ['orient', 'local', 'local-only'],
    ['recognise', 'cloud', 'cloud-only'],
  ]);
  expect(pinned.stages[2].calls[0]).toMatchObject({ where: 'cloud', pool: 'local-cpu' });
  const vad = doc.runs.filter((r: { model: string }) => r.model === 'vad stream');
  expect(vad.map((r: { pipeline: { input: { source: string } } }) => r.pipeline.input.source)).toEqual(['microphone', 'file']);
  expect(vad[1].stages[0]).toMatchObject({ stage: 'vad', where: 'cloud', mode: 'cloud-only' });
});

test('offline, every stage runs on the device, with no change to the request', async ({ app }) => {
  // Online first, every stage pinned to the device: the three models are fetched, verified and cached.
  await app.getByTestId('ocr-mode-detect').selectOption('local-only');
  await app.getByTestId('ocr-mode-orient').selectOption('local-only');
  await app.getByTestId('ocr-mode-recognise').selectOption('local-only');
  await app.getByTestId('ocr-budget').fill('60000');
  // The page was drawn anew on coming back from the session page: choose the picture again (it is read at once).
  await app.getByTestId('image-file').setInputFiles({ name: 'page.png', mimeType: 'image/png', buffer: Buffer.from(filePng) });
  await expect(app.getByTestId('tasks-status')).toHaveText(/^Read \d+ line/, { timeout: 120_000 });
  await expect(app.getByTestId('ocr-stages-recognise-where')).toHaveText('local');
  for (const stage of ['detect', 'orient', 'recognise']) await app.getByTestId(`ocr-mode-${stage}`).selectOption('auto');
  await app.context().setOffline(true);
  try {
    await app.getByTestId('ocr-run').click();
    await expect(app.getByTestId('tasks-status')).toHaveText(/^Reading text/);
    await expect(app.getByTestId('tasks-status')).toHaveText(/^Read \d+ line/, { timeout: 120_000 });
    expect(await lines(app, 'ocr-lines')).toEqual(FILE_LINES);
    for (const stage of ['detect', 'orient', 'recognise']) await expect(app.getByTestId(`ocr-stages-${stage}-where`)).toHaveText('local');
    await expect(app.getByTestId('ocr-stages').locator('td.why').first()).toContainText(/offline/i);
  } finally {
    await app.context().setOffline(false);
  }
});
