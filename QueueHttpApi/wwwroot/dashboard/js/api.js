// The REST API of this host (docs/api-tasks.md, docs/api-monitoring.md). Every failure becomes an
// ApiError whose message is what the user is shown: the status, the problem's title and detail, and
// the fields it names.

const keyName = 'redisqueue.adminKey';

/** The admin key kept in this tab's session storage, or null. */
export const adminKey = () => sessionStorage.getItem(keyName);

/** Keeps the admin key for this tab's session (null forgets it). */
export function setAdminKey(key) {
  if (key) sessionStorage.setItem(keyName, key);
  else sessionStorage.removeItem(keyName);
}

/** A refused or failed request. */
export class ApiError extends Error {
  constructor(status, title, detail, fieldErrors) {
    // The field messages the detail does not already say.
    const fields = Object.entries(fieldErrors ?? {}).flatMap(([field, messages]) =>
      [].concat(messages).filter(m => !(detail ?? '').includes(m)).map(m => `${field}: ${m}`));
    const head = status ? `${status} ${title}` : title;
    super([detail && detail !== title ? `${head}: ${detail}` : head, ...fields].join(' — '));
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.fieldErrors = fieldErrors ?? {};
  }
}

async function request(method, path, { json, form, admin = false } = {}) {
  const headers = { Accept: 'application/json, application/problem+json' };
  let body;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (form) {
    body = form;
  }
  if (admin && adminKey()) headers['X-Api-Key'] = adminKey();

  let response;
  try {
    response = await fetch(path, { method, headers, body, cache: 'no-store' });
  } catch (error) {
    throw new ApiError(0, 'Cannot reach the queue service', `${method} ${path} failed (${error.message}).`);
  }
  const type = response.headers.get('Content-Type') ?? '';
  if (!response.ok) {
    if (type.includes('json')) {
      let problem = {};
      try { problem = await response.json(); } catch { /* not JSON after all: the status says enough */ }
      throw new ApiError(response.status, problem.title ?? response.statusText, problem.detail, problem.errors);
    }
    const text = (await response.text()).trim().slice(0, 300);
    throw new ApiError(response.status, response.statusText || 'Request failed', text || `${method} ${path}`);
  }
  if (response.status === 204 || !type.includes('json')) return null;
  return response.json();
}

export const getStats = () => request('GET', '/stats');
export const getWorkers = () => request('GET', '/workers');
export const getHealth = async () => {
  // /health answers 503 with the same report when Unhealthy: that is data to show, not an error.
  const response = await fetch('/health', { headers: { Accept: 'application/json' }, cache: 'no-store' })
    .catch(error => { throw new ApiError(0, 'Cannot reach the queue service', `GET /health failed (${error.message}).`); });
  if (response.status !== 200 && response.status !== 503) throw new ApiError(response.status, response.statusText, 'GET /health');
  return response.json();
};
export const getTask = id => request('GET', `/tasks/${encodeURIComponent(id)}`);
export function listTasks({ status, type, limit = 25, offset = 0 }) {
  const query = new URLSearchParams();
  if (status) query.set('status', status);
  if (type) query.set('type', type);
  query.set('limit', limit);
  query.set('offset', offset);
  return request('GET', `/tasks?${query}`);
}
export const submitTranscription = form => request('POST', '/tasks/transcription', { form });
export const submitRiskDetection = body => request('POST', '/tasks/risk-detection', { json: body });
export const cancelTask = id => request('DELETE', `/tasks/${encodeURIComponent(id)}`, { admin: true });
export const retryTask = id => request('POST', `/tasks/${encodeURIComponent(id)}/retry`, { admin: true });
export const backupNow = () => request('POST', '/admin/backup', { admin: true });
export const cleanupStuck = () => request('POST', '/admin/cleanup-stuck-tasks', { admin: true });
export const clearFinished = hours => request('DELETE', `/admin/tasks?olderThanHours=${encodeURIComponent(hours)}`, { admin: true });
