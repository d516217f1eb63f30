// The app protocol on wss://host/ws, spoken by a real browser's WebSocket against a real server:
// malformed messages get an error reply with a code and a sentence and the connection stays up;
// a bad token is refused; after login the stream list names `demo`.
import assert from 'node:assert/strict';
import { startServer, issueToken, launchChromium } from './lib/harness.mjs';

const server = await startServer({ extraArgs: ['--no-demo', '--stream', 'demo=test://'] });
const browser = await launchChromium();
let failed = false;
try {
  const token = issueToken(server.dataDir, 'demo');
  const page = await browser.newPage();
  await page.goto(`${server.url}/healthz`);
  const result = await page.evaluate(async ({ token }) => {
    const ws = new WebSocket(`wss://${location.host}/ws`);
    const inbox = [];
    const waiters = [];
    ws.onmessage = (e) => {
      const m = JSON.parse(e.data);
      const w = waiters.shift();
      if (w) w(m); else inbox.push(m);
    };
    const next = () => new Promise((resolve, reject) => {
      if (inbox.length) return resolve(inbox.shift());
      const t = setTimeout(() => reject(new Error('no reply within 5 s')), 5000);
      waiters.push((m) => { clearTimeout(t); resolve(m); });
    });
    await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
    const out = {};
    ws.send('{this is not json');
    out.badJson = await next();
    ws.send(JSON.stringify({ type: 'no-such-type', id: 7 }));
    out.unknown = await next();
    ws.send(JSON.stringify({ type: 'list', id: 8 }));
    out.notLoggedIn = await next();
    ws.send(JSON.stringify({ type: 'login', id: 9, token: 'forged.token' }));
    out.badLogin = await next();
    ws.send(JSON.stringify({ type: 'login', id: 10, token }));
    out.login = await next();
    ws.send(JSON.stringify({ type: 'subscribe', id: 11, stream: 'demo', sdp: 'garbage' }));
    out.badOffer = await next();
    ws.send(JSON.stringify({ type: 'list', id: 12 }));
    out.list = await next();
    out.stillOpen = ws.readyState === WebSocket.OPEN;
    ws.close();
    return out;
  }, { token });

  assert.equal(result.badJson.type, 'error');
  assert.equal(result.badJson.code, 'bad-json');
  assert.ok(result.badJson.message.length > 10, 'errors carry a sentence');
  assert.equal(result.unknown.code, 'unknown-type');
  assert.equal(result.unknown.id, 7);
  assert.equal(result.notLoggedIn.code, 'not-logged-in');
  assert.equal(result.badLogin.type, 'error');
  assert.equal(result.badLogin.code, 'unauthorized');
  assert.equal(result.login.ok, true);
  assert.equal(result.badOffer.type, 'error');
  assert.equal(result.badOffer.id, 11);
  assert.equal(result.list.type, 'list');
  assert.ok(result.list.streams.some((s) => s.name === 'demo'), JSON.stringify(result.list));
  assert.equal(result.stillOpen, true, 'bad messages must not close the connection');
  console.log('ws protocol: errors answered, connection stayed open');
} catch (error) {
  failed = true;
  console.error(error);
  console.error(`--- server output ---\n${server.output().slice(-4000)}`);
} finally {
  await browser.close();
  await server.stop();
  server.cleanup();
}
process.exit(failed ? 1 : 0);
