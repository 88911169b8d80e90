// Live updates over the API's WebSocket feeds (docs/api-events.md), with polling when a socket cannot
// be opened or drops. Pages get a handle to stop.

const socketUrl = path => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}`;

/** The connection indicator in the header. */
export function setConnection(text, state) {
  const element = document.getElementById('connection');
  if (!element) return;
  element.textContent = text;
  element.dataset.state = state;
}

/**
 * Calls onEvent for every event of /ws/events, and poll every pollMs while the socket is down (it is
 * reopened with backoff). Returns { stop() }.
 */
export function watchEvents({ onEvent, poll, pollMs = 3000 }) {
  let socket = null;
  let stopped = false;
  let pollTimer = null;
  let retryTimer = null;
  let retryMs = 1000;

  const startPolling = () => {
    if (pollTimer || stopped) return;
    setConnection('Polling (live feed unavailable)', 'polling');
    pollTimer = setInterval(poll, pollMs);
    poll();
  };
  const stopPolling = () => { clearInterval(pollTimer); pollTimer = null; };

  const open = () => {
    if (stopped) return;
    try {
      socket = new WebSocket(socketUrl('/ws/events'));
    } catch {
      startPolling();
      return;
    }
    socket.onopen = () => {
      retryMs = 1000;
      stopPolling();
      setConnection('Live', 'live');
      poll(); // whatever happened while the socket was down
    };
    socket.onmessage = message => {
      try { onEvent(JSON.parse(message.data)); } catch { /* a frame that is not JSON: nothing to show */ }
    };
    socket.onclose = () => {
      socket = null;
      if (stopped) return;
      startPolling();
      retryTimer = setTimeout(open, retryMs);
      retryMs = Math.min(retryMs * 2, 30000);
    };
  };
  open();
  return {
    stop() {
      stopped = true;
      stopPolling();
      clearTimeout(retryTimer);
      if (socket) { socket.onclose = null; socket.close(1000, 'page closed'); }
    },
  };
}

/**
 * Follows one task over /ws/tasks/{id}: onSnapshot(task) for the whole task, onEvent(event) for its events,
 * onPosition({queuePosition, estimatedWaitSeconds}); onClose(reason) when the server closes it because the
 * task finished. When the socket cannot be opened or drops early, poll() every pollMs until stop() or
 * until poll returns true (finished). Returns { stop() }.
 */
export function watchTask(id, { onSnapshot, onEvent, onPosition, onClose, poll, pollMs = 1000 }) {
  let stopped = false;
  let pollTimer = null;
  let finished = false;
  let socket = null;

  const startPolling = () => {
    if (pollTimer || stopped || finished) return;
    setConnection('Polling every second (live feed unavailable)', 'polling');
    const tick = async () => {
      if (stopped) return;
      let done = false;
      try { done = await poll(); } catch { /* poll reports its own errors */ }
      if (done || stopped) { pollTimer = null; return; }
      pollTimer = setTimeout(tick, pollMs);
    };
    pollTimer = setTimeout(tick, 0);
  };

  try {
    socket = new WebSocket(socketUrl(`/ws/tasks/${encodeURIComponent(id)}`));
  } catch {
    startPolling();
    return { stop() { stopped = true; clearTimeout(pollTimer); } };
  }
  socket.onopen = () => { if (!stopped) setConnection('Live', 'live'); };
  socket.onmessage = message => {
    let data;
    try { data = JSON.parse(message.data); } catch { return; }
    if (data.type === 'snapshot') onSnapshot(data.task);
    else if (data.type === 'position') onPosition(data);
    else onEvent(data);
  };
  socket.onclose = event => {
    if (stopped) return;
    // 1000 with a reason is the server saying the task finished (or is gone): nothing more will come.
    if (event.code === 1000 && event.reason) {
      finished = true;
      setConnection('Live', 'live');
      onClose(event.reason);
      return;
    }
    startPolling();
  };
  return {
    stop() {
      stopped = true;
      clearTimeout(pollTimer);
      socket.onclose = null;
      if (socket.readyState === WebSocket.CONNECTING || socket.readyState === WebSocket.OPEN) socket.close(1000, 'page closed');
    },
  };
}
