"""Run the `assistant` command with the fake embedder and the scripted chat model, in its own process.

Usage: python tests/cli_with_fakes.py [GLOBAL OPTIONS] COMMAND [ARGS...]  (as `assistant`)
For tests that need a process of their own: a read-only mount, a killed run.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.pipeline import Assistant  # noqa: E402
from assistant.ui import cli  # noqa: E402
from tests.fakes import FakeEmbedder, ScriptedGenerator  # noqa: E402


def with_fakes(ctx):
    settings = ctx.obj["settings"].replace(min_score=-1.0)
    return Assistant(settings, embedder=FakeEmbedder(), generator=ScriptedGenerator())


if __name__ == "__main__":
    cli.assistant_from = with_fakes
    cli.main(sys.argv[1:])
