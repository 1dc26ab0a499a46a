// The server's training runs, kept fresh: api/runs asked every POLL_MS with If-None-Match (a
// 304 costs the server a stat of each run, not a listing), only while the Training view is on
// screen in a visible tab; each run's samples asked again when its epochs change.
export const POLL_MS = 2000;

// What a runs or samples request answered: the reason in the server's words where it gives one.
async function failure(response, what) {
  let reason = `HTTP ${response.status}`;
  try {
    const body = await response.json();
    if (typeof body?.error === 'string') reason = body.error;
  } catch {
    // no JSON body: the status says it
  }
  return new Error(`${what}: ${reason}`);
}

export class RunsFeed {
  // onRuns(runs): the list changed; onSamples(name, samples); onError(message or '').
  constructor({ onRuns, onSamples, onError }) {
    this.onRuns = onRuns;
    this.onSamples = onSamples;
    this.onError = onError;
    this.etag = null;
    this.runs = null; // the last list, as api/runs gave it
    this.samplesOf = new Map(); // name -> epochs its samples held when fetched
    this.timer = null;
    this.visible = false; // the view is on screen
    this.stopped = false;
  }

  // The first request: resolves to false where the server has no api/runs (a static site,
  // where it is a 404, or the page itself on hosts that answer every path with it).
  async start() {
    const response = await fetch('api/runs', { cache: 'no-store' });
    if (response.status === 404) return false;
    if (!response.ok) throw await failure(response, 'the list of training runs');
    if (!(response.headers.get('Content-Type') ?? '').startsWith('application/json')) return false;
    await this.take(response);
    return true;
  }

  // Polls while `visible` (the view on screen and the tab shown); a view that comes back into
  // sight is brought up to date at once.
  setVisible(visible) {
    if (visible === this.visible) return;
    this.visible = visible;
    clearTimeout(this.timer);
    this.timer = null;
    if (visible) this.tick();
  }

  async tick() {
    this.timer = null;
    try {
      await this.poll();
      this.onError('');
    } catch (error) {
      this.onError(`${error.message}; trying again every ${POLL_MS / 1000} s`);
    }
    if (this.visible && !this.stopped && this.timer === null) this.timer = setTimeout(() => this.tick(), POLL_MS);
  }

  async poll() {
    const headers = this.etag ? { 'If-None-Match': this.etag } : {};
    let response;
    try {
      response = await fetch('api/runs', { cache: 'no-store', headers });
    } catch (error) {
      throw new Error(`the server did not answer (${error.message})`);
    }
    if (response.status === 304) return this.refreshSamples();
    if (!response.ok) throw await failure(response, 'the list of training runs');
    return this.take(response);
  }

  async take(response) {
    const body = await response.json();
    if (!Array.isArray(body?.runs)) throw new Error('the list of training runs has no "runs" list');
    this.etag = response.headers.get('ETag');
    this.runs = body.runs;
    this.onRuns(this.runs);
    return this.refreshSamples();
  }

  // Samples of each run whose epochs are more than its samples held.
  async refreshSamples() {
    for (const run of this.runs ?? []) {
      if ((run.epochs ?? 0) === 0 || (this.samplesOf.get(run.name) ?? -1) >= run.epochs) continue;
      const response = await fetch(`api/runs/${encodeURIComponent(run.name)}/samples`, { cache: 'no-store' });
      if (!response.ok) throw await failure(response, `the samples of ${run.name}`);
      const samples = await response.json();
      this.samplesOf.set(run.name, Array.isArray(samples?.epochs) ? samples.epochs.length : 0);
      this.onSamples(run.name, samples);
    }
  }
}
