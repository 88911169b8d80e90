// Admin: the admin key (kept in this tab's session storage, sent as X-Api-Key), a backup now, the
// clean-up of stuck tasks, and clearing finished tasks older than N hours. Cancel and retry are on each
// task's page.
import { h, count, duration } from '../dom.js';
import { adminKey, setAdminKey, backupNow, cleanupStuck, clearFinished } from '../api.js';
import { showError, showInfo, clear } from '../messages.js';

export function render(main) {
  const keyState = h('p', { id: 'key-state', role: 'status', 'aria-live': 'polite' });
  const showKeyState = () => {
    keyState.textContent = adminKey()
      ? 'An admin key is kept for this browser tab (session storage); it is sent with admin actions.'
      : 'No admin key entered: admin actions will be refused.';
  };
  const keyInput = h('input', { id: 'admin-key', name: 'key', type: 'password', autocomplete: 'off', required: true, 'aria-describedby': 'key-state' });
  const keyForm = h('form', { class: 'card', 'aria-labelledby': 'key-heading' },
    h('h2', { id: 'key-heading' }, 'Admin key'),
    keyState,
    h('div', { class: 'field' }, h('label', { for: 'admin-key' }, 'Admin API key'), keyInput),
    h('div', { class: 'buttons' },
      h('button', { type: 'submit' }, 'Keep key'),
      h('button', { type: 'button', class: 'secondary', onclick: () => { setAdminKey(null); showKeyState(); showInfo('Admin key forgotten.', 'admin'); } }, 'Forget key')));
  keyForm.addEventListener('submit', event => {
    event.preventDefault();
    const key = keyInput.value.trim();
    if (!key) { showError('Type the admin key first.', 'admin'); keyInput.focus(); return; }
    setAdminKey(key);
    keyInput.value = '';
    showKeyState();
    clear('admin');
    // There is no endpoint that checks a key without acting: the first admin action tells whether it is right.
    showInfo('Admin key kept for this tab. A wrong key is reported by the first admin action.', 'admin');
  });

  const run = async (button, action, describe) => {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    try {
      const answer = await action();
      clear('admin');
      showInfo(describe(answer), 'admin');
    } catch (error) {
      showError(error, 'admin', `${button.textContent} failed`);
    } finally {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  };

  const backup = h('button', { type: 'button' }, 'Back up now');
  backup.addEventListener('click', () => run(backup, backupNow,
    a => `Backup written: ${a.file} (${count(a.tasks)} tasks, ${count(a.bytes)} bytes, ${duration(a.durationMs / 1000)}).`));
  const cleanup = h('button', { type: 'button' }, 'Clean up stuck tasks');
  cleanup.addEventListener('click', () => run(cleanup, cleanupStuck,
    a => `Stuck tasks: ${count(a.requeued)} requeued, ${count(a.failed)} failed, ${count(a.cancelled)} cancelled (${count(a.timedOut)} had timed out).`));
  const hours = h('input', { id: 'clear-hours', name: 'olderThanHours', type: 'number', min: 0, step: 'any', value: '24', inputmode: 'decimal', required: true });
  const clearButton = h('button', { type: 'submit', class: 'danger' }, 'Clear finished tasks');
  // novalidate: the API checks the number and its refusal, naming the field, is shown like any other.
  const clearForm = h('form', { class: 'inline-form', 'aria-label': 'Clear finished tasks', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'clear-hours' }, 'Finished more than this many hours ago'), hours),
    clearButton);
  clearForm.addEventListener('submit', event => {
    event.preventDefault();
    run(clearButton, () => clearFinished(hours.value), a => `Deleted ${count(a.deleted)} finished task${a.deleted === 1 ? '' : 's'}.`);
  });

  main.append(h('h1', { tabindex: -1 }, 'Admin'), keyForm,
    h('section', { class: 'card', 'aria-labelledby': 'actions-heading' },
      h('h2', { id: 'actions-heading' }, 'Actions'),
      h('div', { class: 'buttons' }, backup, cleanup),
      h('p', { class: 'hint' }, 'Stuck tasks are processing tasks whose lease ran out (a crashed or hung worker); they are requeued or failed as the lease reaper would.'),
      clearForm,
      h('p', { class: 'hint' }, 'Queued, scheduled and processing tasks are never deleted. Cancel and retry are on each task’s page.')));
  showKeyState();
  return {};
}
