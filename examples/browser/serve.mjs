// Serves the browser page (examples/browser) on 127.0.0.1 only, with the two folders its import
// map names: /ort/ → onnxruntime-web's dist/ (the WebAssembly runtime) and /casm/ → the checkout's
// compiled modules (the page imports the scorer's mask-box and top-1 code from there). Nothing else is served.
//
//   npm ci --prefix examples/browser && node examples/browser/serve.mjs [PORT]
//   (PORT 0 or absent: any free port; the address is printed)
//
// onnxruntime-web comes from this folder's own package.json (npm ci --prefix examples/browser), so
// that the package's main install stays without it; dist/ is the checkout's (npm run build:ts).
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

const here = path.dirname(fileURLToPath(import.meta.url));

/** URL prefix → folder; a request outside these folders is answered 404. */
export function browserPageRoutes() {
  let ort;
  try {
    ort = path.dirname(fileURLToPath(import.meta.resolve('onnxruntime-web')));
  } catch (err) {
    throw new Error(`the browser page needs onnxruntime-web: run npm ci --prefix examples/browser (${err.message})`);
  }
  const dist = path.resolve(here, '..', '..', 'dist');
  if (!existsSync(path.join(dist, 'eval', 'mask-box.js')))
    throw new Error(`the browser page needs the compiled package in ${dist}: run npm run build:ts`);
  return { '/ort/': ort, '/casm/': dist, '/': here };
}

/** Starts the server; resolves with its address and a close function. */
export function serveBrowserPage(port = 0) {
  const routes = browserPageRoutes();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const urlPath = url.pathname === '/' ? '/index.html' : decodeURIComponent(url.pathname);
    const prefix = Object.keys(routes).find((p) => urlPath.startsWith(p));
    const root = routes[prefix];
    const file = path.resolve(root, `.${urlPath.slice(prefix.length - 1)}`);
    const type = TYPES[path.extname(file)];
    // Only known file types, and never a path that climbs out of its folder.
    if (!type || !file.startsWith(root + path.sep) || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${url.pathname}\n`);
      return;
    }
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address();
      resolve({ url: `http://127.0.0.1:${bound}/`, close: () => new Promise((done) => server.close(done)) });
    });
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = Number(process.argv[2] ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error('usage: node examples/browser/serve.mjs [PORT]');
    process.exit(2);
  }
  const { url } = await serveBrowserPage(port);
  console.log(`open ${url} and pick a model exported by \`casm-native export RUN --format onnx\` and an image`);
}
