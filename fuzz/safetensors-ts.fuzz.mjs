// A fuzz loop for the TypeScript safetensors reader (src/util/safetensors.ts, compiled to dist/).
// libFuzzer cannot drive JavaScript, so this mutates the seed files itself, with a seeded PRNG so
// that a failure can be replayed (the seed and iteration are printed). Each input must either
// decode into tensors whose data matches their shape, or throw an Error whose message starts with
// the file name; any other outcome (a TypeError or RangeError from deep inside, a wrong length,
// an input taking over a second of CPU) is a finding, written to the artifacts folder.
//   node fuzz/safetensors-ts.fuzz.mjs SECONDS [corpus dir] [artifacts dir] [seed]
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const { decodeSafetensors } = await import(join(here, '..', 'dist', 'util', 'safetensors.js'));

const seconds = Number(process.argv[2] ?? 10);
const corpusDir = process.argv[3] ?? join(here, 'corpus', 'safetensors');
const artifacts = process.argv[4] ?? join(here, '..', 'build-fuzz', 'artifacts', 'safetensors-ts');
let state = BigInt(process.argv[5] ?? Date.now()) & 0xffffffffn;
const startSeed = state;

// xorshift32: small, seedable, good enough to pick mutations.
function rand(n) {
  state ^= (state << 13n) & 0xffffffffn;
  state ^= state >> 17n;
  state ^= (state << 5n) & 0xffffffffn;
  return Number(state % BigInt(n));
}

const seeds = readdirSync(corpusDir).map((f) => readFileSync(join(corpusDir, f)));
const FILE = 'fuzz.safetensors';
const interesting = [
  '-1',
  '0',
  '1',
  '1e400',
  '9007199254740993',
  '2.5',
  'null',
  '"F32"',
  '[]',
  '{}',
  '[0,0]',
  '"x"',
  'true',
  '[1,2,3]',
  '18446744073709551616',
];

function mutateHeaderJson(buf) {
  if (buf.length < 8) return buf;
  // Replace one JSON token of the header with an interesting value, keeping the length field right.
  const len = Number(buf.readBigUInt64LE(0));
  if (8 + len > buf.length) return buf;
  const text = buf.subarray(8, 8 + len).toString('latin1');
  const tokens = [...text.matchAll(/-?\d+(\.\d+)?([eE][+-]?\d+)?|"(?:[^"\\]|\\.)*"|\[[^[\]]*\]|true|false|null/g)];
  if (tokens.length === 0) return buf;
  const t = tokens[rand(tokens.length)];
  const next = text.slice(0, t.index) + interesting[rand(interesting.length)] + text.slice(t.index + t[0].length);
  const header = Buffer.from(next, 'latin1');
  const out = Buffer.alloc(8 + header.length + (buf.length - 8 - len));
  out.writeBigUInt64LE(BigInt(header.length));
  header.copy(out, 8);
  buf.copy(out, 8 + header.length, 8 + len);
  return out;
}

function mutate(input) {
  let buf = Buffer.from(input);
  for (let k = 1 + rand(4); k > 0; k--) {
    switch (rand(6)) {
      case 0:
        if (buf.length) buf[rand(buf.length)] ^= 1 << rand(8);
        break;
      case 1:
        if (buf.length) buf[rand(buf.length)] = rand(256);
        break;
      case 2:
        buf = buf.subarray(0, rand(buf.length + 1));
        break;
      case 3: {
        const at = rand(buf.length + 1);
        buf = Buffer.concat([buf.subarray(0, at), Buffer.from([rand(256)]), buf.subarray(at)]);
        break;
      }
      case 4:
        buf = mutateHeaderJson(buf);
        break;
      case 5:
        if (buf.length >= 8) buf.writeBigUInt64LE(BigInt(rand(2) ? rand(buf.length) : rand(0x7fffffff)), 0);
        break;
    }
  }
  return buf;
}

function check(buf) {
  // CPU time, not wall time: on a loaded machine a fast input can wait a second for a core.
  const t0 = process.cpuUsage();
  try {
    const tensors = decodeSafetensors(buf, FILE);
    for (const [name, t] of tensors) {
      const count = t.shape.reduce((a, b) => a * b, 1);
      if (t.data.length !== count)
        return `tensor ${name}: ${t.data.length} values for shape ${JSON.stringify(t.shape)}`;
    }
  } catch (e) {
    if (!(e instanceof Error) || e.constructor !== Error || !e.message.startsWith(`${FILE}: `))
      return `unexpected ${e?.constructor?.name}: ${e?.message}`;
  }
  const used = process.cpuUsage(t0);
  const ms = (used.user + used.system) / 1000;
  return ms > 1000 ? `slow input: ${ms.toFixed(0)} ms of CPU` : undefined;
}

const deadline = Date.now() + seconds * 1000;
let execs = 0,
  accepted = 0,
  findings = 0;
while (Date.now() < deadline) {
  for (let k = 0; k < 200; k++) {
    const input = mutate(seeds[rand(seeds.length)]);
    execs++;
    const problem = check(input);
    if (problem === undefined) continue;
    findings++;
    mkdirSync(artifacts, { recursive: true });
    const out = join(artifacts, `finding-${startSeed}-${execs}.safetensors`);
    writeFileSync(out, input);
    console.error(`safetensors-ts: ${problem} (input saved to ${out})`);
  }
}
for (const s of seeds) {
  try {
    decodeSafetensors(s, FILE);
    accepted++;
  } catch (e) {
    console.error(`safetensors-ts: a seed is refused: ${e.message}`);
  }
}
console.log(
  `safetensors-ts: ${execs} execs in ${seconds} s, seed ${startSeed}, ${accepted}/${seeds.length} seeds accepted, ${findings} findings`,
);
process.exit(findings > 0 || accepted !== seeds.length ? 1 : 0);
