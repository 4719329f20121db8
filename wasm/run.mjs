// run.mjs - runs a WASI command module in node, standard input, output and
// error its own:   node wasm/run.mjs build/wasm/optlab.wasm trace sgd --lr=0.1
// Node makes a pipe non-blocking, and WASI's writes to a full pipe are lost:
// send long output to a file (wasm/test_wasm.mjs does), not through a pipe.
import { readFile } from 'node:fs/promises';
import { argv, exit } from 'node:process';
import { WASI } from 'node:wasi';

const wasi = new WASI({ version: 'preview1', args: argv.slice(2), env: {}, returnOnExit: true });
const module = await WebAssembly.compile(await readFile(argv[2]));
// wasiImport, not getImportObject(): node 18 (Debian bookworm's) has only the first.
const instance = await WebAssembly.instantiate(module, { wasi_snapshot_preview1: wasi.wasiImport });
exit(wasi.start(instance));
