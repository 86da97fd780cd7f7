"""Load on the chat page with the REAL default models: N gradio_client users, M questions each, at once.

Serves the page in this process on a free loopback port over a temporary index of the sample articles,
answers one warm-up question (loads the models), then lets the users ask the dev set's questions.
Prints p50/p95 of the time to the first streamed words and to the complete answer, errors, and the
process's resident memory (after warm-up and peak). Generation is serialised by the model's lock, so
latency grows with the number of users: that is what this measures.

    ASSISTANT_CACHE_DIR=/tmp/acache python benchmarks/load.py --clients 8 --questions 3
"""

from __future__ import annotations

import argparse
import json
import re
import socket
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from assistant.config import PROJECT_ROOT, Settings
from assistant.pipeline import Assistant
from assistant.ui import web

DEV_SET = PROJECT_ROOT.parent / "shared" / "eval" / "seed_qa_dev.jsonl"
FALLBACK = ["What did Lavrov propose?", "Which ancient city did Islamic State occupy in May 2015?"]


def memory_mb() -> tuple[float, float]:
    """(resident now, peak resident) of this process, in MB."""
    status = Path("/proc/self/status").read_text()
    return tuple(int(re.search(rf"{k}:\s+(\d+)", status).group(1)) / 1024 for k in ("VmRSS", "VmHWM"))


def percentile(values: list[float], p: int) -> float:
    """The p-th percentile (1..99) of the values, interpolated between them (never beyond the largest)."""
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else values[0]


def questions() -> list[str]:
    if not DEV_SET.exists():
        return FALLBACK
    rows = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["question"] for r in rows if r.get("answerable", True)] or FALLBACK


def ask(client, question: str) -> dict:
    """One question through the page's /ask endpoint: first words seen, total time, final text."""
    started, first = time.perf_counter(), None
    job = client.submit(question, [], "", "", "", "", api_name="/ask")
    for history, _ in job:
        text = history[-1]["content"][0]["text"] if history else ""
        if first is None and text not in ("", "…") and not text.startswith("⏳"):
            first = time.perf_counter() - started
    history, sources = job.result()
    total = time.perf_counter() - started
    text = history[-1]["content"][0]["text"]
    return {
        "first_s": first if first is not None else total,
        "total_s": total,
        "text": text,
        "cited": "src-" in sources,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--questions", type=int, default=3, help="questions per client, asked one after another")
    parser.add_argument("--corpus", type=Path, default=PROJECT_ROOT / "articles")
    args = parser.parse_args()
    from gradio_client import Client

    pool = questions()
    with tempfile.TemporaryDirectory() as tmp:
        app = Assistant(Settings.load(store_path=Path(tmp) / "index", corpus_path=args.corpus))
        app.ingest()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        demo = web.serve(app, port=port, block=False, warn=lambda m: None)
        url = f"http://127.0.0.1:{port}/"
        try:
            t = time.perf_counter()
            ask(Client(url, verbose=False), FALLBACK[0])
            print(f"warm-up (loads the models): {time.perf_counter() - t:.1f} s, model {app.chat_spec().name}")
            rss_warm, _ = memory_mb()

            def user(c: int) -> list[dict]:
                client = Client(url, verbose=False)
                return [ask(client, pool[(c * args.questions + q) % len(pool)]) for q in range(args.questions)]

            t = time.perf_counter()
            with ThreadPoolExecutor(args.clients) as executor:
                results = [r for rs in executor.map(user, range(args.clients)) for r in rs]
            wall = time.perf_counter() - t
        finally:
            demo.close()
    rss_now, peak = memory_mb()
    errors = [r["text"] for r in results if r["text"].startswith("⚠")]
    first, total = [r["first_s"] for r in results], [r["total_s"] for r in results]
    print(f"{args.clients} clients x {args.questions} questions = {len(results)} answers in {wall:.1f} s")
    print(f"first words : p50 {statistics.median(first):6.1f} s   p95 {percentile(first, 95):6.1f} s")
    print(f"whole answer: p50 {statistics.median(total):6.1f} s   p95 {percentile(total, 95):6.1f} s")
    print(f"errors {len(errors)}, answers with a cited source {sum(r['cited'] for r in results)}/{len(results)}")
    print(f"memory: {rss_warm:.0f} MB after warm-up, {rss_now:.0f} MB after the load, peak {peak:.0f} MB")
    for e in errors[:3]:
        print("  error:", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
