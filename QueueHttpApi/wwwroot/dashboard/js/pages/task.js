// Task detail: every field, attempts and error history, the result (a transcript; risk matches
// highlighted in the text), the follow-up task, and live updates over /ws/tasks/{id} (polling every
// second when the socket cannot be used). Cancel and retry for admins.
import { h, replace, count, duration, time, taskState, taskLink, statusLabel, isFinished } from '../dom.js';
import { getTask, cancelTask, retryTask, adminKey } from '../api.js';
import { watchTask, setConnection } from '../live.js';
import { showError, showInfo, clear } from '../messages.js';

export function render(main, params) {
  const id = params.id;
  let task = null;
  let watch = null;
  let stopped = false;

  const heading = h('h1', { tabindex: -1 }, 'Task ', h('span', { class: 'mono' }, id));
  const state = h('div', { class: 'task-state', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' }, 'Loading…');
  const actions = h('div', { class: 'actions' });
  const fields = h('dl', { class: 'fields' });
  const result = h('section', { 'aria-labelledby': 'result-heading' });
  const errors = h('section', { 'aria-labelledby': 'errors-heading' });
  const payload = h('section', { 'aria-labelledby': 'payload-heading' });
  main.append(heading, state, actions, fields, result, errors, payload);

  // Buttons and the result are redrawn only when what they show changed, so a progress event neither
  // moves the keyboard focus off a button nor reloads a transcript.
  let actionsKey = null;
  let resultKey = null;
  const draw = () => {
    if (!task) return;
    replace(state, taskState(task));
    const nextActionsKey = `${task.status}|${task.cancelRequested}|${Boolean(adminKey())}`;
    if (nextActionsKey !== actionsKey) { actionsKey = nextActionsKey; drawActions(); }
    drawFields(fields, task);
    const nextResultKey = `${task.status}|${JSON.stringify(task.result ?? null)}`;
    if (nextResultKey !== resultKey) { resultKey = nextResultKey; drawResult(result, task); }
    drawErrors(errors, task);
    replace(payload, h('h2', { id: 'payload-heading' }, 'Payload'), h('pre', { class: 'json' }, JSON.stringify(task.payload, null, 2)));
  };

  const act = async (button, action, done) => {
    button.disabled = true;
    try {
      task = await action(id);
      clear('action');
      showInfo(done(task), 'action');
      draw();
      follow(); // a retried task is live again; a cancelled one may still be stopping
    } catch (error) {
      showError(error, 'action', `Could not ${button.textContent.toLowerCase()} the task`);
      button.disabled = false;
    }
  };

  const drawActions = () => {
    if (!adminKey()) {
      replace(actions, h('p', { class: 'hint' }, 'Cancel and retry are admin actions: ', h('a', { href: '#/admin' }, 'enter the admin key'), ' first.'));
      return;
    }
    const cancel = h('button', { type: 'button', class: 'danger', disabled: isFinished(task.status) || task.cancelRequested },
      task.cancelRequested ? 'Cancel requested' : 'Cancel');
    cancel.addEventListener('click', () => act(cancel, cancelTask,
      t => (t.status === 'cancelled' ? 'Task cancelled.' : 'Cancel requested: the worker stops the task at its next heartbeat.')));
    const retry = h('button', { type: 'button', disabled: !(task.status === 'failed' || task.status === 'cancelled') }, 'Retry');
    retry.addEventListener('click', () => act(retry, retryTask, t => `Task queued again${t.queuePosition ? ` at #${t.queuePosition}` : ''}.`));
    replace(actions, cancel, retry);
  };

  // GET the whole task; true when it is finished (polling stops).
  const reload = async () => {
    try {
      const read = await getTask(id);
      if (stopped) return true; // the user has left the page: nothing to draw, nothing more to poll
      task = read;
      clear('task');
      draw();
      return isFinished(task.status);
    } catch (error) {
      if (stopped) return true;
      showError(error, 'task', 'Could not read the task');
      if (error.status === 404) { replace(state, 'No such task (it may have been purged).'); return true; }
      return false;
    }
  };

  const follow = () => {
    watch?.stop();
    if (stopped || (task && isFinished(task.status))) return;
    watch = watchTask(id, {
      onSnapshot: snapshot => { task = snapshot; clear('task'); draw(); },
      onPosition: position => {
        if (!task || task.status !== 'queued') return;
        task = { ...task, queuePosition: position.queuePosition, estimatedWaitSeconds: position.estimatedWaitSeconds };
        draw();
      },
      onEvent: event => {
        if (!task) return;
        task = {
          ...task,
          status: event.status,
          updatedAt: event.at,
          workerId: event.workerId ?? task.workerId,
          attempts: event.attempt ?? task.attempts,
          progress: event.type === 'progress' ? event.progress : event.type === 'started' ? null : task.progress,
          cancelRequested: event.type === 'cancel-requested' ? true : event.type === 'started' ? false : task.cancelRequested,
          queuePosition: event.status === 'queued' ? task.queuePosition : null,
          estimatedWaitSeconds: event.status === 'queued' ? task.estimatedWaitSeconds : null,
          scheduledFor: event.scheduledFor ?? (event.status === 'scheduled' ? task.scheduledFor : null),
        };
        draw();
        // An event carries no result, times or error history: read the whole task when they change.
        if (isFinished(event.status) || event.type === 'retried' || event.type === 'queued' || event.error) reload();
      },
      onClose: () => reload(),
      poll: reload,
    });
  };

  (async () => {
    const finished = await reload();
    if (stopped) return;
    if (!finished) follow();
    else setConnection('Live', 'live');
  })();

  return {
    stop() {
      stopped = true;
      watch?.stop();
    },
  };
}

function drawFields(element, task) {
  const rows = [
    ['Status', statusLabel(task.status) + (task.cancelRequested && !isFinished(task.status) ? ' (cancel requested)' : '')],
    ['Type', task.type],
    ['Priority', count(task.priority)],
    ['Attempts', `${task.attempts} (up to ${task.maxRetries + 1})`],
    ['Queue position', task.queuePosition ? `#${count(task.queuePosition)}` : '–'],
    ['Estimated wait', task.estimatedWaitSeconds !== null && task.estimatedWaitSeconds !== undefined ? duration(task.estimatedWaitSeconds) : '–'],
    ['Progress', task.progress ? `${task.progress.percent} % · ${task.progress.message ?? ''}` : '–'],
    ['Worker', task.workerId ?? '–'],
    ['Submitted', time(task.createdAt)],
    ['Started', time(task.startedAt)],
    ['Finished', time(task.completedAt)],
    ['Scheduled for', time(task.scheduledFor)],
    ['Last change', time(task.updatedAt)],
    ['Last error', task.error ?? '–'],
  ];
  replace(element, rows.map(([term, value]) => h('div', {}, h('dt', {}, term), h('dd', { 'data-field': term.toLowerCase().replace(/ /g, '-') }, value))));
}

function drawErrors(element, task) {
  const history = task.errors ?? [];
  replace(element, h('h2', { id: 'errors-heading' }, 'Attempts and errors'),
    history.length === 0
      ? h('p', { class: 'empty' }, 'No attempt has failed.')
      : h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Error history (scrolls sideways)' },
        h('table', {},
          h('thead', {}, h('tr', {}, ['Attempt', 'Kind', 'When', 'Message'].map(c => h('th', { scope: 'col' }, c)))),
          h('tbody', {}, history.map(e => h('tr', {}, h('td', {}, count(e.attempt)), h('td', {}, e.kind ?? '–'), h('td', {}, time(e.at)), h('td', {}, e.message)))))));
}

function drawResult(element, task) {
  const heading = h('h2', { id: 'result-heading' }, 'Result');
  const value = task.result;
  if (value === null || value === undefined) {
    replace(element, heading, h('p', { class: 'empty' }, isFinished(task.status) ? 'No result.' : 'Not finished yet.'));
    return;
  }
  if (task.type === 'transcription' && typeof value.text === 'string') {
    replace(element, heading,
      h('dl', { class: 'fields' },
        h('div', {}, h('dt', {}, 'Audio length'), h('dd', {}, duration(value.durationSeconds))),
        h('div', {}, h('dt', {}, 'Engine'), h('dd', {}, value.engine ?? '–')),
        value.followUpTaskId ? h('div', {}, h('dt', {}, 'Risk detection'), h('dd', {}, taskLink(value.followUpTaskId, 'the follow-up task'))) : null),
      h('h3', {}, 'Transcript'), h('blockquote', { class: 'transcript' }, value.text || '(no speech recognised)'));
    return;
  }
  if (task.type === 'risk-detection' && Array.isArray(value.matches)) {
    const text = h('blockquote', { class: 'transcript' }, 'Loading the text…');
    replace(element, heading,
      h('p', { class: `risk risk-${value.level}` }, `Risk: ${value.level} (score ${Number(value.riskScore).toFixed(2)}), ${value.matches.length} match${value.matches.length === 1 ? '' : 'es'}`),
      value.matches.length === 0 ? null : h('ul', { class: 'matches' }, value.matches.map(m => h('li', {}, h('strong', {}, m.category), ` · “${m.phrase}” · weight ${m.weight}`))),
      task.payload?.transcriptionTaskId ? h('p', {}, 'Transcript of ', taskLink(task.payload.transcriptionTaskId, 'the transcription task'), ':') : null,
      text);
    loadText(task).then(source => replace(text, highlight(source, value.matches)))
      .catch(error => { replace(text, 'The text could not be read.'); showError(error, 'text', 'Could not read the transcript'); });
    return;
  }
  replace(element, heading, h('pre', { class: 'json' }, JSON.stringify(value, null, 2)));
}

async function loadText(task) {
  if (typeof task.payload?.text === 'string') return task.payload.text;
  const source = await getTask(task.payload.transcriptionTaskId);
  return source.result?.text ?? '';
}

// The text with every match in <mark>; offsets are UTF-16 indexes (as in .NET), the same as JavaScript's.
function highlight(text, matches) {
  const parts = [];
  let at = 0;
  for (const m of [...matches].sort((a, b) => a.start - b.start)) {
    if (m.start < at || m.end > text.length) continue; // overlapping or out of range: the list above still names it
    parts.push(text.slice(at, m.start), h('mark', { title: `${m.category}: ${m.phrase}` }, text.slice(m.start, m.end)));
    at = m.end;
  }
  parts.push(text.slice(at));
  return parts;
}
