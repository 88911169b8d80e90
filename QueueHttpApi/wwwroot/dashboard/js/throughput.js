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

/**
 * The chart: one bar per sampling interval, its height the tasks finished per minute in it, over the last
 * minutes, drawn at <width> CSS pixels (no scaling, so the labels stay readable on a phone); the summary
 * is the chart's accessible name and its caption.
 */
export function chart(samples, width = 600) {
  const points = rates(samples);
  const height = 160;
  const left = 36;
  const right = width - 6;
  const bottom = height - 24;
  const now = Date.now();
  const spanMs = Math.max(60000, Math.min(keepMs, now - (samples[0]?.t ?? now)));
  const max = Math.max(1, ...points.map(p => p.perMinute));
  const current = points.at(-1)?.perMinute;
  const minutes = Math.round(spanMs / 60000);
  const summary = points.length === 0
    ? 'Throughput: not enough samples yet (one every 5 seconds while the dashboard is open).'
    : `Throughput: ${current.toFixed(1)} tasks finished per minute now; at most ${max.toFixed(1)} over the last ${minutes} min.`;

  const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': summary, class: 'chart' });
  const x = t => left + ((t - (now - spanMs)) / spanMs) * (right - left);
  const y = v => bottom - (v / max) * (bottom - 8);
  for (let i = 1; i < samples.length; i++) {
    const rate = rates([samples[i - 1], samples[i]])[0];
    if (!rate || rate.perMinute <= 0) continue;
    const x0 = Math.max(left, x(samples[i - 1].t));
    const x1 = Math.max(x0 + 2, x(samples[i].t) - 1);
    root.append(svg('rect', { x: x0.toFixed(1), y: y(rate.perMinute).toFixed(1), width: (x1 - x0).toFixed(1), height: (bottom - y(rate.perMinute)).toFixed(1), class: 'bar' }));
  }
  root.append(svg('line', { x1: left, y1: bottom, x2: right, y2: bottom, class: 'axis' }));
  root.append(svg('line', { x1: left, y1: 6, x2: left, y2: bottom, class: 'axis' }));
  const label = (text, attributes) => {
    const element = svg('text', { class: 'tick', ...attributes });
    element.textContent = text;
    root.append(element);
  };
  label(max >= 10 ? String(Math.round(max)) : max.toFixed(1), { x: left - 4, y: 16, 'text-anchor': 'end' });
  label('0', { x: left - 4, y: bottom, 'text-anchor': 'end' });
  label(`${minutes} min ago`, { x: left, y: height - 6 });
  label('now', { x: right, y: height - 6, 'text-anchor': 'end' });
  label('tasks/min', { x: left + 4, y: 16 });
  return h('figure', { class: 'throughput' }, root, h('figcaption', {}, summary));
}
