// GET /stats, read every 5 seconds whatever page is open (the throughput chart needs the samples),
// and at once when a page asks (an event arrived).
import { clear, showError } from './messages.js';
import { getStats } from './api.js';
import { record } from './throughput.js';

const statsListeners = new Set();
let statsTimer = null;
let latestStats = null;

let inFlight = null;
let again = false;

/**
 * Reads /stats now (or, when a read is under way, once more a second after it: a burst of events costs
 * one read a second at most), records a throughput sample and tells every listener.
 */
export function refreshStats() {
  if (inFlight) {
    again = true;
    return inFlight;
  }
  clearTimeout(statsTimer);
  inFlight = (async () => {
    try {
      latestStats = await getStats();
      const samples = record(latestStats);
      clear('stats');
      for (const listener of statsListeners) listener(latestStats, samples);
    } catch (error) {
      showError(error, 'stats', 'Could not read the queue statistics');
    }
  })().finally(() => {
    inFlight = null;
    statsTimer = setTimeout(refreshStats, again ? 1000 : 5000);
    again = false;
  });
  return inFlight;
}

/** Calls listener(stats, samples) on every /stats read; returns the unsubscribe function. */
export function onStats(listener) {
  statsListeners.add(listener);
  return () => statsListeners.delete(listener);
}

/** The last /stats answer (null before the first). */
export const currentStats = () => latestStats;

