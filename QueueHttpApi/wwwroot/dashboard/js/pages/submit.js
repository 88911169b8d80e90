// Submit: upload an audio file for transcription (optionally chaining risk detection) or paste text for
// risk detection, with a priority; on success, the task's page follows it live.
import { h } from '../dom.js';
import { submitTranscription, submitRiskDetection } from '../api.js';
import { showError, clear } from '../messages.js';

export function render(main) {
  const priorityField = (id) => h('div', { class: 'field' },
    h('label', { for: id }, 'Priority ', h('span', { class: 'hint' }, '(0–100, higher runs first)')),
    h('input', { id, name: 'priority', type: 'number', min: 0, max: 100, step: 1, value: '0', inputmode: 'numeric', required: true }));

  const audioForm = h('form', { class: 'card', 'aria-labelledby': 'audio-heading', novalidate: true },
    h('h2', { id: 'audio-heading' }, 'Transcribe a recording'),
    h('div', { class: 'field' },
      h('label', { for: 'audio-file' }, 'Audio file ', h('span', { class: 'hint' }, '(WAV)')),
      h('input', { id: 'audio-file', name: 'audio', type: 'file', accept: '.wav,audio/wav,audio/x-wav,audio/wave', required: true })),
    h('div', { class: 'field' },
      h('label', { for: 'audio-language' }, 'Language ', h('span', { class: 'hint' }, '(optional, e.g. en-us)')),
      h('input', { id: 'audio-language', name: 'language', type: 'text', autocomplete: 'off', spellcheck: false })),
    h('div', { class: 'field checkbox' },
      h('input', { id: 'audio-then', name: 'then', type: 'checkbox', value: 'risk-detection' }),
      h('label', { for: 'audio-then' }, 'Then check the transcript for risks')),
    priorityField('audio-priority'),
    h('button', { type: 'submit' }, 'Submit recording'));

  const textForm = h('form', { class: 'card', 'aria-labelledby': 'text-heading', novalidate: true },
    h('h2', { id: 'text-heading' }, 'Check a text for risks'),
    h('div', { class: 'field' },
      h('label', { for: 'risk-text' }, 'Text'),
      h('textarea', { id: 'risk-text', name: 'text', rows: 6, required: true })),
    priorityField('text-priority'),
    h('button', { type: 'submit' }, 'Submit text'));

  main.append(h('h1', { tabindex: -1 }, 'Submit a task'),
    h('p', {}, 'After submitting you follow the task live: its place in the queue, then its progress.'),
    h('div', { class: 'cards' }, audioForm, textForm));

  // The API checks every field and answers with a problem naming it: that message is what the user sees.
  // The browser's own checks are off (novalidate) except an empty file or text, which would only be refused.
  const submit = async (form, send) => {
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    try {
      const submitted = await send();
      clear('submit');
      location.hash = `#/tasks/${encodeURIComponent(submitted.id)}`; // its page shows the place in the queue
    } catch (error) {
      showError(error, 'submit', 'The task was not submitted');
    } finally {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  };

  audioForm.addEventListener('submit', event => {
    event.preventDefault();
    const file = audioForm.elements.audio.files[0];
    if (!file) {
      showError('Choose an audio file first.', 'submit', 'The task was not submitted');
      audioForm.elements.audio.focus();
      return;
    }
    // Text parts first: the API refuses a bad field before it reads the file.
    const data = new FormData();
    data.append('priority', audioForm.elements.priority.value);
    if (audioForm.elements.language.value.trim()) data.append('language', audioForm.elements.language.value.trim());
    if (audioForm.elements.then.checked) data.append('then', 'risk-detection');
    data.append('audio', file, file.name);
    submit(audioForm, () => submitTranscription(data));
  });

  textForm.addEventListener('submit', event => {
    event.preventDefault();
    const body = { text: textForm.elements.text.value };
    const priority = textForm.elements.priority.value;
    // Sent as a number when it reads as one, else as typed, so the API names what is wrong with it.
    body.priority = priority.trim() === '' ? null : Number.isNaN(Number(priority)) ? priority : Number(priority);
    submit(textForm, () => submitRiskDetection(body));
  });
  return {};
}
