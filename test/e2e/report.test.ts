// The HTML run report as a person sees it: written by `casm-native report` (and by `eval --report`)
// for a model trained on generated demo data, then opened in headless Chromium (Debian's
// `chromium`; scripts/setup.sh --test installs it). Checks: one self-contained file (no script, no
// external resource), the page renders, every <img> decodes (naturalWidth > 0), and a screenshot
// is produced that is not blank.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerEval } from '../../src/cli/eval.js';
import { registerReport } from '../../src/cli/report.js';
import { runCommand, tinyDemoRun, type TinyRun } from '../native/eval-fixture.js';
import { tryLoadAddon } from '../native/train-fixture.js';

const addon = await tryLoadAddon();
const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(chromium);
if (!haveChromium) console.warn(`report test: ${chromium} not found (apt-get install -y chromium); the browser checks are skipped`);
const root = mkdtempSync(path.join(tmpdir(), 'casm-report-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Headless Chromium with a fresh profile and nothing that reaches the network. */
function runChromium(args: string[]): { stdout: string; stderr: string; status: number | null } {
  const profile = mkdtempSync(path.join(root, 'profile-'));
  const r = spawnSync(
    chromium,
    [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--hide-scrollbars', `--user-data-dir=${profile}`, ...args,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

describe.skipIf(!addon)('report (native, CPU)', () => {
  let run: TinyRun;
  let html: string;
  const file = path.join(root, 'report.html');
  beforeAll(async () => {
    run = await tinyDemoRun();
    const { stdout } = await runCommand([registerReport], ['report', run.runDir, '--out', file, '--limit', '8', '--examples', '4']);
    expect(stdout).toContain(`report: ${file}`);
    html = readFileSync(file, 'utf8');
  }, 240_000);

  it('is one self-contained file with the tables, the example grid and the curves', () => {
    expect(html).not.toMatch(/<script|<link|<iframe|@import|url\(/i);
    expect(html).not.toMatch(/(src|href)\s*=\s*"(?!data:)/i); // every image inline
    const images = [...html.matchAll(/<img [^>]*src="([^"]*)"/g)].map((m) => m[1]!);
    expect(images).toHaveLength(4 * 5); // 4 examples × original, overlay, masked-in, masked-out, inpainted
    for (const src of images) expect(src).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
    expect(html).toMatch(/<table id="metrics">/);
    expect(html).toContain('CASM (this run)');
    expect(html).toContain('baseline: centre box (margin 5 px)'); // round(33·32/224)
    expect(html).toContain('baseline: whole image');
    expect(html).toMatch(/<table id="mask-stats">/);
    expect((html.match(/<svg /g) ?? []).length).toBe(4);
    expect(html).toContain('Training losses');
    expect(html).toMatch(/<polyline [^>]*points="[\d., ]+"/);
  });

  it.skipIf(!haveChromium)('renders in headless Chromium: images decode, the screenshot is not blank', async () => {
    // A copy of the page with a probe that records, after load, what the browser made of the images.
    const probe = path.join(root, 'probe.html');
    const script = `<script>addEventListener('load', () => { const imgs = [...document.images];
      document.body.dataset.images = imgs.length; document.body.dataset.decoded = imgs.filter((i) => i.complete && i.naturalWidth > 0).length;
      document.body.dataset.svgs = document.querySelectorAll('svg').length; document.body.dataset.height = document.body.scrollHeight; });</script>`;
    writeFileSync(probe, html.replace('</body>', `${script}</body>`));
    const dom = runChromium(['--virtual-time-budget=10000', '--dump-dom', pathToFileURL(probe).href]);
    expect(dom.status, dom.stderr).toBe(0);
    const attr = (name: string) => Number(new RegExp(`data-${name}="(\\d+)"`).exec(dom.stdout)?.[1] ?? NaN);
    expect(attr('images')).toBe(20);
    expect(attr('decoded')).toBe(20);
    expect(attr('svgs')).toBe(4);
    expect(attr('height')).toBeGreaterThan(600);

    const shot = path.join(process.env.CASM_REPORT_SCREENSHOT_DIR ?? root, 'report.png');
    const r = runChromium([`--screenshot=${shot}`, '--window-size=1200,1600', pathToFileURL(file).href]);
    expect(existsSync(shot), r.stderr).toBe(true);
    const meta = await sharp(shot).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 1200, 1600]);
    const stats = await sharp(shot).stats();
    // A blank or failed page is one flat colour; the report has text, tables and images.
    for (const ch of stats.channels.slice(0, 3)) expect(ch.stdev).toBeGreaterThan(10);
    expect(stats.entropy).toBeGreaterThan(0.5);
  });

  it('eval --report writes the same kind of page at the end of an evaluation', async () => {
    const out = path.join(root, 'from-eval.html');
    const { stdout } = await runCommand([registerEval], ['eval', '--checkpoint', run.runDir, '--data', run.data, '--limit', '4', '--report', out]);
    expect(stdout).toContain(`report: ${out}`);
    const page = readFileSync(out, 'utf8');
    expect(page).toContain('4 images with boxes of split &quot;val&quot;');
    expect([...page.matchAll(/<img /g)]).toHaveLength(6 * 5); // the default 6 examples
  });
});
