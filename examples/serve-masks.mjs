// A small HTTP endpoint that returns saliency masks, listening on 127.0.0.1 only (nothing outside
// this machine can reach it). POST an image, get its mask back as a grey PNG at the image's size;
// the predicted class and its probability come in response headers.
//
//   node examples/serve-masks.mjs RUN_DIR [PORT]          (PORT 0 or absent: any free port)
//   curl --data-binary @photo.jpg http://127.0.0.1:PORT/saliency -o mask.png -D -
//
// Requests are handled concurrently; the model queues its native calls, one at a time.
import { createServer } from 'node:http';
import { loadTrainedModel, softmaxTop1 } from 'casm-native';
import sharp from 'sharp';

const [runDir, port = '0'] = process.argv.slice(2);
if (!runDir) {
  console.error('usage: node examples/serve-masks.mjs RUN_DIR [PORT]');
  process.exit(2);
}
const { model, classIds, config } = await loadTrainedModel(runDir);
const size = config.imageSize;
const MAX_BYTES = 20 * 1024 * 1024;

async function readBody(req) {
  const chunks = [];
  let total = 0;
  for await (const chunk of req) {
    total += chunk.length;
    if (total > MAX_BYTES) throw Object.assign(new Error('image too large'), { status: 413 });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function maskFor(bytes) {
  const image = sharp(bytes).rotate();
  const { width, height } = await image.metadata();
  const data = await image.clone().resize(size, size, { fit: 'fill' }).removeAlpha().raw().toBuffer();
  const { masks, logits } = await model.saliency({ kind: 'uint8', data, n: 1, h: size, w: size });
  const grey = Uint8Array.from(masks, (v) => Math.round(255 * v));
  const png = await sharp(grey, { raw: { width: size, height: size, channels: 1 } })
    .resize(width, height, { fit: 'fill' })
    .toColourspace('b-w')
    .png()
    .toBuffer();
  const top = softmaxTop1(logits);
  return { png, classId: classIds[top.index], probability: top.probability };
}

const server = createServer(async (req, res) => {
  try {
    if (req.method === 'GET' && req.url === '/health') {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ ok: true, size, classes: classIds.length }));
      return;
    }
    if (req.method !== 'POST' || req.url !== '/saliency') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('POST an image to /saliency\n');
      return;
    }
    const { png, classId, probability } = await maskFor(await readBody(req));
    res
      .writeHead(200, {
        'content-type': 'image/png',
        'x-predicted-class': classId,
        'x-probability': probability.toFixed(4),
      })
      .end(png);
  } catch (err) {
    // sharp rejects what is not an image; that is the client's mistake, not the server's.
    const status = err.status ?? (/unsupported image format|Input buffer/i.test(err.message) ? 400 : 500);
    res.writeHead(status, { 'content-type': 'text/plain' }).end(`${err.message}\n`);
  }
});

server.listen(Number(port), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});

// Stop on Ctrl-C or a service manager's TERM: finish open requests, then free the model.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => server.close(() => model.dispose()));
}
