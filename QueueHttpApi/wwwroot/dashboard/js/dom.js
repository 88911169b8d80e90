// Small DOM and formatting helpers. Text always goes in through textContent, never innerHTML,
// so nothing the API returns (payloads, transcripts, error messages) can inject markup.

/** Creates an element: h('a', { href: '#/', class: 'x' }, 'text', child, [more]). */
export function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'class') element.className = value;
    else if (name in element && typeof value !== 'string') element[name] = value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces every child of the element. */
export function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

const numbers = new Intl.NumberFormat('en-US');
/** 1234 → "1,234"; null → "–". */
export const count = value => (value === null || value === undefined ? '–' : numbers.format(value));

/** Seconds → "850 ms", "12.4 s", "3.2 min", "1.5 h"; null → "–". */
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  if (seconds < 3600) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** An estimated wait as the users read it: "~40 s", "~4 min", "~2 h". */
export function wait(seconds) {
  if (seconds < 60) return `~${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 5400) return `~${Math.round(seconds / 60)} min`;
  return `~${Math.round(seconds / 3600)} h`;
}

/** An ISO time → "2026-11-23 16:24:49" in the browser's time zone; null → "–". */
export function time(iso) {
  if (!iso) return '–';
  const at = new Date(iso);
  const pad = n => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
}

/** Seconds since an ISO time, as "41 s ago", "3 min ago". */
export function ago(seconds) {
  if (seconds === null || seconds === undefined) return 'never';
  return `${duration(seconds)} ago`;
}

const labels = {
  queued: 'Queued', scheduled: 'Scheduled', processing: 'Processing',
  completed: 'Completed', failed: 'Failed', cancelled: 'Cancelled',
};
/** "queued" → "Queued". */
export const statusLabel = status => labels[status] ?? status;

/** The statuses in lifecycle order. */
export const statuses = Object.keys(labels);

/** True for completed, failed and cancelled. */
export const isFinished = status => status === 'completed' || status === 'failed' || status === 'cancelled';

/**
 * What a user sees of a task's state: "Queued (#3) · ~4 min" (pulsing) while it waits, a progress bar with
 * the progress message while it runs, the status otherwise.
 */
export function taskState(task) {
  if (task.status === 'queued') {
    const position = task.queuePosition ? ` (#${count(task.queuePosition)})` : '';
    const eta = task.estimatedWaitSeconds !== null && task.estimatedWaitSeconds !== undefined ? ` · ${wait(task.estimatedWaitSeconds)}` : '';
    return h('span', { class: 'state state-queued pulse', 'data-position': task.queuePosition ?? '' }, `Queued${position}${eta}`);
  }
  if (task.status === 'processing') {
    const percent = task.progress?.percent ?? 0;
    const message = task.progress?.message ?? (task.cancelRequested ? 'Cancel requested' : 'Started');
    return h('span', { class: 'state state-processing' },
      h('progress', { max: 100, value: percent, 'aria-label': `Progress of task ${task.id}` }),
      h('span', { class: 'progress-text' }, `${percent} % · ${message}${task.cancelRequested ? ' (cancel requested)' : ''}`));
  }
  if (task.status === 'scheduled') {
    return h('span', { class: 'state state-scheduled' }, `Scheduled for ${time(task.scheduledFor)}`);
  }
  return h('span', { class: `state state-${task.status}` }, statusLabel(task.status));
}

/** A link to a task's page. */
export const taskLink = (id, text) => h('a', { href: `#/tasks/${encodeURIComponent(id)}` }, text ?? id);
