// Tasks: a filtered, paged table read from GET /tasks (limit/offset: one page per read, so it stays
// fast at a million tasks). Filters live in the address (#/tasks?status=queued&type=…&offset=50), so a
// view can be bookmarked. Refreshed on events (at most once a second) or every 3 s without the feed.
import { h, replace, count, time, taskState, taskLink, statuses, statusLabel } from '../dom.js';
import { listTasks } from '../api.js';
import { currentStats, onStats } from '../stats.js';
import { watchEvents } from '../live.js';
import { showError, clear } from '../messages.js';

const pageSize = 25;
const knownTypes = ['risk-detection', 'transcription'];

export function render(main, params) {
  let filter = read(params.query);
  const status = h('select', { id: 'filter-status', name: 'status' },
    h('option', { value: '' }, 'Any status'), statuses.map(s => h('option', { value: s }, statusLabel(s))));
  const type = h('select', { id: 'filter-type', name: 'type' }, h('option', { value: '' }, 'Any type'));
  const types = new Set();
  const addTypes = names => {
    for (const name of names) {
      if (types.has(name)) continue;
      types.add(name);
      type.append(h('option', { value: name }, name));
    }
  };
  addTypes(knownTypes);
  if (currentStats()) addTypes(Object.keys(currentStats().queues).sort());
  const unsubscribe = onStats(stats => addTypes(Object.keys(stats.queues).sort()));

  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter tasks', onsubmit: e => e.preventDefault() },
    h('div', { class: 'field' }, h('label', { for: 'filter-status' }, 'Status'), status),
    h('div', { class: 'field' }, h('label', { for: 'filter-type' }, 'Type'), type));
  const navigate = next => {
    const query = new URLSearchParams();
    if (next.status) query.set('status', next.status);
    if (next.type) query.set('type', next.type);
    if (next.offset) query.set('offset', next.offset);
    const text = query.toString();
    location.hash = `#/tasks${text ? `?${text}` : ''}`;
  };
  status.addEventListener('change', () => navigate({ ...filter, status: status.value, offset: 0 }));
  type.addEventListener('change', () => navigate({ ...filter, type: type.value, offset: 0 }));

  const summary = h('p', { class: 'page-summary', role: 'status', 'aria-live': 'polite' }, 'Loading…');
  const table = h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Tasks (scrolls sideways)' });
  const previous = h('button', { type: 'button', onclick: () => navigate({ ...filter, offset: Math.max(0, filter.offset - pageSize) }) }, '← Previous page');
  const next = h('button', { type: 'button', onclick: () => navigate({ ...filter, offset: filter.offset + pageSize }) }, 'Next page →');
  main.append(h('h1', { tabindex: -1 }, 'Tasks'), form, summary, table, h('nav', { class: 'pager', 'aria-label': 'Pages' }, previous, next));

  let reading = false;
  let again = false;
  let throttle = null;
  let stopped = false;
  const load = async () => {
    if (stopped) return;
    if (reading) { again = true; return; }
    reading = true;
    const asked = filter;
    try {
      const page = await listTasks({ ...asked, limit: pageSize });
      if (stopped || asked !== filter) return; // the page was left, or the filters changed and that read is under way
      clear('tasks');
      show(page);
    } catch (error) {
      if (!stopped) showError(error, 'tasks', 'Could not list the tasks');
    } finally {
      reading = false;
      if (again) { again = false; load(); }
    }
  };
  const show = page => {
    const first = page.total === 0 ? 0 : page.offset + 1;
    const last = page.offset + page.items.length;
    const what = [filter.status && statusLabel(filter.status).toLowerCase(), filter.type].filter(Boolean).join(' ');
    summary.textContent = page.total === 0
      ? `No ${what ? `${what} ` : ''}tasks.`
      : `Showing ${count(first)}–${count(last)} of ${count(page.total)} ${what ? `${what} ` : ''}tasks.`;
    previous.disabled = page.offset === 0;
    next.disabled = last >= page.total;
    replace(table, h('table', { class: 'tasks' },
      h('caption', { class: 'visually-hidden' }, 'Tasks'),
      h('thead', {}, h('tr', {}, ['Task', 'Type', 'State', 'Priority', 'Attempts', 'Submitted'].map(c => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, page.items.map(t => h('tr', { 'data-task-id': t.id },
        h('th', { scope: 'row' }, taskLink(t.id, shortId(t.id))),
        h('td', {}, t.type),
        h('td', {}, taskState(t)),
        h('td', {}, count(t.priority)),
        h('td', {}, `${t.attempts} of ${t.maxRetries + 1}`),
        h('td', {}, time(t.createdAt)))))));
  };
  const apply = () => {
    status.value = filter.status;
    if (filter.type) addTypes([filter.type]);
    type.value = filter.type;
    load();
  };
  apply();

  const feed = watchEvents({
    onEvent: () => {
      if (throttle) return;
      throttle = setTimeout(() => { throttle = null; load(); }, 1000);
    },
    poll: load,
    pollMs: 3000,
  });
  return {
    update(next) {
      filter = read(next.query);
      apply();
    },
    stop() {
      stopped = true;
      unsubscribe();
      clearTimeout(throttle);
      feed.stop();
    },
  };
}

function read(query) {
  const offset = Number.parseInt(query.get('offset') ?? '0', 10);
  return { status: query.get('status') ?? '', type: query.get('type') ?? '', offset: Number.isFinite(offset) && offset > 0 ? offset : 0 };
}

// The time-ordered ids share their first characters within a few minutes; the end tells them apart.
function shortId(id) {
  return id.length > 16 ? `…${id.slice(-12)}` : id;
}
