// Builds the page into frontend/dist: one bundled script, the HTML and CSS, the WASM binaries.
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
const wasmDir = join(here, '..', 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');

rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, 'wasm'), { recursive: true });

await build({
  entryPoints: [join(here, 'src', 'main.js')],
  outfile: join(dist, 'app.js'),
  bundle: true,
  format: 'esm',
  minify: true,
  // The map is written for debugging here (load it in the browser's developer tools) but not
  // referenced from app.js: the published site leaves *.map out, and no page may point at a
  // file that is not there.
  sourcemap: 'external',
  target: ['es2020'],
  logLevel: 'warning',
});
for (const file of ['index.html', 'style.css']) copyFileSync(join(here, file), join(dist, file));
for (const file of readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) {
  copyFileSync(join(wasmDir, file), join(dist, 'wasm', file));
}
console.log(`built ${dist}`);
