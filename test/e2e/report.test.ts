// The HTML run report as a person sees it: written by `casm-native report` (and by `eval --report`)
// for a model trained on generated demo data, then opened in headless Chromium (Debian's
// `chromium`; scripts/setup.sh --test installs it). Checks: one self-contained file (no script, no
// external resource), the page renders, every <img> decodes (naturalWidth > 0), and a screenshot
// is produced that is not blank.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerEval } from '../../src/cli/eval.js';
import { registerReport } from '../../src/cli/report.js';
import { loadDataset } from '../../src/data/load.js';
import { HANG_MS } from '../budget.js';
import { missing } from '../environment.js';
import { runCommand, type TinyRun, tinyDemoRun } from '../native/eval-fixture.js';
import { tryLoadAddon } from '../native/train-fixture.js';

const addon = await tryLoadAddon();
const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(chromium);
if (!haveChromium)
  console.warn(`report test: ${chromium} not found (apt-get install -y chromium); the browser checks are skipped`);
// The report's charts: losses, accuracies, mask, λr, and the validation LE/F1 of model selection
// (the tiny run's val split has boxes). The page's source and the rendered page must agree.
const CHARTS = 5;
const root = mkdtempSync(path.join(tmpdir(), 'casm-report-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Headless Chromium with a fresh profile and nothing that reaches the network. */
function runChromium(args: string[]): { stdout: string; stderr: string; status: number | null } {
  const profile = mkdtempSync(path.join(root, 'profile-'));
  const r = spawnSync(
    chromium,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--hide-scrollbars',
      `--user-data-dir=${profile}`,
      ...args,
    ],
    { encoding: 'utf8', timeout: HANG_MS },
  );
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

describe.skipIf(missing(addon, 'the compiled addon (bash scripts/setup.sh --test)'))('report (native, CPU)', () => {
  let run: TinyRun;
  let html: string;
  const file = path.join(root, 'report.html');
  beforeAll(async () => {
    run = await tinyDemoRun();
    const { stdout } = await runCommand(
      [registerReport],
      ['report', run.runDir, '--out', file, '--limit', '8', '--examples', '4'],
    );
    expect(stdout).toContain(`report: ${file}`);
    html = readFileSync(file, 'utf8');
  });

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
    expect((html.match(/<svg /g) ?? []).length).toBe(CHARTS);
    expect(html).toContain('Model selection: validation LE');
    expect(html).toMatch(/Final model: step \d+ of \d+, chosen by validation LE/);
    expect(html).toContain('Training losses');
    expect(html).toMatch(/<polyline [^>]*points="[\d., ]+"/);
  });

  it("has the run's settings, each example's predicted class, and boxes drawn on the overlays", async () => {
    const config = JSON.parse(readFileSync(path.join(run.runDir, 'config.json'), 'utf8'));
    const settings = /<table id="settings">(.*?)<\/table>/s.exec(html)?.[1] ?? '';
    const row = (label: string) =>
      new RegExp(`<tr><td>${label}</td><td class="text">([^<]*)</td></tr>`).exec(settings)?.[1];
    expect(row('preset')).toBe(config.preset);
    expect(Number(row('λr \\(at start\\)'))).toBe(config.lambdaR);
    expect(Number(row('learning rate, classifier \\(SGD\\)'))).toBe(config.lr);
    expect(Number(row('learning rate, mapping \\(Adam\\)'))).toBe(config.lrMapping);
    expect(Number(row('seed'))).toBe(config.seed);
    expect(row('data')).toBe(config.data);
    expect(Number(row('steps trained'))).toBeGreaterThan(0);
    const predictions = [...html.matchAll(/predicted: ([^<(]+) \((\d+\.\d)%\)/g)];
    expect(predictions).toHaveLength(4);
    const { classNames } = await loadDataset({ data: run.data, split: 'val' });
    for (const [, name] of predictions) expect(classNames).toContain(name!.trim());
    // Overlays (second image of each row) carry the predicted box in magenta and the truth in white.
    const overlays = [...html.matchAll(/<img src="data:image\/png;base64,([^"]+)" alt="overlay"/g)].map((m) =>
      Buffer.from(m[1]!, 'base64'),
    );
    expect(overlays).toHaveLength(4);
    for (const png of overlays) {
      const { data } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
      let magenta = 0;
      let white = 0;
      for (let p = 0; p < data.length; p += 3) {
        if (data[p] === 255 && data[p + 1] === 0 && data[p + 2] === 255) magenta++;
        if (data[p] === 255 && data[p + 1] === 255 && data[p + 2] === 255) white++;
      }
      expect(magenta).toBeGreaterThan(0);
      expect(white).toBeGreaterThan(0);
    }
  });

  it('--json prints one line: the file, settings, scores and per-example boxes and predictions', async () => {
    const out = path.join(root, 'json.html');
    const { stdout } = await runCommand(
      [registerReport],
      ['report', run.runDir, '--out', out, '--limit', '4', '--examples', '2', '--json'],
    );
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const summary = JSON.parse(lines[0]!);
    expect(summary.file).toBe(out);
    expect(existsSync(out)).toBe(true);
    expect(summary.settings.preset).toBe('L100');
    expect(summary.metrics.map((r: { name: string }) => r.name)).toContain('CASM (this run)');
    expect(summary.examples).toHaveLength(2);
    for (const e of summary.examples) {
      expect(typeof e.predicted).toBe('string');
      expect(e.probability).toBeGreaterThan(0);
      expect(e.groundTruth.length).toBeGreaterThan(0);
    }
    expect(lines[0]).not.toContain('data:image');
  });

  it.skipIf(missing(haveChromium, `chromium (${chromium})`))(
    'renders in headless Chromium: images decode, the screenshot is not blank',
    async () => {
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
      expect(attr('svgs')).toBe(CHARTS);
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
    },
  );

  it('eval writes no report unless asked; --report alone writes <run>/report.html; --json is one line', async () => {
    const copy = path.join(root, 'run-copy');
    cpSync(run.runDir, copy, { recursive: true });
    rmSync(path.join(copy, 'report.html'), { force: true });
    const quiet = await runCommand(
      [registerEval],
      ['eval', '--checkpoint', copy, '--data', run.data, '--limit', '4', '--json'],
    );
    expect(quiet.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(JSON.parse(quiet.stdout).report).toBeNull();
    expect(existsSync(path.join(copy, 'report.html'))).toBe(false);
    const asked = await runCommand(
      [registerEval],
      ['eval', '--checkpoint', copy, '--data', run.data, '--limit', '4', '--report'],
    );
    expect(asked.stdout).toContain(`report: ${path.join(copy, 'report.html')}`);
    expect(readFileSync(path.join(copy, 'report.html'), 'utf8')).toContain('<table id="settings">');
  });

  it('eval --report writes the same kind of page at the end of an evaluation', async () => {
    const out = path.join(root, 'from-eval.html');
    const { stdout } = await runCommand(
      [registerEval],
      ['eval', '--checkpoint', run.runDir, '--data', run.data, '--limit', '4', '--report', out],
    );
    expect(stdout).toContain(`report: ${out}`);
    const page = readFileSync(out, 'utf8');
    expect(page).toContain('4 images with boxes of split &quot;val&quot;');
    expect([...page.matchAll(/<img /g)]).toHaveLength(6 * 5); // the default 6 examples
  });
});
