// Clicks a button `count` times through the event loop and returns each click's delay (ms),
// sorted: how long the page keeps a person waiting while it generates.
async (count) => {
  const delays = [];
  for (let i = 0; i < count; i++) {
    const clicked = performance.now();
    await new Promise((resolve) => {
      const button = document.querySelector('[data-testid=new-rng]');
      button.addEventListener('click', () => resolve(), { once: true });
      setTimeout(() => button.click(), 0);
    });
    delays.push(performance.now() - clicked);
    await new Promise((r) => setTimeout(r, 25));
  }
  return delays.sort((a, b) => a - b);
}
