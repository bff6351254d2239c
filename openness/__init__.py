"""openness: how open is an AI model, and what does its license allow?"""

import os

# huggingface_hub 2.4 sends GET {HF_ENDPOINT}/api/agent-harnesses (at most once a day) to fill
# its user agent unless telemetry is off, which would double a warm audit's one request. It
# reads the variable when imported, so it is set here, before any import of the client; a
# value the user set (even "0") is kept.
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

__version__ = "0.1.0"
