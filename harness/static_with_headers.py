"""A static file server that sends the headers of a site's `_headers` file, as Netlify and
Cloudflare Pages do (only the `/*` rule that `tempera build-site` writes):

    python harness/static_with_headers.py PORT FOLDER
"""

import functools
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def headers_for_every_path(folder: str) -> dict:
    headers, in_rule = {}, False
    for line in (Path(folder) / "_headers").read_text(encoding="utf-8").splitlines():
        if not line.startswith(" "):
            in_rule = line.strip() == "/*"
        elif in_rule and ":" in line:
            name, value = line.strip().split(":", 1)
            headers[name.strip()] = value.strip()
    return headers


class Handler(SimpleHTTPRequestHandler):
    extra_headers: dict = {}

    def end_headers(self):
        for name, value in self.extra_headers.items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port, folder = int(sys.argv[1]), sys.argv[2]
    Handler.extra_headers = headers_for_every_path(folder)
    server = ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Handler, directory=folder))
    server.serve_forever()
