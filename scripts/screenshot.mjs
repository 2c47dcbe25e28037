#!/usr/bin/env node
// The README's picture of the comment: one of `npm run demo`'s pages (the real renderer's
// Markdown, converted by marked) photographed by headless Chromium, cropped to the comment
// and its caption.
//
//   npm run demo && node scripts/screenshot.mjs [page.html] [out.png]
//   defaults: demo-out/03-follow-up-pr.html → docs/comment.png
//
// Installs nothing: it needs Debian's Chromium and a colour emoji font
// (`apt-get install -y chromium fonts-noto-color-emoji`); CHROMIUM=/path overrides the binary.
// Chromium is driven over its DevTools pipe (fd 3/4), so no npm package is needed either.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WIDTH = 940; // the comment frame is 880 px wide, plus the page's padding
const SCALE = 2; // sharp on high-density screens, where most READMEs are read
const MARGIN = 12;

const [input = path.join(REPO, 'demo-out/03-follow-up-pr.html'), output = path.join(REPO, 'docs/comment.png')] = process.argv.slice(2);
const chromium = process.env.CHROMIUM || '/usr/bin/chromium';

if (!existsSync(chromium)) {
  console.error(
    `No Chromium at ${chromium}. On Debian/Ubuntu: sudo apt-get install -y chromium fonts-noto-color-emoji (or set CHROMIUM=/path/to/chromium).`,
  );
  process.exit(1);
}
if (!existsSync(input)) {
  console.error(`No page at ${input}: run \`npm run demo\` first (it writes demo-out/).`);
  process.exit(1);
}

/** A DevTools session over --remote-debugging-pipe: NUL-terminated JSON messages. */
function devtools(child) {
  const pending = new Map();
  const waiters = [];
  let nextId = 1;
  let buffer = '';
  child.stdio[4].on('data', (chunk) => {
    buffer += chunk.toString('utf8');
    let end;
    while ((end = buffer.indexOf('\0')) !== -1) {
      const message = JSON.parse(buffer.slice(0, end));
      buffer = buffer.slice(end + 1);
      if (message.id && pending.has(message.id)) {
        const { resolve, reject } = pending.get(message.id);
        pending.delete(message.id);
        if (message.error) reject(new Error(`${message.error.message} (${message.error.code})`));
        else resolve(message.result);
      } else if (message.method) {
        for (const w of waiters.filter((x) => x.method === message.method)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(message.params);
        }
      }
    }
  });
  return {
    send(method, params = {}, sessionId) {
      const id = nextId++;
      child.stdio[3].write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
      return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
    },
    once(method) {
      return new Promise((resolve) => waiters.push({ method, resolve }));
    },
  };
}

async function main() {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'rds-atlas-shot-'));
  const args = [
    '--headless=new',
    '--remote-debugging-pipe',
    `--user-data-dir=${profile}`,
    '--disable-gpu',
    '--hide-scrollbars',
    '--no-first-run',
    '--no-default-browser-check',
    // Chromium refuses to start as root with its sandbox (containers, CI images).
    ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
    'about:blank',
  ];
  const child = spawn(chromium, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('close', resolve));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    const cdp = devtools(child);
    const { targetId } = await cdp.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: true });
    const page = (method, params) => cdp.send(method, params, sessionId);
    await page('Page.enable');
    await page('Emulation.setDeviceMetricsOverride', { width: WIDTH, height: 900, deviceScaleFactor: SCALE, mobile: false });
    const loaded = cdp.once('Page.loadEventFired');
    await page('Page.navigate', { url: pathToFileURL(path.resolve(input)).href });
    await loaded;
    const { result } = await page('Runtime.evaluate', {
      expression: `document.fonts.ready.then(() => {
        const a = document.querySelector('#comment').getBoundingClientRect();
        const b = (document.querySelector('.caption') ?? document.querySelector('#comment')).getBoundingClientRect();
        return JSON.stringify({ x: a.left, y: a.top, right: Math.max(a.right, b.right), bottom: Math.max(a.bottom, b.bottom) });
      })`,
      awaitPromise: true,
      returnByValue: true,
    });
    const box = JSON.parse(result.value);
    const clip = {
      x: Math.max(0, box.x - MARGIN),
      y: Math.max(0, box.y - MARGIN),
      width: box.right - box.x + 2 * MARGIN,
      height: box.bottom - box.y + 2 * MARGIN,
      scale: 1,
    };
    const shot = await page('Page.captureScreenshot', { format: 'png', clip, captureBeyondViewport: true });
    await writeFile(output, Buffer.from(shot.data, 'base64'));
    console.log(
      `${path.relative(process.cwd(), output)}: ${Math.round(clip.width * SCALE)}×${Math.round(clip.height * SCALE)} px from ${path.relative(process.cwd(), input)}`,
    );
    await cdp.send('Browser.close').catch(() => undefined);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`Chromium could not take the picture: ${err instanceof Error ? err.message : String(err)}\n${stderr.slice(-2_000)}`, {
      cause: err,
    });
  } finally {
    await exited;
    clearTimeout(timer);
    await rm(profile, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
