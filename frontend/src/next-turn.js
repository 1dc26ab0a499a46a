// Resolves on the next macrotask: unlike a resolved promise, it lets clicks and typing in
// between stretches of work (the generator's, and the views that look inside the model).
export function nextTurn() {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close(); // an open port would keep a Node process alive
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
