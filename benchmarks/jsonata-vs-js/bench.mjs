// Reference side of the JSONata comparison: jsonata-js 2.x on Node, same data file, same method as the .NET side
// (compile once, warm up, timed rounds of a fixed length, median round).
//
//   node bench.mjs [mappings.json] [--rounds 7] [--round-ms 200] [--warmup-ms 500]   standalone: prints its own table
//   node bench.mjs --serve                                                          driven over stdin/stdout by the
//        .NET side (`jsonata-compare`), which interleaves its rounds with ours: one JSON command per line, one JSON reply.
//
// jsonata-js 2.x `evaluate` returns a Promise; every evaluation is awaited (that is the reference's real cost).
import jsonata from 'jsonata';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const now = () => process.hrtime.bigint();

function load(file) {
  const data = JSON.parse(readFileSync(file, 'utf8'));
  const map = new Map();
  for (const m of data.mappings) {
    const input = data.inputs[m.input];
    if (input === undefined) throw new Error(`mapping ${m.name}: no input named ${m.input}`);
    map.set(m.name, { ...m, inputValue: input, compiled: jsonata(m.expression), batch: 1 });
  }
  return map;
}

// Runs `op` in batches of `batch` calls until `ms` have passed; returns calls and elapsed nanoseconds.
async function timedAsync(op, batch, ms) {
  const limit = BigInt(Math.round(ms * 1e6));
  let ops = 0;
  const start = now();
  let elapsed = 0n;
  do {
    for (let i = 0; i < batch; i++) await op();
    ops += batch;
    elapsed = now() - start;
  } while (elapsed < limit);
  return { ops, ns: Number(elapsed) };
}

function timedSync(op, batch, ms) {
  const limit = BigInt(Math.round(ms * 1e6));
  let ops = 0;
  const start = now();
  let elapsed = 0n;
  do {
    for (let i = 0; i < batch; i++) op();
    ops += batch;
    elapsed = now() - start;
  } while (elapsed < limit);
  return { ops, ns: Number(elapsed) };
}

// Calls per batch so that one batch takes about 1 ms (fewer clock reads; the same rule as the .NET side).
const batchFor = (r) => Math.max(1, Math.round(r.ops / (r.ns / 1e6)));

let sink;
const evalOp = (m) => async () => { sink = await m.compiled.evaluate(m.inputValue); };
const compileOp = (m) => () => { sink = jsonata(m.expression); };

async function warmup(m, ms) {
  const r = await timedAsync(evalOp(m), 1, ms);
  m.batch = batchFor(r);
  const c = timedSync(compileOp(m), 1, Math.max(50, ms / 5));
  m.compileBatch = batchFor(c);
  return { ...r, batch: m.batch };
}

async function result(m) {
  try {
    const r = await m.compiled.evaluate(m.inputValue);
    return r === undefined ? { undefined: true } : { result: JSON.parse(JSON.stringify(r)) };
  } catch (e) {
    return { error: `${e.code ?? ''} ${e.message}` };
  }
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

if (process.argv.includes('--serve')) {
  let mappings = new Map();
  const get = (name) => { const m = mappings.get(name); if (!m) throw new Error(`no mapping ${name}`); return m; };
  const rl = createInterface({ input: process.stdin, terminal: false });
  for await (const line of rl) {
    if (!line.trim()) continue;
    let reply;
    try {
      const c = JSON.parse(line);
      switch (c.cmd) {
        case 'load': mappings = load(c.file); reply = { count: mappings.size, node: process.version, jsonata: JSON.parse(readFileSync(new URL('./node_modules/jsonata/package.json', import.meta.url), 'utf8')).version }; break;
        case 'result': reply = await result(get(c.name)); break;
        case 'warmup': reply = await warmup(get(c.name), c.ms); break;
        case 'eval': { const m = get(c.name); reply = await timedAsync(evalOp(m), m.batch, c.ms); break; }
        case 'compile': { const m = get(c.name); reply = timedSync(compileOp(m), m.compileBatch ?? 1, c.ms); break; }
        case 'quit': process.exit(0);
        default: throw new Error(`unknown command ${c.cmd}`);
      }
    } catch (e) {
      reply = { fatal: String(e?.stack ?? e) };
    }
    process.stdout.write(JSON.stringify(reply) + '\n');
  }
} else {
  const file = process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : new URL('./mappings.json', import.meta.url).pathname;
  const rounds = arg('--rounds', 7), roundMs = arg('--round-ms', 200), warmupMs = arg('--warmup-ms', 500);
  const mappings = load(file);
  console.log(`jsonata ${JSON.parse(readFileSync(new URL('./node_modules/jsonata/package.json', import.meta.url), 'utf8')).version}, node ${process.version}; ${rounds} rounds of ${roundMs} ms after ${warmupMs} ms warm-up, median round`);
  console.log('| Mapping | evaluations/s | µs/evaluation | compile µs |');
  console.log('|---|---:|---:|---:|');
  for (const m of mappings.values()) {
    const r = await result(m);
    if (r.error) { console.log(`| ${m.name} | error: ${r.error} | | |`); continue; }
    await warmup(m, warmupMs);
    const evals = [], compiles = [];
    for (let i = 0; i < rounds; i++) {
      const e = await timedAsync(evalOp(m), m.batch, roundMs); evals.push(e.ops / (e.ns / 1e9));
      const c = timedSync(compileOp(m), m.compileBatch, roundMs / 2); compiles.push(c.ns / 1e3 / c.ops);
    }
    const ops = median(evals);
    console.log(`| ${m.name} | ${ops.toFixed(0)} | ${(1e6 / ops).toFixed(2)} | ${median(compiles).toFixed(2)} |`);
  }
}
