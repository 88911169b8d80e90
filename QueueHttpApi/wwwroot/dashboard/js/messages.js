// The message area under the header: errors (role=alert) and confirmations (role=status). A message
// with a key replaces the previous one with that key, so a failing refresh shows one message, not one per try.
import { h } from './dom.js';

const area = () => document.getElementById('messages');

function show(kind, text, key) {
  if (key) clear(key);
  const message = h('div', { class: `message ${kind}`, role: kind === 'error' ? 'alert' : 'status', 'data-key': key },
    h('span', { class: 'text' }, text),
    h('button', { type: 'button', class: 'dismiss', 'aria-label': 'Dismiss message', onclick: () => message.remove() }, '×'));
  area().append(message);
  return message;
}

/** Shows an error (an ApiError's message says status, title, detail and fields). */
export const showError = (error, key, prefix) => show('error', `${prefix ? `${prefix}: ` : ''}${error.message ?? error}`, key);

/** Shows a confirmation. */
export const showInfo = (text, key) => show('info', text, key);

/** Removes the message with this key. */
export function clear(key) {
  for (const message of area().querySelectorAll('[data-key]')) if (message.dataset.key === key) message.remove();
}

/** Removes every message (a new page). */
export const clearAll = () => area().replaceChildren();
