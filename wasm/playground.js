// playground.js - the HTML book's interactive figures. Each
// <div class="playground" data-config="{...}"> becomes a contour map of a
// problem, one path per run, and a slider per setting; moving a slider runs
// the chapter's own C optimizer again (build/wasm/playground.wasm, compiled
// from wasm/playground.c) and redraws. No framework, no network: the module
// comes base64-encoded in playground-wasm.js, so that the book's folder
// works opened from disk.
//
// A figure's config (JSON, written in the chapter):
//   problem, kappa        a problem of optlab's (ravine, rosenbrock, saddle)
//   start: [x, y]         where every run starts
//   view: [x0, x1, y0, y1]  the part of the plane drawn
//   steps                 the steps of every run (a slider may change it)
//   runs: [{label, optimizer, settings}]   settings as optlab takes them,
//                         "{key}" replaced by the slider of that key, and
//                         "{key*0.5}" by its value times 0.5
//   sliders: [{key, label, min, max, value, log, integer}]
'use strict';

(function () {
  const COLORS = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf',
                  '#7f7f7f', '#bcbd22', '#393b79', '#637939'];
  const encoder = new TextEncoder(), decoder = new TextDecoder();

  // The few WASI calls wasi-libc makes in a module that reads no files: the
  // environment is empty, output goes to the console, exit is an error.
  function wasiImports(memory) {
    const view = () => new DataView(memory().buffer);
    return {
      environ_sizes_get(countOut, sizeOut) {
        view().setUint32(countOut, 0, true);
        view().setUint32(sizeOut, 0, true);
        return 0;
      },
      environ_get() { return 0; },
      fd_close() { return 0; },
      fd_seek() { return 70; },   // ESPIPE: nothing here can seek
      fd_write(fd, iovs, count, writtenOut) {
        let text = '', total = 0;
        for (let i = 0; i < count; i++) {
          const at = view().getUint32(iovs + 8 * i, true), len = view().getUint32(iovs + 8 * i + 4, true);
          text += decoder.decode(new Uint8Array(memory().buffer, at, len));
          total += len;
        }
        if (text.trim()) console.warn('playground: ' + text.trim());
        view().setUint32(writtenOut, total, true);
        return 0;
      },
      proc_exit(code) { throw new Error('playground: the module exited with status ' + code); },
    };
  }

  let compiled = null;   // one compilation, an instance per run
  function module() {
    if (!compiled) {
      const bytes = Uint8Array.from(atob(window.PLAYGROUND_WASM), (c) => c.charCodeAt(0));
      compiled = WebAssembly.compile(bytes);
    }
    return compiled;
  }

  // One run: an instance of the module, which keeps one run at a time.
  async function newRun() {
    let instance = null;
    const memory = () => instance.exports.memory;
    instance = await WebAssembly.instantiate(await module(), { wasi_snapshot_preview1: wasiImports(memory) });
    instance.exports._initialize();
    const e = instance.exports;
    const strings = (...values) => {
      let at = e.pg_buffer();
      return values.map((value) => {
        const bytes = encoder.encode(value + '\0');
        new Uint8Array(e.memory.buffer).set(bytes, at);
        const here = at;
        at += bytes.length;
        return here;
      });
    };
    const cString = (p) => {
      const m = new Uint8Array(e.memory.buffer);
      let end = p;
      while (m[end]) end++;
      return decoder.decode(m.subarray(p, end));
    };
    return {
      // The path and losses of `steps` steps, or {error} if the settings are refused.
      run(problem, optimizer, settings, kappa, start, steps) {
        const [p, o, s] = strings(problem, optimizer, settings);
        if (e.pg_start(p, o, s, kappa, start[0], start[1]) !== 0) return { error: cString(e.pg_error()) };
        e.pg_run(steps);
        const taken = e.pg_steps();
        return {
          taken,
          path: new Float32Array(e.memory.buffer, e.pg_path(), 2 * (taken + 1)).slice(),
          losses: new Float64Array(e.memory.buffer, e.pg_losses(), taken + 1).slice(),
        };
      },
      lossAt: (x, y) => e.pg_loss_at(x, y),
    };
  }

  function sliderValue(s, position) {   // position in [0, 1000]
    const t = position / 1000;
    let v = s.log ? s.min * Math.pow(s.max / s.min, t) : s.min + (s.max - s.min) * t;
    if (s.integer) v = Math.round(v);
    return Number(v.toPrecision(3));
  }
  function sliderPosition(s, value) {
    const t = s.log ? Math.log(value / s.min) / Math.log(s.max / s.min) : (value - s.min) / (s.max - s.min);
    return Math.round(1000 * Math.min(1, Math.max(0, t)));
  }

  function element(tag, attributes, parent) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attributes || {})) {
      if (k === 'text') node.textContent = v;
      else node.setAttribute(k, v);
    }
    if (parent) parent.appendChild(node);
    return node;
  }

  // The loss over the view as bands of log10(loss): a contour map drawn as
  // an image, computed once per figure.
  function drawMap(context, width, height, config, lossAt) {
    const [x0, x1, y0, y1] = config.view, cell = 3;
    const values = [];
    for (let j = 0; j < height; j += cell)
      for (let i = 0; i < width; i += cell) {
        const x = x0 + (x1 - x0) * (i + cell / 2) / width, y = y1 - (y1 - y0) * (j + cell / 2) / height;
        values.push(Math.log10(Math.max(lossAt(x, y) - (config.floor || 0), 1e-12)));
      }
    // A loop, not Math.min(...values): tens of thousands of arguments can
    // overflow the call stack.
    let lo = Infinity, hi = -Infinity;
    for (const v of values) if (Number.isFinite(v)) lo = Math.min(lo, v), hi = Math.max(hi, v);
    let k = 0;
    for (let j = 0; j < height; j += cell)
      for (let i = 0; i < width; i += cell) {
        const t = Number.isFinite(values[k]) ? (values[k] - lo) / (hi - lo || 1) : 1;
        const band = Math.floor(t * 12) / 12;   // bands: contour lines where they meet
        const light = 96 - 40 * band;
        context.fillStyle = `hsl(210, 30%, ${light}%)`;
        context.fillRect(i, j, cell, cell);
        k++;
      }
    return context.getImageData(0, 0, width, height);
  }

  // A step between ticks of 1, 2 or 5 times a power of ten, about 6 ticks.
  function tickStep(range) {
    const raw = range / 6, power = Math.pow(10, Math.floor(Math.log10(raw)));
    return power * (raw / power < 1.5 ? 1 : raw / power < 3.5 ? 2 : 5);
  }

  // Ticks and their numbers along the bottom and left edges, inside the map.
  function drawAxes(context, width, height, view) {
    const [x0, x1, y0, y1] = view;
    context.fillStyle = '#333';
    context.strokeStyle = '#333';
    context.lineWidth = 1;
    context.font = '12px sans-serif';
    const xs = tickStep(x1 - x0), ys = tickStep(y1 - y0);
    context.textAlign = 'center';
    context.textBaseline = 'bottom';
    for (let x = Math.ceil(x0 / xs) * xs; x <= x1; x += xs) {
      const px = (x - x0) / (x1 - x0) * width;
      if (px < 30 || px > width - 15) continue;   // clear of the corner and the edge
      context.beginPath();
      context.moveTo(px, height);
      context.lineTo(px, height - 6);
      context.stroke();
      context.fillText(String(Number(x.toPrecision(6))), px, height - 8);
    }
    context.textAlign = 'left';
    context.textBaseline = 'middle';
    for (let y = Math.ceil(y0 / ys) * ys; y <= y1; y += ys) {
      const py = (y1 - y) / (y1 - y0) * height;
      if (py < 10 || py > height - 24) continue;   // clear of the x numbers
      context.beginPath();
      context.moveTo(0, py);
      context.lineTo(6, py);
      context.stroke();
      context.fillText(String(Number(y.toPrecision(6))), 9, py);
    }
  }

  async function figure(div) {
    const config = JSON.parse(div.dataset.config);
    const sliders = config.sliders || [];
    const values = Object.fromEntries(sliders.map((s) => [s.key, s.value]));
    if (!('steps' in values)) values.steps = config.steps;
    div.textContent = '';
    const canvas = element('canvas', { width: 640, height: Math.round(640 * (config.view[3] - config.view[2]) /
                                                                    (config.view[1] - config.view[0])),
                                       role: 'img', 'aria-label': `The paths of ${config.runs.map((r) => r.label)
                                         .join(', ')} on ${config.problem}; their losses are listed below.` }, div);
    canvas.style.width = '100%';
    const controls = element('div', { class: 'playground-controls' }, div);
    const status = element('p', { class: 'playground-status', 'aria-live': 'polite' }, div);
    const context = canvas.getContext('2d');
    const runs = await Promise.all(config.runs.map(() => newRun()));
    // The map: the problem made once (a run of no steps), then its loss everywhere.
    const made = runs[0].run(config.problem, config.runs[0].optimizer, '', config.kappa || 0, config.start, 0);
    if (made.error) throw new Error(made.error);
    const map = drawMap(context, canvas.width, canvas.height, config, runs[0].lossAt);
    const toPixel = (x, y) => [(x - config.view[0]) / (config.view[1] - config.view[0]) * canvas.width,
                               (config.view[3] - y) / (config.view[3] - config.view[2]) * canvas.height];

    function redraw() {
      context.putImageData(map, 0, 0);
      const lines = [];
      config.runs.forEach((r, n) => {
        const settings = r.settings.replace(/\{(\w+)(?:\*([0-9.e+-]+))?\}/g, (_, key, factor) =>
          String(factor ? Number((values[key] * Number(factor)).toPrecision(4)) : values[key]));
        const result = runs[n].run(config.problem, r.optimizer, settings, config.kappa || 0, config.start, values.steps);
        const color = COLORS[n % COLORS.length];
        if (result.error) {
          lines.push(`${r.label}: ${result.error}`);
          return;
        }
        context.strokeStyle = color;
        context.fillStyle = color;
        context.lineWidth = 2;
        context.beginPath();
        for (let t = 0; t <= result.taken; t++) {
          const [px, py] = toPixel(result.path[2 * t], result.path[2 * t + 1]);
          if (Math.abs(px) > 1e5 || Math.abs(py) > 1e5) break;   // far off the map: the line would be garbage
          if (t === 0) context.moveTo(px, py);
          else context.lineTo(px, py);
        }
        context.stroke();
        const last = result.losses[result.taken];
        if (result.taken < values.steps || !Number.isFinite(last))
          lines.push(`${r.label}: diverged at step ${result.taken + 1} (the loss is no longer a finite number)`);
        else
          lines.push(`${r.label}: loss ${last.toPrecision(3)} after ${result.taken} steps`);
      });
      drawAxes(context, canvas.width, canvas.height, config.view);
      const [sx, sy] = toPixel(config.start[0], config.start[1]);
      context.fillStyle = '#000';
      context.beginPath();
      context.arc(sx, sy, 4, 0, 2 * Math.PI);
      context.fill();
      status.textContent = '';
      config.runs.forEach((r, n) => {
        const line = element('span', { class: 'playground-run', text: lines[n] }, status);
        line.style.borderLeft = `0.8em solid ${COLORS[n % COLORS.length]}`;
      });
    }

    for (const s of sliders) {
      const label = element('label', {}, controls);
      element('span', { text: (s.label || s.key) + ' ' }, label);
      const input = element('input', { type: 'range', min: 0, max: 1000, value: sliderPosition(s, s.value),
                                       'data-key': s.key }, label);
      const shown = element('output', { text: String(s.value) }, label);
      input.addEventListener('input', () => {
        values[s.key] = sliderValue(s, Number(input.value));
        shown.textContent = String(values[s.key]);
        redraw();
      });
    }
    redraw();
    div.classList.add('playground-ready');
  }

  function start() {
    if (!window.PLAYGROUND_WASM || typeof WebAssembly !== 'object') return;   // the static figure stays
    for (const div of document.querySelectorAll('div.playground[data-config]'))
      figure(div).catch((error) => {
        div.textContent = 'This interactive figure could not start: ' + error.message;
        console.error(error);
      });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
