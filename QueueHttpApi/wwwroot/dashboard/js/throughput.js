// Throughput, as the API has no history of it: the lifetime counters of GET /stats (completedTotal +
// failedTotal) sampled every few seconds while the dashboard is open, kept in this tab's session storage
// for 15 minutes so a reload keeps the chart. The rate between two samples is tasks finished per minute.
import { h } from './dom.js';

const storageKey = 'redisqueue.throughput';
const keepMs = 15 * 60 * 1000;
const svgNs = 'http://www.w3.org/2000/svg';

function load() {
  try { return JSON.parse(sessionStorage.getItem(storageKey)) ?? []; } catch { return []; }
}

/** Records a /stats answer; returns the samples of the last 15 minutes. */
export function record(stats) {
  const samples = load().filter(s => Date.now() - s.t < keepMs);
  const finished = (stats.totals.completedTotal ?? 0) + (stats.totals.failedTotal ?? 0);
  const last = samples.at(-1);
  // A counter that went down is another store (a restart of the embedded mode): start over.
  if (last && finished < last.finished) samples.length = 0;
  samples.push({ t: Date.now(), finished });
  sessionStorage.setItem(storageKey, JSON.stringify(samples));
  return samples;
}

/** Tasks per minute between each pair of samples: [{ t, perMinute }]. */
export function rates(samples) {
  const result = [];
  for (let i = 1; i < samples.length; i++) {
    const seconds = (samples[i].t - samples[i - 1].t) / 1000;
    if (seconds <= 0) continue;
    result.push({ t: samples[i].t, perMinute: ((samples[i].finished - samples[i - 1].finished) / seconds) * 60 });
  }
  return result;
}

function svg(tag, attributes) {
  const element = document.createElementNS(svgNs, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
}

/** The chart: a line of tasks/min over the last minutes, with its summary as the accessible name. */
export function chart(samples) {
  const points = rates(samples);
  const width = 600;
  const height = 160;
  const pad = 28;
  const now = Date.now();
  const spanMs = Math.max(60000, Math.min(keepMs, now - (samples[0]?.t ?? now)));
  const max = Math.max(1, ...points.map(p => p.perMinute));
  const current = points.at(-1)?.perMinute;
  const minutes = Math.round(spanMs / 60000);
  const summary = points.length === 0
    ? 'Throughput: not enough samples yet (one every 5 seconds while this page is open).'
    : `Throughput: ${current.toFixed(1)} tasks finished per minute now; at most ${max.toFixed(1)} over the last ${minutes} min.`;

  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': summary, class: 'chart', preserveAspectRatio: 'none' });
  root.append(svg('line', { x1: pad, y1: height - pad, x2: width - 4, y2: height - pad, class: 'axis' }));
  root.append(svg('line', { x1: pad, y1: 6, x2: pad, y2: height - pad, class: 'axis' }));
  const top = svg('text', { x: pad - 4, y: 14, class: 'tick', 'text-anchor': 'end' });
  top.textContent = max >= 10 ? Math.round(max) : max.toFixed(1);
  const zero = svg('text', { x: pad - 4, y: height - pad, class: 'tick', 'text-anchor': 'end' });
  zero.textContent = '0';
  const left = svg('text', { x: pad, y: height - 8, class: 'tick' });
  left.textContent = `${minutes} min ago`;
  const right = svg('text', { x: width - 4, y: height - 8, class: 'tick', 'text-anchor': 'end' });
  right.textContent = 'now';
  root.append(top, zero, left, right);
  if (points.length > 0) {
    const x = t => pad + ((t - (now - spanMs)) / spanMs) * (width - pad - 4);
    const y = v => height - pad - (v / max) * (height - pad - 8);
    const path = points.map(p => `${x(p.t).toFixed(1)},${y(p.perMinute).toFixed(1)}`).join(' ');
    root.append(svg('polyline', { points: path, class: 'line' }));
  }
  return h('figure', { class: 'throughput' }, root, h('figcaption', {}, summary));
}
