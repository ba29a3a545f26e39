// Line charts as SVG, drawn from numbers only (labels go in as text nodes). Colors come from the stylesheet's
// series classes (s0..s5), so the charts follow the theme.
import { h } from './dom.js';

const NS = 'http://www.w3.org/2000/svg';
function s(tag, attrs, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** 0, 1, 2, 5, 10, 20, 50 … : a round step giving about `ticks` lines up to max. */
function niceMax(max, ticks) {
  if (!(max > 0)) return { top: 1, step: 1 / ticks };
  const raw = max / ticks;
  const pow = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map(f => f * pow).find(v => v >= raw);
  return { top: step * Math.ceil(max / step), step };
}

/**
 * series: [{name, points: [[x, y], ...]}] (x: numbers, e.g. epoch ms); opts: {title, height, xLabel(x),
 * yLabel(y), empty, legend, xMin, xMax (the x range; default: the data's), bucket (draw bars of this x width
 * instead of lines)}. Returns a <div class="chart"> with the SVG and a legend.
 */
export function lineChart(series, opts = {}) {
  const W = 560, H = opts.height || 180, L = 44, R = 8, T = 8, B = 22;
  const all = series.flatMap(se => se.points);
  const box = h('div', { class: 'chart', role: 'img', 'aria-label': opts.title || 'chart' });
  if (opts.title) box.append(h('div', { class: 'chart-title' }, opts.title));
  if (!all.length) {
    box.append(h('div', { class: 'notice' }, opts.empty || 'No data yet.'));
    return box;
  }
  let x0 = opts.xMin ?? Math.min(...all.map(p => p[0]));
  let x1 = opts.xMax ?? Math.max(...all.map(p => p[0]));
  if (x1 === x0) { x0 -= 1; x1 += 1; }
  const { top, step } = niceMax(Math.max(...all.map(p => p[1])), 4);
  const X = x => L + (x - x0) / (x1 - x0) * (W - L - R);
  const Y = y => T + (1 - y / top) * (H - T - B);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`});
  const yLabel = opts.yLabel || (v => String(v));
  for (let k = 0; k * step <= top + step / 2; k++) {
    const v = Number((k * step).toPrecision(6));
    svg.append(s('line', { class: v === 0 ? 'axis' : 'grid', x1: L, x2: W - R, y1: Y(v), y2: Y(v) }));
    svg.append(s('text', { x: L - 4, y: Y(v) + 3, 'text-anchor': 'end' }, yLabel(v)));
  }
  const xLabel = opts.xLabel || (x => String(x));
  let previous = null;
  for (let k = 0; k <= 3; k++) {
    const x = x0 + (x1 - x0) * k / 3;
    const text = xLabel(x);
    if (text === previous) continue; // a short span: one label per distinct value
    previous = text;
    svg.append(s('text', { x: X(x), y: H - 6, 'text-anchor': k === 0 ? 'start' : k === 3 ? 'end' : 'middle' }, text));
  }
  // Bars: each point is a bucket [x, x + bucket); the series stand side by side within it.
  const slot = opts.bucket ? (X(x0 + opts.bucket) - X(x0)) * 0.8 / series.length : 0;
  series.forEach((se, i) => {
    const pts = [...se.points].sort((a, b) => a[0] - b[0]);
    const cls = 's' + (i % 6);
    if (opts.bucket) {
      for (const p of pts) {
        const left = X(p[0]) + (X(x0 + opts.bucket) - X(x0)) * 0.1 + i * slot;
        const bar = s('rect', { class: cls, x: left.toFixed(1), y: Y(p[1]).toFixed(1), width: Math.max(1, slot - 1).toFixed(1),
          height: Math.max(0, Y(0) - Y(p[1])).toFixed(1) });
        bar.append(s('title', null, se.name + ': ' + p[1]));
        svg.append(bar);
      }
    } else if (pts.length === 1) {
      svg.append(s('circle', { class: cls, cx: X(pts[0][0]), cy: Y(pts[0][1]), r: 3 }));
    } else {
      const d = pts.map((p, j) => (j ? 'L' : 'M') + X(p[0]).toFixed(1) + ' ' + Y(p[1]).toFixed(1)).join(' ');
      svg.append(s('path', { class: 'line ' + cls, d }));
    }
  });
  box.append(svg);
  if (series.length > 1 || opts.legend) {
    box.append(h('div', { class: 'legend' }, series.map((se, i) => h('span', null, h('span', { class: 'sw s' + (i % 6) }), se.name))));
  }
  return box;
}
