"""Where the built page and the shipped models are: in a source checkout, or in the package.

A checkout (it has frontend/src) serves what `npm run build` made and the models it holds.
An installed wheel carries both as package data (`make dist` puts them in tempera/bundled).
"""

import importlib.resources
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IS_CHECKOUT = os.path.isdir(os.path.join(ROOT, "frontend", "src"))
PACKAGED = importlib.resources.files("tempera") / "bundled"

FRONTEND_DIST = os.path.join(ROOT, "frontend", "dist") if IS_CHECKOUT else str(PACKAGED / "page")
SHIPPED_MODELS = os.path.join(ROOT, "models") if IS_CHECKOUT else str(PACKAGED / "models")
