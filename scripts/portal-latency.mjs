#!/usr/bin/env node
// Portal page latency: requests every portal page of a running node, as a
// browser would (Accept: text/html, keep-alive), `--rounds` times per page
// after a warm-up, from `--clients` concurrent clients, and prints p50, p99
// and max per page in ms. No dependencies beyond Node.js 20.
//
//   node scripts/portal-latency.mjs --url http://127.0.0.1:8700 [--rounds 300] [--clients 1]
//
// docs/benchmarks.md records its figures with the commands that made them.

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []),
);
const url = args.url || 'http://127.0.0.1:8700';
const rounds = Number(args.rounds || 300);
const clients = Number(args.clients || 1);

async function json(path) {
  const r = await fetch(url + path);
  if (!r.ok) throw new Error(`${path}: ${r.status}`);
  return r.json();
}

async function pages() {
  const status = await json('/v1/status');
  height = Math.max(1, status.height);
  const block = await json(`/v1/blocks/${status.height}`);
  const outcomes = (block.block || block).outcomes;
  const tx = outcomes.length ? outcomes[0].tx_id : null;
  const ubi = await json('/v1/programs/ubi');
  return [
    '/', '/explorer', `/explorer/blocks/${status.height}`, `/explorer/blocks/${Math.max(1, Math.floor(status.height / 2))}`,
    ...(tx ? [`/explorer/transactions/${tx}`] : []),
    `/explorer/accounts/${ubi.program.funding_account}`, '/explorer/agencies', '/explorer/agencies/city',
    '/money', '/programs', '/programs/ubi', '/check', '/help', '/search?q=ubi',
    '/explorer/blocks/{h}', '/explorer?page={p}',
  ];
}

// A path with `{h}` asks for a different block each time, spread over the
// chain (cold reads from the block log, not the block the node decoded
// last); `{p}` for a different page of the block list.
let next = 0;
let height = 1;

async function timeOne(pattern) {
  next += 1;
  const path = pattern
    .replace('{h}', () => String(height - ((next * 7919) % height)))
    .replace('{p}', () => String((next % Math.max(1, Math.floor(height / 20))) + 1));
  const start = process.hrtime.bigint();
  const r = await fetch(url + path, { headers: { accept: 'text/html' }, redirect: 'manual' });
  await r.arrayBuffer();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status >= 400) throw new Error(`${path}: ${r.status}`);
  return ms;
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

const list = await pages();
console.log(`portal latency: ${url}, ${rounds} requests per page after 20 of warm-up, ${clients} client(s)`);
console.log('page'.padEnd(48), 'p50 ms'.padStart(8), 'p99 ms'.padStart(8), 'max ms'.padStart(8));
let worst = 0;
for (const path of list) {
  for (let i = 0; i < 20; i++) await timeOne(path);
  const times = [];
  await Promise.all(Array.from({ length: clients }, async () => {
    for (let i = 0; i < Math.ceil(rounds / clients); i++) times.push(await timeOne(path));
  }));
  times.sort((a, b) => a - b);
  const p99 = quantile(times, 0.99);
  worst = Math.max(worst, p99);
  console.log(path.slice(0, 48).padEnd(48), quantile(times, 0.5).toFixed(1).padStart(8), p99.toFixed(1).padStart(8), times[times.length - 1].toFixed(1).padStart(8));
}
console.log(`worst p99: ${worst.toFixed(1)} ms`);
