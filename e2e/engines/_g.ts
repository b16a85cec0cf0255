import { createServer } from 'node:http';
import puppeteer from 'puppeteer-core';

const server = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end('<html><body>hi</body></html>');
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(server.address() as any).port}/`;
const b = await puppeteer.launch({
  browser: 'firefox',
  executablePath: '/usr/bin/firefox-esr',
  headless: true,
  extraPrefsFirefox: { 'dom.webgpu.enabled': true, 'gfx.webgpu.ignore-blocklist': true },
});
const p = await b.newPage();
await p.goto(url);
console.log(
  await p.evaluate(async () => {
    if (!('gpu' in navigator)) return 'no gpu';
    try {
      const a = await (navigator as any).gpu.requestAdapter();
      if (!a) return 'null adapter';
      const i = a.info;
      const d = await a.requestDevice();
      return ['adapter', i.vendor, i.architecture, i.description, i.isFallbackAdapter, a.isFallbackAdapter, [...a.features].join(','), !!d].join(' / ');
    } catch (e) {
      return 'throws ' + e;
    }
  }),
);
await b.close();
server.close();
