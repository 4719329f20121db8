// test_wasm.mjs BUILD [TAPFILE] - the WebAssembly build against the native
// one (wasm/check-wasm runs it in make test).
//
// Every golden trajectory of tests/golden/ whose optimizer optlab traces is
// run through `optlab trace NAME --state` twice, by BUILD/bin/optlab and by
// BUILD/wasm/optlab.wasm in node, and the two must print the same bytes,
// exit alike and say the same on standard error. Bit for bit, not within
// rounding: both are the same C compiled for IEEE-754 float32 with each
// operation rounded on its own (no fused multiply-add: wasm has none, and
// GCC contracts none in C11 mode), and both print with "%.9g", which names a
// float32 exactly. The native run's lines and the wasm run's lines differ
// only if the arithmetic does. Ends "check-wasm: N passed, M failed", as
// every test runner of `make test`; TAP goes to TAPFILE.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { argv, exit } from 'node:process';
import { WASI } from 'node:wasi';

import { raceRates, RACES } from './race_rates.mjs';

const build = argv[2] ?? 'build';
const native = join(build, 'bin', 'optlab');
const wasm = join(build, 'wasm', 'optlab.wasm');

// optlab's optimizers: `optlab list`, a name at the start of each line.
const listed = spawnSync(native, ['list'], { encoding: 'utf8' });
if (listed.status !== 0) {
  console.error(`cannot run ${native} list: ${listed.stderr}`);
  exit(1);
}
const optimizers = new Set(listed.stdout.split('\n').map((line) => line.split(/\s+/)[0]).filter(Boolean));

// The golden cases (format: common/golden.h): name, optimizer, settings,
// shape, start, then per step a gradient line among others.
function cases(file) {
  const found = [];
  let c = null;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [word, ...rest] = line.trim().split(/\s+/);
    if (word === 'case') found.push((c = { name: rest[0], settings: [], shape: [], grads: [] }));
    else if (!c) continue;
    else if (word === 'optimizer') c.optimizer = rest[0];
    else if (word === 'settings') c.settings = rest;
    else if (word === 'shape') c.shape = rest;
    else if (word === 'param') c.param = rest.join(' ');
    else if (word === 'grad') c.grads.push(rest.join(' '));
  }
  return found.filter((k) => optimizers.has(k.optimizer) && k.param !== undefined);
}

// Lesson 11's and 12's optimizers take AdamW's keywords: AdamW's cases run
// through them too (with their own flags), so that every optimizer is tried.
const ALSO = [['adamw_bf16'], ['adamw_bf16_stochastic'], ['adamw_bf16_master'], ['zero_adamw', 'ranks=3']];
const golden = 'tests/golden';
const all = readdirSync(golden).filter((f) => f.endsWith('.txt')).sort()
  .flatMap((f) => cases(join(golden, f)).map((k) => ({ ...k, file: f })));
for (const k of all.filter((c) => c.file === 'adamw.txt'))
  for (const [name, ...more] of ALSO) all.push({ ...k, optimizer: name, settings: [...k.settings, ...more] });
const missing = [...optimizers].filter((name) => !all.some((k) => k.optimizer === name));
if (missing.length) console.log(`no case for ${missing.join(', ')}`);

// Each run's input and output are files. The WebAssembly optlab runs in
// this process: the module compiled once, a fresh instance per case, its
// WASI standard streams those files: no node started per case, and nothing
// but optlab's own bytes in them (a node that starts may print warnings).
const scratch = join(build, 'wasm', 'test');
mkdirSync(scratch, { recursive: true });
const compiled = await WebAssembly.compile(readFileSync(wasm));
function files(input) {
  const out = join(scratch, 'out'), err = join(scratch, 'err'), inp = join(scratch, 'in');
  writeFileSync(inp, input);
  const fds = [openSync(inp, 'r'), openSync(out, 'w'), openSync(err, 'w')];
  const close = () => {
    fds.forEach((fd) => closeSync(fd));
    return { stdout: readFileSync(out, 'utf8'), stderr: readFileSync(err, 'utf8') };
  };
  return { fds, close };
}
function runNative(args, input) {
  const { fds, close } = files(input);
  const r = spawnSync(native, args, { stdio: fds });
  return { status: r.status, ...close() };
}
async function runWasm(args, input) {
  const { fds, close } = files(input);
  const wasi = new WASI({ version: 'preview1', args: ['optlab', ...args], env: {}, returnOnExit: true,
                          stdin: fds[0], stdout: fds[1], stderr: fds[2] });
  const instance = await WebAssembly.instantiate(compiled, { wasi_snapshot_preview1: wasi.wasiImport });
  const status = wasi.start(instance);
  return { status, ...close() };
}

let passed = 0, failed = 0;
const tap = ['TAP version 13'];
for (const k of all) {
  const args = ['trace', k.optimizer, '--state', ...k.settings.map((s) => `--${s}`)];
  if (k.shape.length > 1) args.push(`--shape=${k.shape.join(',')}`);
  const input = [k.param, ...k.grads].join('\n') + '\n';
  const a = runNative(args, input);
  const b = await runWasm(args, input);
  const same = a.status === b.status && a.stdout === b.stdout && a.stderr === b.stderr;
  const what = `${k.file} ${k.name}: optlab ${args.join(' ')}`;
  if (same) {
    passed++;
    tap.push(`ok ${passed + failed} - ${what}`);
  } else {
    failed++;
    tap.push(`not ok ${passed + failed} - ${what}`);
    console.log(`FAIL ${what}\n  native: exit ${a.status}, ${a.stdout.length} bytes, ${a.stderr.trim()}` +
                `\n  wasm:   exit ${b.status}, ${b.stdout.length} bytes, ${b.stderr.trim()}`);
  }
}
// The race page (book/back/race.md) starts each run at the learning rate
// race_rates.mjs finds: its numbers are the module's, not typed in.
const page = readFileSync('book/back/race.md', 'utf8');
const configs = [...page.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]));
const rates = await raceRates(build);
for (const [problem, , start, steps] of RACES) {
  const config = configs.find((c) => c.problem === problem);
  const what = `the race on ${problem}: each run's learning rate at scale 1 is race_rates.mjs's`;
  const ok = config && config.steps === steps && config.start.join() === start.join() &&
    Object.entries(rates[problem]).every(([label, best]) =>
      config.runs.some((r) => r.label === label && r.settings.includes(`{scale*${best.lr}}`)));
  if (ok) passed++;
  else {
    failed++;
    console.log(`FAIL ${what}: ${JSON.stringify(rates[problem])}`);
  }
  tap.push(`${ok ? 'ok' : 'not ok'} ${passed + failed} - ${what}`);
}
tap.push(`1..${passed + failed}`);
writeFileSync(argv[3] ?? '/dev/null', tap.join('\n') + '\n');
console.log(`check-wasm: ${passed} passed, ${failed} failed`);
exit(failed === 0 && passed > 0 && missing.length === 0 ? 0 : 1);
