// race_rates.mjs [BUILD] - the learning rates of the race (book/back/race.md):
// for each problem and optimizer, the learning rate of the quarter decades
// from 1e-4 to 10 (two digits) that leaves the lowest loss after the race's
// steps, run by the playground module itself (BUILD/wasm/playground.wasm).
// wasm/test_wasm.mjs holds the page's numbers to these (raceRates).
import { readFile } from 'node:fs/promises';
import { argv } from 'node:process';
import { pathToFileURL } from 'node:url';
import { WASI } from 'node:wasi';

// The race's runs, by the labels the page gives them.
const OPTIMIZERS = [['SGD', 'sgd', ''], ['momentum', 'sgd', 'momentum=0.9'], ['AdaGrad', 'adagrad', ''],
                    ['RMSProp', 'rmsprop', ''], ['Adam', 'adam', ''], ['Adafactor', 'adafactor', ''],
                    ['Lion', 'lion', '']];
export const RACES = [['rosenbrock', 0, [-1.2, 1], 1000], ['ravine', 20, [4.472, 1], 200]];

// {problem: {label: {lr, loss}}}
export async function raceRates(build) {
  const wasi = new WASI({ version: 'preview1', args: [], env: {} });
  const bytes = await readFile(`${build}/wasm/playground.wasm`);
  const { instance } = await WebAssembly.instantiate(bytes, { wasi_snapshot_preview1: wasi.wasiImport });
  wasi.initialize(instance);
  const e = instance.exports;
  const strings = (...values) => {   // into the module's buffer, one after another
    let at = e.pg_buffer();
    return values.map((value) => {
      const encoded = new TextEncoder().encode(value + '\0');
      new Uint8Array(e.memory.buffer).set(encoded, at);
      at += encoded.length;
      return at - encoded.length;
    });
  };
  const rates = {};
  for (const [problem, kappa, start, steps] of RACES) {
    rates[problem] = {};
    for (const [label, optimizer, extra] of OPTIMIZERS) {
      let best = { loss: Infinity, lr: NaN };
      for (let k = -16; k <= 4; k++) {
        const lr = Number(Math.pow(10, k / 4).toPrecision(2));
        if (e.pg_start(...strings(problem, optimizer, `lr=${lr} ${extra}`), kappa, start[0], start[1]) !== 0)
          throw new Error(`${optimizer}: ${lr} refused`);
        e.pg_run(steps);
        const taken = e.pg_steps(), loss = new Float64Array(e.memory.buffer, e.pg_losses(), taken + 1)[taken];
        if (taken === steps && loss < best.loss) best = { loss, lr };
      }
      rates[problem][label] = best;
    }
  }
  return rates;
}

if (import.meta.url === pathToFileURL(argv[1]).href) {
  const rates = await raceRates(argv[2] ?? 'build');
  for (const [problem, , , steps] of RACES) {
    console.log(`${problem}, ${steps} steps:`);
    for (const [label, best] of Object.entries(rates[problem]))
      console.log(`  ${label.padEnd(10)} lr ${String(best.lr).padEnd(7)} loss ${best.loss.toPrecision(3)}`);
  }
}
