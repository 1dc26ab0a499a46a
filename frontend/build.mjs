// Builds the page into frontend/dist: one bundled script, the HTML and CSS, the WASM binaries.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
const wasmDir = join(here, '..', 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');

rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, 'wasm'), { recursive: true });

// Every bundle is one minified ES module for ES2020 browsers unless it says otherwise.
const bundle = (entry, outfile, options = {}) => build({
  entryPoints: [join(here, 'src', entry)],
  outfile: join(dist, outfile),
  bundle: true,
  format: 'esm',
  minify: true,
  target: ['es2020'],
  logLevel: 'warning',
  ...options,
});

// The map is written for debugging here (load it in the browser's developer tools) but not
// referenced from app.js: the published site leaves *.map out, and no page may point at a
// file that is not there.
await bundle('main.js', 'app.js', { sourcemap: 'external' });
// The embeddable module (README: "Use it in your own page"): for browsers, one file with
// TensorFlow.js inside that finds wasm/ beside itself; for Node, the same code importing the
// installed @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm (the package's peers).
await bundle('embed-browser.js', 'tempera.mjs');
await bundle('embed-node.js', 'tempera-node.mjs', {
  platform: 'node',
  target: ['node18'],
  minify: false,
  external: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'],
});
for (const file of ['index.html', 'style.css']) copyFileSync(join(here, file), join(dist, file));
for (const file of readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) {
  copyFileSync(join(wasmDir, file), join(dist, 'wasm', file));
}
// Compressed copies beside each file, for servers that send them where the browser accepts
// them (tempera serve; nginx gzip_static/brotli_static; Caddy precompressed).
const compressible = [join(dist, 'app.js'), join(dist, 'tempera.mjs'), join(dist, 'index.html'), join(dist, 'style.css'),
  ...readdirSync(join(dist, 'wasm')).map((file) => join(dist, 'wasm', file))];
for (const file of compressible) {
  const data = readFileSync(file);
  writeFileSync(`${file}.br`, brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
  writeFileSync(`${file}.gz`, gzipSync(data, { level: 9 }));
}
console.log(`built ${dist}`);
