"""Where the repository's own folders are: the built page and the shipped models."""

import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FRONTEND_DIST = os.path.join(ROOT, "frontend", "dist")
