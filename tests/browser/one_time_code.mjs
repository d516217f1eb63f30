// A stream that asks for a one-time code: the viewer page asks for it, says so when it is wrong,
// and plays once the current code (computed here from the enrolled secret, RFC 6238) is typed.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { admin, inboundVideo, waitFor, runBrowserTest } from './lib/harness.mjs';

function totp(uri, now = Date.now()) {
  const secret = new URL(uri).searchParams.get('secret');
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(now / 30000)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[19] & 15;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1000000).padStart(6, '0');
}

await runBrowserTest(async ({ server, browser }) => {
  const uri = admin(server.dataDir, 'user', 'one-time-codes', 'demo');
  admin(server.dataDir, 'stream', 'one-time-code', 'demo', 'on');
  const token = admin(server.dataDir, 'token', 'issue', '--user', 'demo');
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  await page.goto(`${server.url}/?stream=demo#token=${token}`);
  await page.waitForSelector('#code-form:not([hidden])');
  assert.match(await page.textContent('#code-prompt'), /one-time code/);

  const right = totp(uri);
  await page.fill('#one-time-code', right === '000000' ? '111111' : '000000');
  await page.click('#code-form button[type=submit]');
  await waitFor(() => page.textContent('#code-prompt'), (t) => /wrong/.test(t), 5000, 'the wrong-code message');
  await page.waitForSelector('#code-form:not([hidden])');

  if (Date.now() % 30000 > 26000) await new Promise((r) => setTimeout(r, 4000));
  await page.fill('#one-time-code', totp(uri));
  await page.click('#code-form button[type=submit]');
  await waitFor(() => inboundVideo(page), (s) => s && s.framesDecoded > 10, 20000, 'playing after the code');
  assert.ok(await page.locator('#code-form').isHidden(), 'the form is gone once playing');
});
