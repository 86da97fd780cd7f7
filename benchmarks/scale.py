"""Ingest and search at archive scale: a synthetic news archive recombined from the BBC articles.

Writes an archive into --dir (a temporary folder unless given): article i takes the title and opening
paragraphs of one BBC article and paragraphs of another of the same section, under a date spread over
2000-2025, one file per article in year folders. The archive is ingested stage by stage with the product's
own `Assistant.ingest` and default embedder into an index in the same folder; a stage ends when the index
holds the next --stages chunk count (default 10k, 30k and 100k chunks). After each stage it prints:

- ingest: articles/s and chunks/s of that stage, and the product's chunks/s divided by the bare encode
  rates measured in the same run (torch `SentenceTransformer.encode`, and the embedder's bulk path, OpenVINO,
  on the first stage's chunk texts);
- the index size on disk and this process's peak resident memory so far;
- retrieval p50/p95 over --queries questions (the retrieval benchmark's BBC titles and half-remembered body
  sentences): whole (query embedding, vector search, BM25, fusion) and without the query embedding.

Interrupted (Ctrl-C), run it again with the same --dir: the archive is written again identically (seeded)
and the ingest resumes; what was written is not embedded again (the stage line says how many articles were
already indexed). With --chroma-url http://localhost:8000 the same code runs against a `chroma run` server
(the lexical index stays in --dir).

    python benchmarks/scale.py --dir /tmp/archive                       # 10k / 30k / 100k chunks: ~45 min at 37 chunks/s
    python benchmarks/scale.py --dir /tmp/archive --stages 10000 --chroma-url http://localhost:8000
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from load import memory_mb, percentile
from retrieval import BBC, folder_mb, known_details, known_items, machine

from assistant.config import Settings
from assistant.ingest.chunk import chunk_article
from assistant.ingest.read import make_article
from assistant.models.embed import passage_text
from assistant.pipeline import Assistant

FIRST_DAY, DAYS = date(2000, 1, 1), 9496  # to the end of 2025


def bbc_articles() -> dict[str, list[tuple[str, list[str]]]]:
    """section -> [(title, paragraphs)] of the BBC corpus (a file that is not UTF-8 is read with replacements)."""
    sections: dict[str, list[tuple[str, list[str]]]] = {}
    for path in sorted(BBC.glob("*/*.txt")):
        lines = path.read_text(encoding="utf-8", errors="replace").strip().split("\n")
        paragraphs = [p.strip() for p in "\n".join(lines[1:]).split("\n\n") if p.strip()]
        if paragraphs:
            sections.setdefault(path.parent.name, []).append((lines[0].strip(), paragraphs))
    return sections


def synthetic(i: int, sections: dict, seed: int) -> tuple[str, str]:
    """Article i of the archive: (path in the archive, text). The same i and seed give the same article."""
    rng = random.Random(seed * 1_000_003 + i)
    section = rng.choice(sorted(sections))
    (title, first), (_, second) = rng.sample(sections[section], 2)
    keep = rng.randint(1, max(1, len(first) - 1))
    start = rng.randrange(len(second))
    body = first[:keep] + second[start : start + rng.randint(1, 4)]
    day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
    text = f"{title}\n\nBy BBC News\n\n{day:%B %d, %Y}\n\n" + "\n\n".join(body) + "\n"
    return f"{day.year}/{section}-{i:06}.txt", text


def write_stage(folder: Path, first: int, chunks_wanted: int, sections: dict, settings: Settings, seed: int):
    """Write articles first, first+1, ... into folder until they make chunks_wanted chunks; (next i, chunk texts)."""
    texts, i = [], first
    while len(texts) < chunks_wanted:
        rel, text = synthetic(i, sections, seed)
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        article = make_article(folder.name, rel, text)
        texts += [passage_text(c) for c in chunk_article(article, settings.chunk_size, settings.chunk_overlap)]
        i += 1
    return i, texts


def bare_rates(app: Assistant, texts: list[str]) -> tuple[float, float]:
    """Chunks/s of bare torch encoding and of the embedder's own bulk path (OpenVINO) on the same texts."""
    embedder = app.embedder
    embedder.embed(texts[:64])  # warm up (OpenVINO converts the model once per process)
    started = time.perf_counter()
    embedder.model.encode(texts, batch_size=embedder.batch_size, normalize_embeddings=True, show_progress_bar=False)
    torch_rate = len(texts) / (time.perf_counter() - started)
    started = time.perf_counter()
    embedder.embed(texts)
    return torch_rate, len(texts) / (time.perf_counter() - started)


