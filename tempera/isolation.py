"""Cross-origin isolation: the headers that let the page use WebAssembly threads.

A page is `crossOriginIsolated` (and may share memory between threads, which TensorFlow.js's
threaded WASM build needs) only when its document is served with COOP `same-origin` and COEP
`require-corp`, and everything it loads may be embedded. The page loads only its own files;
CORP `same-origin` says so of each. `tempera serve` sends these on every response;
`tempera build-site` writes them in the forms static hosts read. The page still computes on one
WASM thread unless its address asks for more (`?threads=N`): the threaded build's workers wait
by spinning, and collapse as soon as another process keeps a core busy.
"""

import json
import os

ISOLATION_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
}

# File name -> what it holds, for the static hosts that read one (README: "Serving beyond this
# machine"): Netlify and Cloudflare Pages read _headers, Vercel vercel.json, Apache .htaccess.
HEADER_FILES = ("_headers", "vercel.json", ".htaccess")


def _netlify() -> str:
    return "/*\n" + "".join(f"  {name}: {value}\n" for name, value in ISOLATION_HEADERS.items())


def _vercel() -> str:
    headers = [{"key": name, "value": value} for name, value in ISOLATION_HEADERS.items()]
    return json.dumps({"headers": [{"source": "/(.*)", "headers": headers}]}, indent=2) + "\n"


def _apache() -> str:
    lines = "".join(f'  Header set {name} "{value}"\n' for name, value in ISOLATION_HEADERS.items())
    return f"<IfModule mod_headers.c>\n{lines}</IfModule>\n"


def write_header_files(folder: str) -> None:
    """The isolation headers for every path of the site, one file per kind of host."""
    for name, text in zip(HEADER_FILES, (_netlify(), _vercel(), _apache())):
        with open(os.path.join(folder, name), "w", encoding="utf-8") as handle:
            handle.write(text)
