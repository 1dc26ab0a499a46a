// The state the page controller (page.js) and window.tempera (api.js) share, all declared here.
export class Session {
  constructor() {
    this.backend = null; // {name, reason, note} from chooseBackend, once started
    this.catalog = []; // entries of models/index.json, marked unavailable as bundles fail
    this.model = null; // the LoadedModel that new runs use
    this.failure = new AbortController(); // aborts every run when the backend is lost
  }

  // `loaded` is the model of new runs from now on; the previous one is freed once the runs
  // still using it end.
  useModel(loaded) {
    const previous = this.model;
    this.model = loaded;
    previous?.retire();
  }
}