def latency(app: Assistant, asked: list[str]) -> tuple[float, float, float]:
    """(p50, p95) of whole retrievals in ms, and p50 of retrievals given the query's vector."""
    app.retrieve(asked[0])
    whole, given = [], []
    vectors = app.embedder.embed(asked)  # in bulk; the same vectors as one question's (embed.py)
    for question, vector in zip(asked, vectors):
        started = time.perf_counter()
        app.retrieve(question)
        whole.append(time.perf_counter() - started)
        started = time.perf_counter()
        app.retrieve(question, vector=vector)
        given.append(time.perf_counter() - started)
    return statistics.median(whole) * 1000, percentile(whole, 95) * 1000, statistics.median(given) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, help="folder for the archive and its index (default: a temporary one)")
    parser.add_argument("--stages", default="10000,30000,100000", help="chunk counts at which to measure")
    parser.add_argument("--queries", type=int, default=200, help="questions timed at each stage")
    parser.add_argument("--bare", type=int, default=1024, help="chunk texts for the bare encode rates")
    parser.add_argument("--chroma-url", default="", help="a `chroma run` server instead of the local store")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not BBC.is_dir():
        print(f"The shared BBC corpus is absent: expected it at {BBC} (../shared/corpus/bbc beside the project).")
        return 1
    folder = args.dir or Path(tempfile.mkdtemp(prefix="assistant-scale-"))
    try:
        return run(folder, [int(s) for s in args.stages.split(",")], args)
    finally:
        if args.dir is None:
            shutil.rmtree(folder, ignore_errors=True)


def run(folder: Path, stages: list[int], args) -> int:
    sections = bbc_articles()
    settings = Settings.load(store_path=folder / "index", chroma_url=args.chroma_url)
    app = Assistant(settings)
    half = args.queries // 2
    asked = [q.question for q in known_items(BBC, half, args.seed) + known_details(BBC, half, args.seed)]
    print(f"Machine: {machine()}")
    print(f"Store: {args.chroma_url or 'local Chroma'} + SQLite BM25 in {folder / 'index'}\n")
    print("| chunks | articles | stage ingest | articles/s | chunks/s | ÷ bare torch | ÷ bare OpenVINO | index MB "
          "| peak RSS MB | retrieval p50 / p95 ms | p50 without query embedding ms |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    first, made, rates = 0, 0, None
    for n, wanted in enumerate(stages, 1):
        stage = folder / "archive" / f"stage{n}"
        print(f"Writing stage {n} ({wanted - made} chunks) into {stage} ...", file=sys.stderr)
        first, texts = write_stage(stage, first, wanted - made, sections, settings, args.seed)
        made += len(texts)
        if rates is None:
            bare = texts[: args.bare]
            rates = bare_rates(app, bare)

        def progress(d: int, total: int, what: str, started=time.perf_counter()) -> None:
            if d == total or d % 2560 < 256:
                rate = d / max(time.perf_counter() - started, 1e-9)
                print(f"  {d}/{total} chunks, {rate:.0f}/s, {(total - d) / rate:.0f} s left", file=sys.stderr)

        report = app.ingest([stage], progress=progress)
        seconds = max(report.seconds, 1e-9)
        resumed = f" ({len(report.unchanged)} already indexed)" if report.unchanged else ""
        p50, p95, given = latency(app, asked)
        chunks = app.index.store.count()
        articles = len(app.index.store.articles())
        rate = report.chunks / seconds
        print(f"| {chunks} | {articles} | {seconds:.0f} s{resumed} | {len(report.added) / seconds:.1f} | {rate:.1f} "
              f"| {rate / rates[0]:.2f} | {rate / rates[1]:.2f} | {folder_mb(folder / 'index'):.0f} "
              f"| {memory_mb()[1]:.0f} | {p50:.0f} / {p95:.0f} | {given:.0f} |", flush=True)  # fmt: skip
    print(f"\nBare encode on {len(bare)} chunk texts of stage 1: torch {rates[0]:.1f} chunks/s, "
          f"OpenVINO {rates[1]:.1f} chunks/s; top_k {settings.top_k}, {settings.candidates} candidates, "
          f"{len(asked)} queries, seed {args.seed}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
