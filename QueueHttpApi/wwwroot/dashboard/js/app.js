// The dashboard's shell: a hash router (no full-page reloads), the stats sampler every page shares, and
// focus management so a keyboard or screen-reader user lands on each new page's heading.
import { clearAll } from './messages.js';
import { refreshStats } from './stats.js';
import { setConnection } from './live.js';
import * as overview from './pages/overview.js';
import * as tasks from './pages/tasks.js';
import * as task from './pages/task.js';
import * as submit from './pages/submit.js';
import * as admin from './pages/admin.js';
import { replace, h } from './dom.js';

const routes = [
  { pattern: /^\/?$/, nav: 'overview', page: overview },
  { pattern: /^\/tasks\/([^/]+)$/, nav: 'tasks', page: task },
  { pattern: /^\/tasks$/, nav: 'tasks', page: tasks },
  { pattern: /^\/submit$/, nav: 'submit', page: submit },
  { pattern: /^\/admin$/, nav: 'admin', page: admin },
];

// --- routing -----------------------------------------------------------------------------------------
let current = null;

// The path stays encoded (a task id is decoded once, below); URLSearchParams decodes the query itself.
function parse() {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = hash.split('?');
  return { path, query: new URLSearchParams(query) };
}

// decodeURIComponent throws on a malformed escape (#/tasks/%E0): such an address is a page not found.
function decodeId(raw) {
  try { return decodeURIComponent(raw); } catch { return null; }
}

function route() {
  const { path, query } = parse();
  let match = routes.map(r => ({ r, m: r.pattern.exec(path) })).find(x => x.m);
  const id = match?.m[1] === undefined ? undefined : decodeId(match.m[1]);
  if (id === null) match = undefined;
  for (const link of document.querySelectorAll('[data-nav]')) {
    if (match && link.dataset.nav === match.r.nav) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const params = { query, id };
  if (current && match && current.route === match.r && current.handle.update && current.path === path) {
    current.handle.update(params); // same page, new filters: keep focus where it is
    return;
  }
  current?.handle.stop?.();
  clearAll();
  setConnection('', 'idle'); // pages that follow live data say how they get it
  const main = document.getElementById('main');
  if (!match) {
    replace(main, h('h1', { tabindex: -1 }, 'Page not found'), h('p', {}, h('a', { href: '#/' }, 'Back to the overview')));
    current = null;
  } else {
    replace(main);
    current = { route: match.r, path, handle: match.r.page.render(main, params) ?? {} };
  }
  const heading = main.querySelector('h1');
  if (heading) {
    document.title = `${heading.textContent} · RedisQueue`;
    if (started) heading.focus({ preventScroll: false });
  }
}

let started = false;
window.addEventListener('hashchange', route);
route();
started = true;
refreshStats();
