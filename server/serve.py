"""`tempera serve`: the app under waitress, a production WSGI server, on loopback by default."""

import os

from tempera.catalog import list_bundles
from tempera.errors import TemperaError

from .app import create_app


def serve(models_dir: str, static_dir: str, host: str, port: int) -> None:
    if not os.path.isfile(os.path.join(static_dir, "index.html")):
        raise TemperaError(f"the page is not built ({static_dir} has no index.html): "
                           "run `npm ci && npm run build` (or `make serve`)")
    bundles = list_bundles(models_dir)
    if not bundles:
        raise TemperaError(f"no model bundle in {models_dir}: export one with "
                           "`tempera export RUN --out DIR` and pass --models")
    import waitress

    names = ", ".join(b["id"] for b in bundles)
    print(f"serving the page with {len(bundles)} model(s) ({names}) at http://{host}:{port}/",
          flush=True)
    waitress.serve(create_app(models_dir, static_dir), host=host, port=port, threads=8,
                   ident="tempera")
