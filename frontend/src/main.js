// The page's entry point: the page controller (page.js) and window.tempera (api.js), over one
// Session. url-guard.js is imported first so that it runs before TensorFlow.js reads the address.
import { addressNotes } from './url-guard.js';

import { installApi } from './api.js';
import { Page } from './page.js';
import { Session } from './session.js';

const session = new Session();
const ready = new Page(session).start(addressNotes);
ready.catch(() => {}); // reported in the page; callers of window.tempera.ready still see it
installApi(session, ready);
