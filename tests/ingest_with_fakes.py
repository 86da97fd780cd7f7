"""Run `ingest` with the fake embedder in a separate process (for the crash-safety test).

Usage: python tests/ingest_with_fakes.py STORE_PATH CORPUS [SLEEP_PER_BATCH]
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.config import Settings  # noqa: E402
from assistant.pipeline import Assistant  # noqa: E402
from tests.fakes import FakeEmbedder  # noqa: E402


class SlowFakeEmbedder(FakeEmbedder):
    def __init__(self, pause):
        self.pause = pause

    def embed(self, texts):
        time.sleep(self.pause)
        return super().embed(texts)


if __name__ == "__main__":
    store, corpus = Path(sys.argv[1]), Path(sys.argv[2])
    pause = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
    app = Assistant(Settings.load(environ={}, store_path=store), embedder=SlowFakeEmbedder(pause))
    print(app.ingest([corpus]).summary(), flush=True)
