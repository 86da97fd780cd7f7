"""Retrieval at scale with the REAL embedder: the BBC corpus plus the sample articles.

Indexes ../shared/corpus/bbc and articles/ into a separate index folder (a temporary one unless --index is
given; the project's index/ is never touched), then prints one markdown table:

- ingest time, chunks/s and the index size on disk (a reused --index says so: nothing is re-embedded);
- retrieval latency p50/p95 with the current settings over many queries (dev questions and BBC titles);
- `assistant eval --retrieval-only` figures (recall@1, recall@5, MRR over distinct articles) for dense only,
  BM25 only, hybrid, and hybrid+rerank when ASSISTANT_RERANK_MODEL names a local cross-encoder, on the dev
  set (../shared/eval/seed_qa_dev.jsonl) and on a BBC known-item set: a seeded sample of article titles, each
  asked as a question whose gold is the article (and any article with the same title: the BBC set repeats
  some stories); and a harder BBC "details" set: the first 8 words of a sentence from deep in a sampled
  article, as a reader half-remembers it; and BBC titles paraphrased by the local chat model (in other
  words: what dense retrieval is for).

Settings come from ASSISTANT_* variables like everywhere else; --sweep adds rows for other fusion weights.

    python benchmarks/retrieval.py                        # ~8 min on 2 cores, most of it embedding
    python benchmarks/retrieval.py --index /tmp/bbc-index --sweep   # keep the index, re-run in seconds
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from load import percentile

from assistant.config import PROJECT_ROOT, Settings
from assistant.evaluate import Question, evaluate, read_questions
from assistant.ingest.read import read_folder
from assistant.pipeline import Assistant
from assistant.records import Article

SHARED = PROJECT_ROOT.parent / "shared"
BBC = SHARED / "corpus" / "bbc"
DEV_SET = SHARED / "eval" / "seed_qa_dev.jsonl"
SAMPLES = PROJECT_ROOT / "articles"
SWEEP = [(1.0, 0.5), (1.0, 1.0), (1.0, 2.0), (1.0, 3.0), (1.0, 5.0)]  # (dense, lexical) beside the defaults


def known_items(folder: Path, sample: int, seed: int) -> list[Question]:
    """Each sampled article's title as the query; gold = every article of the folder with that title."""
    articles = [a for a in read_folder(folder, 10**7) if isinstance(a, Article) and a.title]
    by_title: dict[str, list[str]] = {}
    for a in articles:
        by_title.setdefault(a.title.strip(), []).append(a.source)
    titles = sorted(t for t in by_title if len(t.split()) >= 2)  # skip one-word "titles" such as README
    picked = random.Random(seed).sample(titles, min(sample, len(titles)))
    return [Question(f"bbc{i:03}", t, tuple(by_title[t]), (), True) for i, t in enumerate(picked, 1)]


def known_details(folder: Path, sample: int, seed: int) -> list[Question]:
    """A detail a reader remembers: the first 8 words of one sentence from deep in a sampled article's body.

    Harder than the title (which every chunk of its article carries): the query matches one passage only,
    in its own words, among thousands of same-topic passages.
    """
    rng = random.Random(seed)
    articles = sorted((a for a in read_folder(folder, 10**7) if isinstance(a, Article)), key=lambda a: a.source)
    by_text: dict[str, list[str]] = {}
    for a in articles:
        by_text.setdefault(a.sha256, []).append(a.source)
    picked = []
    for a in rng.sample(articles, min(sample, len(articles))):
        body = a.text.split("\n\n")[2:]  # past the title and the lead paragraph
        sentences = [s for p in body for s in re.split(r"(?<=[.!?])\s+", p) if len(s.split()) >= 12]
        if sentences:
            words = rng.choice(sentences).split()[:8]
            picked.append(Question(f"detail{len(picked) + 1:03}", " ".join(words), tuple(by_text[a.sha256]), (), True))
    return picked


def paraphrased(app: Assistant, titles: list[Question], n: int, cache: Path) -> list[Question]:
    """Titles asked in other words by the local chat model: the questions dense retrieval is for.

    Cached in the index folder (paraphrases.json), so a re-run asks the model nothing.
    """
    known = json.loads(cache.read_text()) if cache.exists() else {}
    picked = []
    for q in titles[:n]:
        if q.question not in known:
            prompt = (
                "Rewrite this news headline as a question a reader might ask about the story. Use other words: "
                f"synonyms, not the headline's own words. Reply with the question only.\n\nHeadline: {q.question}"
            )
            text = "".join(app.generator.stream([{"role": "user", "content": prompt}], 40, 0.0)).strip()
            known[q.question] = (text.splitlines() or [""])[0].strip().strip('"')
            cache.write_text(json.dumps(known, indent=1))
        picked.append(Question(f"para{len(picked) + 1:03}", known[q.question] or q.question, q.gold_docs, (), True))
    return picked


def folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file()) / 1e6


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def measure(app: Assistant, questions: list[Question], **weights) -> dict:
    base = app.settings
    app.settings = base.replace(**weights)
    try:
        return evaluate(app, questions, retrieval_only=True)
    finally:
        app.settings = base


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, help="index folder to build or reuse (default: a temporary one)")
    parser.add_argument("--sample", type=int, default=300, help="BBC known-item questions (default 300)")
    parser.add_argument("--latency-queries", type=int, default=200, help="queries timed for p50/p95")
    parser.add_argument("--paraphrases", type=int, default=100, help="titles the chat model paraphrases")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sweep", action="store_true", help="also measure other (dense, lexical) fusion weights")
    args = parser.parse_args()

    if not BBC.is_dir():
        print(f"The shared BBC corpus is absent: expected it at {BBC} (../shared/corpus/bbc beside the project).")
        return 1
    folder = args.index or Path(tempfile.mkdtemp(prefix="assistant-bench-"))
    reused = args.index is not None and any(folder.glob("*.sqlite3"))
    app = Assistant(Settings.load(store_path=folder))
    try:
        return run(app, folder, reused, args)
    finally:
        if args.index is None:
            shutil.rmtree(folder, ignore_errors=True)


def run(app: Assistant, folder: Path, reused: bool, args) -> int:
    s = app.settings
    print(f"Indexing {BBC} and {SAMPLES} into {folder} ...", file=sys.stderr)
    app.embedder  # load the model before the clock starts
    report = app.ingest([BBC, SAMPLES])
    chunks = app.index.store.count()
    dev = read_questions(DEV_SET) if DEV_SET.exists() else []
    bbc = known_items(BBC, args.sample, args.seed)
    details = known_details(BBC, args.sample, args.seed)
    print(f"Paraphrasing {args.paraphrases} titles with the chat model (cached) ...", file=sys.stderr)
    para = paraphrased(app, bbc, args.paraphrases, folder / "paraphrases.json")

    queries = ([q.question for q in dev] + [q.question for q in bbc])[: args.latency_queries]
    app.retrieve(queries[0])  # warm caches
    times = []
    for q in queries:
        started = time.perf_counter()
        app.retrieve(q)
        times.append(time.perf_counter() - started)

    variants = [("dense only", {"lexical_weight": 0.0}), ("BM25 only", {"dense_weight": 0.0})]
    variants.append((f"hybrid ({s.dense_weight:g} : {s.lexical_weight:g}), the default", {}))
    if args.sweep:
        others = [(d, lw) for d, lw in SWEEP if (d, lw) != (s.dense_weight, s.lexical_weight)]
        variants += [(f"hybrid ({d:g} : {lw:g})", {"dense_weight": d, "lexical_weight": lw}) for d, lw in others]
    if s.rerank_model:
        variants.append((f"hybrid + rerank ({Path(s.rerank_model).name})", {}))
        variants = [(n, {**w, "rerank_model": ""} if "rerank" not in n else w) for n, w in variants]
    rows = []
    for name, weights in variants:
        print(f"  measuring {name} ...", file=sys.stderr)
        d = measure(app, dev, **weights) if dev else {}
        measured = [d] + [measure(app, questions, **weights) for questions in (bbc, details, para)]
        cells = [
            " / ".join(f"{m[k]:.2f}" for k in ("recall_at_1", "recall_at_5", "mrr")) if m else "-" for m in measured
        ]
        rows.append(f"| {name} | " + " | ".join(cells) + " |")

    if reused:
        ingest = f"reused {folder} ({report.summary()})"
    else:
        ingest = f"{report.seconds:.0f} s for {report.chunks} chunks ({report.chunks / report.seconds:.1f} chunks/s)"
    print(f"\nMachine: {machine()}")
    print(
        f"Corpus: {len(app.index.store.articles())} articles, {chunks} chunks (chunk size {s.chunk_size}/{s.chunk_overlap})"
    )
    print(f"Ingest: {ingest}")
    print(f"Index on disk: {folder_mb(folder):.0f} MB")
    print(
        f"Retrieval latency (top_k {s.top_k}, {s.candidates} candidates, {len(times)} queries): "
        f"p50 {statistics.median(times) * 1000:.0f} ms, p95 {percentile(times, 95) * 1000:.0f} ms"
    )
    print(f"Reranker: {s.rerank_model or 'none (no cross-encoder ships on PyPI; set ASSISTANT_RERANK_MODEL)'}\n")
    print("R@1 / R@5 / MRR on each question set:\n")
    print("| retrieval (dense : lexical) | dev | BBC titles | BBC details | BBC paraphrased titles |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))
    print(f"\ndev: {len(dev)} questions ({sum(bool(q.gold_docs) for q in dev)} with gold articles); "
          f"BBC known-item: {len(bbc)} titles, {len(details)} details (8 words of a body sentence), "
          f"{len(para)} titles paraphrased by {app.chat_spec().name}, seed {args.seed}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
