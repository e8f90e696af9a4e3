// The README's first command: builds chat and feed, declares their topology, runs both and shows a message flow.
import { spawn, spawnSync } from 'node:child_process';
import { createConnection } from 'node:net';
import { join, resolve } from 'node:path';
import { bundle } from './bundle-app.mjs';

const root = resolve(import.meta.dirname, '../..');
const amqpUrl = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const ports = {
  chat: { http: process.env.CHAT_HTTP_PORT ?? '3000', health: process.env.CHAT_HEALTH_PORT ?? '8081' },
  feed: { http: process.env.FEED_HTTP_PORT ?? '3001', health: process.env.FEED_HEALTH_PORT ?? '8082' },
};
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' };
const children = [];

function say(line) {
  process.stdout.write(`[demo] ${line}\n`);
}

function brokerAnswers(url) {
  const { hostname, port } = new URL(url.split(',')[0]);
  return new Promise((done) => {
    const socket = createConnection({ host: hostname || '127.0.0.1', port: Number(port || 5672) });
    const finish = (ok) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(1_500, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

function run(name, args, extraEnv) {
  const child = spawn(process.execPath, ['--enable-source-maps', ...args], { cwd: root, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (stream, out) => {
    let rest = '';
    stream.on('data', (chunk) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) out.write(`[${name}] ${line}\n`);
    });
  };
  prefix(child.stdout, process.stdout);
  prefix(child.stderr, process.stderr);
  child.on('exit', (code, signal) => {
    if (!shuttingDown) {
      say(`${name} exited (${signal ?? code}); stopping the demo`);
      void shutdown(1);
    }
  });
  children.push(child);
  return child;
}

async function waitReady(name, port, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${name} did not become ready on port ${port} within ${timeoutMs} ms`);
}

let shuttingDown = false;
async function shutdown(code) {
  if (shuttingDown) return;
  shuttingDown = true;
  say('stopping (draining in-flight messages)...');
  await Promise.all(
    children.map((child) => new Promise((done) => (child.exitCode !== null ? done() : (child.once('exit', done), child.kill('SIGTERM'))))),
  );
  say('stopped');
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

const withBroker = await brokerAnswers(amqpUrl);
if (withBroker) {
  say('building chat and feed (nx build)...');
  const built = spawnSync('npx', ['nx', 'run-many', '-t', 'build', '-p', 'chat', 'feed', '--outputStyle=static'], { cwd: root, env, stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
  say(`RabbitMQ answers at ${new URL(amqpUrl.split(',')[0]).host}: declaring topology, then starting chat and feed as two processes`);
  for (const app of ['feed', 'chat']) {
    const applied = spawnSync(process.execPath, [join('dist/apps', app, 'main.mjs'), 'topology', 'apply'], { cwd: root, env: { ...env, AMQP_URL: amqpUrl, LOG_LEVEL: 'warn' }, stdio: 'inherit' });
    if (applied.status !== 0) process.exit(applied.status ?? 1);
  }
  for (const app of ['feed', 'chat']) {
    run(app, [join('dist/apps', app, 'main.mjs')], { AMQP_URL: amqpUrl, HTTP_PORT: ports[app].http, HEALTH_PORT: ports[app].health });
  }
} else {
  say(`No RabbitMQ answers at ${amqpUrl.replace(/\/\/[^@]*@/, '//')}: running chat and feed in one process on the in-memory transport`);
  const outDir = join(root, 'dist/demo');
  await bundle('tools/scripts/demo-in-memory.ts', outDir);
  run('chat+feed', [join(outDir, 'main.mjs')], {
    CHAT_HTTP_PORT: ports.chat.http, CHAT_HEALTH_PORT: ports.chat.health, FEED_HTTP_PORT: ports.feed.http, FEED_HEALTH_PORT: ports.feed.health,
  });
}

try {
  await waitReady('feed', ports.feed.health);
  await waitReady('chat', ports.chat.health);
} catch (error) {
  say(error.message);
  await shutdown(1);
}
const chat = `http://127.0.0.1:${ports.chat.http}`;
const posted = await fetch(`${chat}/rooms/demo/messages`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ author: 'wharf', text: 'hello from the demo' }),
}).then((r) => r.json());
say(`posted ${JSON.stringify(posted)}`);
say('');
say(`chat is ready at ${chat}   (health: http://127.0.0.1:${ports.chat.health}/readyz)`);
say(`feed is ready at http://127.0.0.1:${ports.feed.http}   (health: http://127.0.0.1:${ports.feed.health}/readyz)`);
say('try:');
say(`  curl -X POST ${chat}/rooms/general/messages -H 'content-type: application/json' -d '{"author":"ada","text":"hi"}'`);
say(`  curl ${chat}/rooms/general/feed`);
say('Ctrl-C stops both services cleanly.');
say('demo ready');
