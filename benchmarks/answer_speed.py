"""Time to first token and whole-answer time with the default models, for this checkout and another, in one run.

    python benchmarks/answer_speed.py [--before DIR] [--questions N]

Asks the answerable questions of the seed dev set over the sample articles (each index built fresh in a
temporary folder) and prints p50 / p95 of the time until the reader sees the first words of the answer and
of the whole answer. With --before DIR (a checkout of an earlier commit, e.g. `git worktree add DIR
0e40f74`), the same questions are asked of that code in a child process right after, on the same machine,
so the two rows can be compared. The first question of each run loads the model and is not counted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from load import percentile

HERE = Path(__file__).resolve()
ROOT = HERE.parent.parent
DEV_SET = ROOT.parent / "shared" / "eval" / "seed_qa_dev.jsonl"


def measure(code: Path, count: int) -> dict:
    """Ask `count` dev questions of the assistant package found in `code`; the timings of each."""
    sys.path.insert(0, str(code))
    from assistant.config import Settings
    from assistant.pipeline import Assistant

    questions = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    asked = [q["question"] for q in questions if q["answerable"]][:count]
    with tempfile.TemporaryDirectory(prefix="assistant-answer-speed-") as tmp:
        app = Assistant(Settings.load(store_path=Path(tmp) / "index", corpus_path=ROOT / "articles"))
        app.ingest()
        app.ask(asked[0])  # loads the model
        timings = [app.ask(q).timings for q in asked]
    return {
        "code": str(code),
        "first": [t.get("first_token_s", t["total_s"]) for t in timings],
        "total": [t["total_s"] for t in timings],
    }


def figures(seconds: list[float]) -> str:
    return f"{statistics.median(seconds):.2f} s / {percentile(seconds, 95):.2f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="a checkout of the code to compare with")
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--code", type=Path, default=ROOT, help=argparse.SUPPRESS)  # the child's checkout
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not DEV_SET.exists():
        print(f"The seed dev set is absent: expected {DEV_SET}.")
        return 1
    runs = [measure(args.code, args.questions)]
    if args.json:
        print(json.dumps(runs[0]))
        return 0
    if args.before:
        child = [sys.executable, str(HERE), "--code", str(args.before.resolve()), "--json", "--questions",
                 str(args.questions)]  # fmt: skip
        runs.append(json.loads(subprocess.run(child, capture_output=True, text=True, check=True).stdout))
    print(
        f"| code | first words p50 / p95 | whole answer p50 / p95 |  ({args.questions} seed questions)\n|---|---|---|"
    )
    for run in runs:
        print(f"| {run['code']} | {figures(run['first'])} | {figures(run['total'])} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
