// Training runs as the Training view shows them, from `tempera serve`'s api/runs: words for
// their facts, and which epochs to set side by side. Pure (no DOM, no fetch).

// 75 -> '1 min 15 s'; 4000 -> '1 h 7 min'; null -> null.
export function durationWords(seconds) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return null;
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole} s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return whole % 60 ? `${minutes} min ${whole % 60} s` : `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
}

// 4.2719 -> '4.27'; null (a diverged epoch) -> '–'.
export function bitsText(bits) {
  return typeof bits === 'number' && Number.isFinite(bits) ? bits.toFixed(2) : '–';
}

// The epochs a run has saved, in order: its history's first column.
export function runEpochs(run) {
  return (run?.history ?? []).map((row) => row[0]).filter(Number.isInteger);
}

// Up to `most` of `epochs`, evenly spread, the first and the last always among them.
export function spreadEpochs(epochs, most) {
  if (epochs.length <= most) return [...epochs];
  if (most <= 1) return epochs.slice(-1);
  const chosen = new Set();
  for (let i = 0; i < most; i++) chosen.add(epochs[Math.round((i * (epochs.length - 1)) / (most - 1))]);
  return [...chosen];
}

// The history row of `epoch`, or null.
export function historyRow(run, epoch) {
  return (run?.history ?? []).find((row) => row[0] === epoch) ?? null;
}

// One line on where a run stands, for a person: "Training: epoch 4, 2 min so far, about 3 min left."
export function runSummary(run) {
  if (run.error) return `This run's files cannot be read: ${run.error}`;
  const epochs = run.epochs ?? 0;
  const elapsed = durationWords(run.elapsed_seconds);
  const left = durationWords(run.left_seconds);
  if (run.state === 'training') {
    const parts = [epochs ? `${epochs} epoch${epochs === 1 ? '' : 's'} done` : 'first epoch under way'];
    if (elapsed) parts.push(`${elapsed} so far`);
    if (left) parts.push(`about ${left} left`);
    return `Training: ${parts.join(', ')}.`;
  }
  const parts = [`${epochs} epoch${epochs === 1 ? '' : 's'}`];
  if (elapsed) parts.push(`in ${elapsed}`);
  return `Finished: ${parts.join(' ')}.`;
}

// The run's facts, each {term, value, plain}: plain is the one sentence that says what it means.
export function runFacts(run) {
  const facts = [];
  const corpus = run.corpus ?? {};
  const chars = Number.isInteger(corpus.chars) ? ` (${corpus.chars.toLocaleString('en')} characters)` : '';
  facts.push({ term: 'Text', value: `${corpus.name ?? 'unknown'}${chars}`, plain: 'The text the model learns to continue.' });
  const recipe = run.recipe ?? {};
  const shape = [recipe.layers && `${recipe.layers} layer${recipe.layers === 1 ? '' : 's'}`,
    recipe.units && `${recipe.units} units`].filter(Boolean).join(' of ');
  facts.push({
    term: 'Recipe',
    value: [recipe.name, shape].filter(Boolean).join(': ') || 'unknown',
    plain: run.recipe_reason ?? 'The size of the network and how it is trained.',
  });
  const best = historyRow(run, run.best_epoch);
  facts.push({
    term: 'Best epoch',
    value: best ? `${run.best_epoch}: ${bitsText(best[2])} bits per character on held-out text` : 'none yet',
    plain: 'The saved pass over the text whose model guessed unseen text best.',
  });
  facts.push({ term: 'Time so far', value: durationWords(run.elapsed_seconds) ?? '–', plain: 'Wall-clock time this run has trained.' });
  if (run.state === 'training') {
    facts.push({
      term: 'Time left',
      value: durationWords(run.left_seconds) ?? (run.budget_seconds ? '–' : 'no time budget'),
      plain: 'Until the run\'s time budget ends, if it has one.',
    });
  }
  return facts;
}
