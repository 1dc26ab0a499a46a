// The form that starts a training run on this computer, in the Training view. It exists only on
// a page served by `tempera serve --allow-training`, which puts its secret token in
// <meta name="tempera-token">; every request sends it back in X-Tempera-Token.
import { fetchCatalog } from '../catalog.js';

const POLL_MS = 2000;
const BUSY = new Set(['training', 'stopping', 'exporting']);

const FORM = `
  <h3 id="start-run-title">Train a model on your own text</h3>
  <p class="training-hint">Runs <code>tempera train</code> on this computer, for as long as you allow. The run shows
    below as it trains; when it ends, its best epoch joins the model menu. Stop ends it early and keeps what it learnt.</p>
  <p class="start-run-install" data-testid="start-run-install" hidden></p>
  <label>Text file (UTF-8, up to 10 MB)
    <input type="file" name="file" accept=".txt,.md,text/plain" data-testid="start-run-file"></label>
  <label class="seed">Or paste the text
    <textarea name="text" rows="3" spellcheck="false" data-testid="start-run-text"></textarea></label>
  <div class="row">
    <label>Time budget (minutes)
      <input type="number" name="minutes" min="0.05" max="1440" step="any" value="5" required data-testid="start-run-minutes"></label>
    <label>LSTM units <input type="number" name="units" min="1" max="4096" step="1" placeholder="default" data-testid="start-run-units"></label>
    <label>Layers <input type="number" name="layers" min="1" max="8" step="1" placeholder="default" data-testid="start-run-layers"></label>
    <button type="submit" data-testid="start-run-go">Start training</button>
    <button type="button" data-testid="start-run-stop" disabled>Stop</button>
  </div>
  <p class="start-run-status" data-testid="start-run-status" role="status" aria-live="polite"></p>`;

// The reply's error in words, or the HTTP status where it has none.
async function replyError(response) {
  try {
    const body = await response.json();
    if (typeof body.error === 'string') return body.error;
  } catch {
    // not JSON: fall through
  }
  return `the server answered HTTP ${response.status}`;
}

function minutesAndSeconds(seconds) {
  const whole = Math.max(0, Math.round(seconds));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

// What the status line says about a run the server reports.
export function runLine(run) {
  const time = `${minutesAndSeconds(run.elapsed_seconds)} of a ${run.budget_minutes} min budget`;
  switch (run.state) {
    case 'training': return `Training ${run.name}: ${time}.`;
    case 'stopping': return `Stopping ${run.name}: finishing the batch, then saving.`;
    case 'exporting': return `Training ${run.name} ended; exporting its best epoch for the page.`;
    case 'finished': return `Finished: ${run.message}.`;
    default: return `Run ${run.name}: ${run.message}.`;
  }
}

export class StartRunForm {
  constructor(doc, slot, token, { onModelAdded } = {}) {
    this.token = token;
    this.onModelAdded = onModelAdded ?? (() => {});
    this.form = doc.createElement('form');
    this.form.dataset.testid = 'start-run';
    this.form.className = 'start-run';
    this.form.noValidate = true;
    this.form.setAttribute('aria-labelledby', 'start-run-title');
    this.form.innerHTML = FORM; // a constant: nothing from the server or the user
    slot.replaceChildren(this.form);
    const find = (id) => this.form.querySelector(`[data-testid=${id}]`);
    this.install = find('start-run-install');
    this.go = find('start-run-go');
    this.stopButton = find('start-run-stop');
    this.status = find('start-run-status');
    this.run = null; // the run started from this page, as the server last reported it
    this.timer = null;
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.start();
    });
    this.stopButton.addEventListener('click', () => this.stop());
  }

  request(path, options = {}) {
    return fetch(path, { ...options, headers: { 'X-Tempera-Token': this.token }, cache: 'no-store' });
  }

  // Whether training is installed, and a run already going (the page was reloaded mid-run).
  async check() {
    const response = await this.request('api/training');
    if (!response.ok) {
      this.say(`Training cannot be started: ${await replyError(response)}.`);
      this.go.disabled = true;
      return;
    }
    const status = await response.json();
    if (!status.available) {
      this.install.textContent = `Training needs TensorFlow, which is not installed for this server (${status.missing} is missing). ` +
        `Install it with: ${status.install} (${status.install_note}), then restart tempera serve.`;
      this.install.hidden = false;
      this.go.disabled = true;
      return;
    }
    if (status.run) this.show(status.run);
  }

  say(line) {
    this.status.textContent = line;
  }

  show(run) {
    const wasBusy = this.run !== null && BUSY.has(this.run.state);
    this.run = run;
    const busy = BUSY.has(run.state);
    this.go.disabled = busy;
    this.stopButton.disabled = run.state !== 'training';
    this.say(runLine(run));
    if (busy) this.poll();
    else if (wasBusy && run.model) this.onModelAdded(run.model);
  }

  poll() {
    clearTimeout(this.timer);
    this.timer = setTimeout(async () => {
      try {
        const response = await this.request('api/training');
        if (!response.ok) throw new Error(await replyError(response));
        const { run } = await response.json();
        if (run) this.show(run);
      } catch (error) {
        this.say(`Lost touch with the server (${error.message}); trying again.`);
        this.poll();
      }
    }, POLL_MS);
  }

  async start() {
    const data = new FormData(this.form);
    const file = data.get('file');
    if (!(file instanceof File) || file.size === 0) data.delete('file');
    if (!data.has('file') && !String(data.get('text') ?? '').trim()) {
      this.say('Choose a text file or paste some text first.');
      return;
    }
    this.go.disabled = true;
    this.say('Starting…');
    try {
      const response = await this.request('api/runs', { method: 'POST', body: data });
      if (!response.ok) throw new Error(await replyError(response));
      this.show((await response.json()).run);
    } catch (error) {
      this.go.disabled = false;
      this.say(`Not started: ${error.message}.`);
    }
  }

  async stop() {
    if (!this.run) return;
    this.stopButton.disabled = true;
    try {
      const response = await this.request(`api/runs/${encodeURIComponent(this.run.name)}/stop`, { method: 'POST' });
      if (!response.ok) throw new Error(await replyError(response));
      this.show((await response.json()).run);
    } catch (error) {
      this.say(`Could not stop ${this.run.name}: ${error.message}.`);
      this.stopButton.disabled = false;
    }
  }
}

// The catalog again, keeping the entries the page knows (and marked unavailable), with the new.
async function addNewModels(page) {
  const known = new Map(page.session.catalog.map((entry) => [entry.id, entry]));
  page.session.catalog = (await fetchCatalog()).map((entry) => known.get(entry.id) ?? entry);
  page.models.show(page.session.catalog, page.session.model?.entry.id);
}

// Mounts the form into #start-run-slot when the page carries a token (a server started with
// --allow-training); nothing otherwise. A finished run's model is added to `page`'s menu.
export function mountStartRun(doc, page, ready) {
  const token = doc.querySelector('meta[name="tempera-token"]')?.content;
  const slot = doc.getElementById('start-run-slot');
  if (!token || !slot) return null;
  const form = new StartRunForm(doc, slot, token, {
    // A page that could not start has no menu to add to; a reload shows the new model.
    onModelAdded: () => ready.then(() => addNewModels(page)).catch(() => {}),
  });
  form.check().catch((error) => form.say(`Training cannot be started: ${error.message}.`));
  return form;
}
