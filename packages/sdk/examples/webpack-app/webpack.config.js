import { fileURLToPath } from 'node:url';

// Cross-origin isolation: onnxruntime-web's wasm backend needs SharedArrayBuffer for threads.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

// webpack 5 emits the SDK's runtime Worker (`new Worker(new URL(...), import.meta.url)`) and
// onnxruntime-web's .wasm files as chunks and assets by itself: no loader or plugin is needed.
export default {
  mode: 'production',
  entry: './src/main.js',
  output: { path: fileURLToPath(new URL('./dist/', import.meta.url)), filename: 'main.js', chunkFilename: '[name].[contenthash].js', clean: true },
  devServer: { headers: isolation, static: './public' },
  // onnxruntime-web's .wasm files are megabytes; they load only on first local use.
  performance: { hints: false },
};
