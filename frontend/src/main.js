// The page's entry point: the page controller (page.js) and window.tempera (api.js), over one
// Session. url-guard.js is imported first so that it runs before TensorFlow.js reads the address.
import { addressNotes } from './url-guard.js';

import { installApi } from './api.js';
import { Page } from './page.js';
import { Session } from './session.js';
import { mountStartRun } from './views/start-run.js';

const session = new Session();
const page = new Page(session);
const ready = page.start(addressNotes);
ready.catch(() => {}); // reported in the page; callers of window.tempera.ready still see it
installApi(session, ready);
// runs(): the training runs as the Training view shows them, as api/runs lists them (null where
// the server has none, as on a static site).
window.tempera.runs = async () => {
  await ready;
  return page.training.runs();
};
// With `tempera serve --allow-training`: the form that starts a run; its model joins the menu.
mountStartRun(document, page, ready);
