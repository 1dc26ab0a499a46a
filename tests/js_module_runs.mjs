// The embeddable module under Node, as a project that installed it uses it, for the runs
// tests/test_js_module.py sends as JSON on stdin:
//   {module, runs: [{bundle, backend, options, scoreText, mode}]}
// `module` is what to import: a path to the built tempera-node.mjs, or 'tempera' (the package
// installed beside this script). Prints, per run, [{backend, run, streamed, returned, score}]:
// run() as it resolved, the steps generate() yielded, and what generate() returned.
const input = JSON.parse(await new Promise((resolve) => {
  const chunks = [];
  process.stdin.on('data', (chunk) => chunks.push(chunk));
  process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
}));
const { load } = await import(input.module);
const out = [];
for (const run of input.runs) {
  const model = await load(run.bundle, { backend: run.backend ?? undefined });
  const result = await model.run(run.options);
  const streamed = [];
  const steps = model.generate(run.options);
  let next = await steps.next();
  for (; !next.done; next = await steps.next()) streamed.push(next.value);
  const score = await model.score(run.scoreText, run.mode);
  // Leaving a loop early stops the run: the first three steps of a long one.
  const early = [];
  for await (const step of model.generate({ ...run.options, length: 100000 })) {
    early.push(step.chars.join(''));
    if (early.length === 3) break;
  }
  out.push({ backend: model.backend, run: result, streamed, returned: next.value, score, early });
  model.dispose();
}
process.stdout.write(`${JSON.stringify(out)}\n`, () => process.exit(0));
