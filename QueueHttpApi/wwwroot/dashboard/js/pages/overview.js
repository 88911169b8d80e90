// Overview: per-queue depth, throughput, average processing time, live workers and their tasks, store
// mode and last backup age. Refreshed on every event of /ws/events (at most once a second) and every 5 s.
import { h, replace, count, duration, ago, taskLink, statuses, statusLabel } from '../dom.js';
import { getWorkers, getHealth } from '../api.js';
import { onStats, refreshStats, currentStats } from '../stats.js';
import { chart } from '../throughput.js';
import { watchEvents } from '../live.js';
import { showError, clear } from '../messages.js';

export function render(main) {
  const summary = h('dl', { class: 'summary', 'aria-label': 'Service' });
  const queues = h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Queues (scrolls sideways)' });
  const throughput = h('div');
  const workers = h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Workers (scrolls sideways)' });
  const health = h('ul', { class: 'checks' });
  main.append(
    h('h1', { tabindex: -1 }, 'Overview'),
    summary,
    h('section', { 'aria-labelledby': 'queues-heading' }, h('h2', { id: 'queues-heading' }, 'Queues'), queues),
    h('section', { 'aria-labelledby': 'throughput-heading' }, h('h2', { id: 'throughput-heading' }, 'Throughput'), throughput),
    h('section', { 'aria-labelledby': 'workers-heading' }, h('h2', { id: 'workers-heading' }, 'Live workers'), workers),
    h('section', { 'aria-labelledby': 'health-heading' }, h('h2', { id: 'health-heading' }, 'Health'), health));

  let latestHealth = null;
  const showStats = (stats, samples) => {
    renderSummary(summary, stats, latestHealth);
    renderQueues(queues, stats);
    replace(throughput, chart(samples, Math.max(280, Math.floor(throughput.clientWidth - 18))));
  };

  let stopped = false;
  let sideBusy = false;
  let lastSide = 0;
  const readSideData = async () => {
    if (stopped || sideBusy) return; // one read at a time
    sideBusy = true;
    lastSide = Date.now();
    try {
      const list = await getWorkers();
      if (stopped) return;
      clear('workers');
      renderWorkers(workers, list);
    } catch (error) {
      if (!stopped) showError(error, 'workers', 'Could not read the workers');
    }
    try {
      const read = await getHealth();
      if (stopped) return;
      latestHealth = read;
      clear('health');
      renderHealth(health, latestHealth);
      if (currentStats()) renderSummary(summary, currentStats(), latestHealth);
    } catch (error) {
      if (!stopped) showError(error, 'health', 'Could not read the health report');
    } finally {
      sideBusy = false;
    }
  };

  const unsubscribe = onStats(showStats);
  // Events re-read the workers and health at most once a second (at once when the last read is older than that).
  let sideTimer = null;
  const refreshSide = () => {
    if (sideTimer) return;
    sideTimer = setTimeout(() => { sideTimer = null; readSideData(); }, Math.max(0, lastSide + 1000 - Date.now()));
  };
  // Every 5 s whatever the feed does (a worker's "last seen" moves without events); the feed's own poll only
  // re-reads /stats, so nothing is read twice while polling.
  const interval = setInterval(readSideData, 5000);
  const feed = watchEvents({
    onEvent: () => { refreshStats(); refreshSide(); },
    poll: () => refreshStats(),
    pollMs: 5000,
  });
  if (currentStats()) refreshStats();
  readSideData();

  return {
    stop() {
      stopped = true;
      unsubscribe();
      clearInterval(interval);
      clearTimeout(sideTimer);
      feed.stop();
    },
  };
}

function renderSummary(element, stats, health) {
  const backup = health?.checks?.backup;
  let backupText = 'unknown';
  if (backup) {
    const data = backup.data ?? {};
    if (data.lastBackupAt) backupText = `${ago(data.ageSeconds)}${backup.status !== 'Healthy' ? ` (${backup.status})` : ''}`;
    else backupText = backup.description ?? 'none yet';
  }
  const storeText = { redis: 'Redis', memory: 'In memory', 'memory-fallback': 'In memory (Redis unreachable: fallback)' }[stats.store] ?? stats.store;
  const items = [
    ['Store', h('span', { 'data-field': 'store', class: stats.store === 'memory-fallback' ? 'warn' : '' }, storeText)],
    ['Live workers', h('span', { 'data-field': 'workers' }, count(stats.workers))],
    ['Average processing time', h('span', { 'data-field': 'average' }, duration(stats.totals.averageProcessingSeconds))],
    ['Oldest queued task waiting', duration(stats.totals.oldestQueuedAgeSeconds)],
    ['Last backup', h('span', { 'data-field': 'backup' }, backupText)],
    ['Health', h('span', { 'data-field': 'health' }, health?.status ?? '…')],
  ];
  replace(element, items.map(([term, value]) => h('div', {}, h('dt', {}, term), h('dd', {}, value))));
}

function renderQueues(element, stats) {
  const names = Object.keys(stats.queues).sort();
  const row = (label, q, header) => h('tr', {},
    h('th', { scope: 'row' }, header ?? label),
    statuses.map(s => h('td', { 'data-status': s }, s === 'queued' || s === 'processing' || s === 'failed'
      ? h('a', { href: `#/tasks?status=${s}${header ? '' : `&type=${encodeURIComponent(label)}`}` }, count(q[s])) : count(q[s]))),
    h('td', {}, duration(q.averageProcessingSeconds)),
    h('td', {}, count(q.workers)),
    h('td', {}, count(q.enqueuedTotal)));
  replace(element, h('table', { class: 'queues' },
    h('caption', {}, 'Tasks per queue and status (completed, failed, cancelled: still retained)'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Queue'), statuses.map(s => h('th', { scope: 'col' }, statusLabel(s))),
      h('th', { scope: 'col' }, 'Avg processing'), h('th', { scope: 'col' }, 'Workers'), h('th', { scope: 'col' }, 'Submitted ever'))),
    h('tbody', {}, names.length === 0 ? h('tr', {}, h('td', { colspan: 10 }, 'No queue has tasks yet.')) : names.map(n => row(n, stats.queues[n]))),
    h('tfoot', {}, row('total', stats.totals, 'All queues'))));
}

function renderWorkers(element, list) {
  if (list.items.length === 0) {
    replace(element, h('p', { class: 'empty' }, 'No live worker. Queued tasks wait until one starts.'));
    return;
  }
  replace(element, h('table', { class: 'workers' },
    h('caption', {}, `${count(list.total)} live worker${list.total === 1 ? '' : 's'}`),
    h('thead', {}, h('tr', {}, ['Worker', 'Host / pid', 'Queues', 'Concurrency', 'Running', 'Last seen'].map(c => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, list.items.map(w => h('tr', {},
      h('th', { scope: 'row' }, w.id),
      h('td', {}, `${w.host} / ${w.pid}`),
      h('td', {}, w.queues.join(', ')),
      h('td', {}, count(w.concurrency)),
      h('td', {}, w.currentTasks.length === 0 ? 'idle' : h('ul', { class: 'plain' }, w.currentTasks.map(id => h('li', {}, taskLink(id))))),
      h('td', {}, new Date(w.lastSeen).toLocaleTimeString()))))));
}

function renderHealth(element, report) {
  replace(element, Object.entries(report.checks ?? {}).map(([name, check]) =>
    h('li', { class: `check check-${check.status.toLowerCase()}` },
      h('strong', {}, `${name}: ${check.status}`), check.description ? ` — ${check.description}` : '')));
}
