"""Speed against the machine's own limits, measured in one run and printed as ratios.

- ingest: the product's chunks/s (read, chunk, embed, write Chroma and BM25) divided by a bare
  `SentenceTransformer.encode` on the same chunk texts and by the embedder's own bulk path (OpenVINO), with
  how close OpenVINO's vectors are to torch's; beside it what the bare rate gains from sorting by
  length (sentence-transformers does it inside `encode`) and from the int8 network (NNCF), with recall@5
  on the dev set for each embedder;
- answer: the evidence's size and how soon it is ready; time to first token divided by a bare llama.cpp
  prefill of the same prompt (same tokens, fresh KV cache), and with another question's KV cache left in
  place (the system prompt and its worked example are reused); the citation check's time per answer;
- retrieval: p50/p95 latency over BBC + sample articles, with and without the query embedding;
- story: a timeline of a topic, and an answer across articles (no chat model), over the same index;
- memory: this process's resident memory with both default models loaded (the serve process under
  8 clients is benchmarks/load.py).

    python benchmarks/speed.py --index /tmp/bbc-index   # reuse the index built by benchmarks/retrieval.py
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy
from load import memory_mb, percentile
from retrieval import BBC, DEV_SET, SAMPLES, known_items, machine

from assistant.answer import prompts
from assistant.config import Settings
from assistant.evaluate import evaluate, read_questions
from assistant.ingest.chunk import chunk_article
from assistant.ingest.sync import read_articles
from assistant.models.embed import BULK, passage_text
from assistant.pipeline import Assistant

ROWS: list[tuple[str, str, str]] = []  # (measure, figure, goal)
ACROSS = [Path(__file__).parent / "across_dev.jsonl", Path(__file__).parent / "across_bbc_dev.jsonl"]


def row(measure: str, figure: str, goal: str = "") -> None:
    ROWS.append((measure, figure, goal))
    print(f"  {measure}: {figure}", file=sys.stderr)


def sample_folder(n: int, seed: int, into: Path) -> Path:
    """n BBC articles (seeded sample) copied into a folder: the ingest workload."""
    into.mkdir(parents=True, exist_ok=True)
    files = sorted(p for p in BBC.rglob("*.txt"))
    for i, path in enumerate(random.Random(seed).sample(files, min(n, len(files)))):
        shutil.copy(path, into / f"{i:04}_{path.parent.name}_{path.name}")
    return into


def chunk_texts(folder: Path, s: Settings) -> list[str]:
    articles, _ = read_articles([folder], 10**7)
    return [passage_text(c) for a in articles for c in chunk_article(a, s.chunk_size, s.chunk_overlap)]


def rate(encode, texts: list[str]) -> float:
    started = time.perf_counter()
    encode(texts)
    return len(texts) / (time.perf_counter() - started)


def unsorted_encode(model, texts: list[str], batch: int = 32) -> None:
    """Batches in file order: what encode would cost without its sort by length."""
    for i in range(0, len(texts), batch):
        model.encode(texts[i : i + batch], batch_size=batch, normalize_embeddings=True)


def dev_recall(settings: Settings, tmp: Path, embedder=None) -> float:
    app = Assistant(settings.replace(store_path=tmp / f"dev-{settings.embed_precision}"), embedder=embedder)
    app.ingest([SAMPLES])
    return evaluate(app, read_questions(DEV_SET), retrieval_only=True)["recall_at_5"]


def bench_ingest(app: Assistant, tmp: Path, n: int, seed: int) -> None:
    folder = sample_folder(n, seed, tmp / "sample")
    texts = chunk_texts(folder, app.settings)
    model = app.embedder.model
    model.encode(texts[:64], batch_size=32)  # warm up
    bare = rate(lambda t: model.encode(t, batch_size=32, normalize_embeddings=True), texts)
    first = app.embedder.embed(texts[:BULK])  # converts the network for OpenVINO (once per process)
    bulk = rate(app.embedder.embed, texts)
    report = Assistant(app.settings.replace(store_path=tmp / "ingest"), embedder=app.embedder).ingest([folder])
    product = report.chunks / report.seconds
    row(f"ingest, {n} BBC articles ({len(texts)} chunks)", f"{product:.1f} chunks/s vs bare torch encode {bare:.1f}: "
        f"ratio {product / bare:.2f}; vs the bare bulk embed {bulk:.1f}: {product / bulk:.2f}", "≥ 2")  # fmt: skip
    exact = model.encode(texts[:BULK], batch_size=32, normalize_embeddings=True)
    cosine = min(float(a @ b) for a, b in zip(exact, numpy.array(first)))
    row("bare bulk embed (OpenVINO float32 when installed) vs torch float32", f"{bulk:.1f} vs {bare:.1f} chunks/s: "
        f"{bulk / bare:.2f}x; least cosine to torch's vector {cosine:.5f}", "same vectors")  # fmt: skip
    plain = rate(lambda t: unsorted_encode(model, t), texts)
    row("bare encode: sorted by length (encode's own) vs file order", f"{bare:.1f} vs {plain:.1f} chunks/s: "
        f"{bare / plain:.2f}x")  # fmt: skip
    int8 = Assistant(app.settings.replace(embed_precision="int8")).embedder
    vectors = numpy.array(int8.embed(texts[:BULK]))  # made (NNCF, once per model cache) or read back
    fast = rate(int8.embed, texts)
    cosine = min(float(a @ b) for a, b in zip(numpy.array(first), vectors))
    r_fp32 = dev_recall(app.settings, tmp, app.embedder)
    r_int8 = dev_recall(app.settings.replace(embed_precision="int8"), tmp, int8)
    row("bare bulk embed: int8 (ASSISTANT_EMBED_PRECISION=int8, OpenVINO + NNCF) vs float32 (OpenVINO)",
        f"{fast:.1f} vs {bulk:.1f} chunks/s: {fast / bulk:.2f}x; least cosine to float32's vector {cosine:.4f}; "
        f"dev recall@5 {r_int8:.2f} vs {r_fp32:.2f}", "≥ 1.5x, recall@5 unchanged")  # fmt: skip


def bench_answer(app: Assistant, questions: list[str]) -> None:
    s = app.settings
    llm = app.generator.llm
    cold, bare, tokens, shown, evidence, check = [], [], [], [], [], []
    for q in questions:
        items = app.evidence(q, app.retrieve(q))
        messages = prompts.answer_messages(s.prompts_dir, q, items)
        llm.reset()  # a fresh KV cache: the bare cost of prefilling this prompt
        started = time.perf_counter()
        out = llm.create_chat_completion(messages=messages, max_tokens=1, temperature=0.0)
        bare.append(time.perf_counter() - started)
        tokens.append(out["usage"]["prompt_tokens"])
        shown.append(app.generator.count_tokens(" ".join(e.text for e in items)))
        llm.reset()
        answer = app.ask(q)
        cold.append(answer.timings["first_token_s"])
        evidence.append(answer.timings["evidence_s"])
        check.append(answer.timings["check_s"])
    prefill = sum(tokens) / sum(bare)
    ratio = statistics.median(c / b for c, b in zip(cold, bare))
    row("answer prompt", f"{statistics.median(tokens):.0f} tokens p50, of which evidence {statistics.median(shown):.0f} "
        f"(budget {s.evidence_budget}); bare prefill {prefill:.0f} tok/s")  # fmt: skip
    row("evidence ready (retrieval + sentence selection), before the model starts",
        f"p50 {statistics.median(evidence) * 1000:.0f} ms")  # fmt: skip
    row("time to first token ÷ bare prefill, fresh KV cache", f"{ratio:.2f} (p50 TTFT {statistics.median(cold):.2f} s "
        f"vs {statistics.median(bare):.2f} s bare)", "≤ 1.15")  # fmt: skip
    shared = []
    for a, b in zip(questions, questions[1:] + questions[:1]):
        app.ask(a)
        shared.append(app.ask(b).timings["first_token_s"])  # only the system prompt prefix is in common
    row("time to first token after another question (the system prompt and its example stay in the KV cache)",
        f"p50 {statistics.median(shared):.2f} s vs {statistics.median(cold):.2f} s with a fresh cache",
        "≤ 3 s (0.5B)")  # fmt: skip
    row("citation check per answer", f"p50 {statistics.median(check) * 1000:.0f} ms, max {max(check) * 1000:.0f} ms",
        "≤ 0.5 s")  # fmt: skip


def bench_retrieval(app: Assistant, queries: list[str]) -> None:
    embed_times = []
    embed = app.embedder.embed

    def timed(texts):
        started = time.perf_counter()
        try:
            return embed(texts)
        finally:
            embed_times.append(time.perf_counter() - started)

    app.embedder.embed = timed
    app.retrieve(queries[0])
    embed_times.clear()
    total = []
    for q in queries:
        started = time.perf_counter()
        app.retrieve(q)
        total.append(time.perf_counter() - started)
    app.embedder.embed = embed
    without = [t - e for t, e in zip(total, embed_times)]
    row(f"retrieval, {app.index.store.count()} chunks, {len(queries)} queries, query embedding excluded",
        f"p50 {statistics.median(without) * 1000:.0f} ms, p95 {percentile(without, 95) * 1000:.0f} ms",
        "p50 ≤ 50 ms, p95 ≤ 150 ms")  # fmt: skip
    row("retrieval with the query embedding", f"p50 {statistics.median(total) * 1000:.0f} ms, "
        f"p95 {percentile(total, 95) * 1000:.0f} ms")  # fmt: skip


def bench_story(app: Assistant, topics: list[str], questions: list[str]) -> None:
    """Timelines of topics and answers across articles (no chat model): retrieval, every sentence of up to
    3 x story_articles articles scored, the lines chosen."""
    app.timeline(topics[0])  # the embedder warm
    timelines, answers = [], []
    for topic in topics:
        started = time.perf_counter()
        app.timeline(topic)
        timelines.append(time.perf_counter() - started)
    for q in questions:
        answers.append(app.ask(q).timings["total_s"])
    n = app.index.store.count()
    row(f"timeline of a topic, {n} chunks, {len(topics)} topics",
        f"p50 {statistics.median(timelines) * 1000:.0f} ms, max {max(timelines) * 1000:.0f} ms", "≤ 2 s")  # fmt: skip
    row(f"answer across articles (one quoted line each), {len(questions)} questions",
        f"p50 {statistics.median(answers) * 1000:.0f} ms, max {max(answers) * 1000:.0f} ms", "≤ 2 s")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, help="a BBC + samples index to reuse (built if missing)")
    parser.add_argument("--ingest-articles", type=int, default=150, help="BBC articles in the ingest workload")
    parser.add_argument("--questions", type=int, default=6, help="dev questions timed for the answer ratios")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--parts", default="ingest,retrieval,story,answer", help="which measures to take (comma-separated)"
    )
    args = parser.parse_args()
    if not BBC.is_dir() or not DEV_SET.exists():
        print(f"The shared corpus and dev set are absent: expected {BBC} and {DEV_SET}.")
        return 1
    parts = set(args.parts.split(","))
    with tempfile.TemporaryDirectory(prefix="assistant-speed-") as tmp:
        index = args.index or Path(tmp) / "bbc"
        app = Assistant(Settings.load(store_path=index))
        dev = [q for q in read_questions(DEV_SET) if q.answerable]
        if "ingest" in parts:
            print("ingest ...", file=sys.stderr)
            bench_ingest(app, Path(tmp), args.ingest_articles, args.seed)
        if "retrieval" in parts:
            print("retrieval (indexing BBC + samples if needed) ...", file=sys.stderr)
            app.ingest([BBC, SAMPLES])
            bench_retrieval(app, [q.question for q in dev] + [q.question for q in known_items(BBC, 200, args.seed)])
        if "story" in parts:
            print("timelines and answers across articles (indexing BBC + samples if needed) ...", file=sys.stderr)
            app.ingest([BBC, SAMPLES])
            across = [q.question for f in ACROSS for q in read_questions(f) if q.kind == "across"]
            bench_story(
                app, ["Lavrov", "Yukos", "Parmalat", "Mutu", "Kilroy-Silk", "Glazer", "Kerry in August"], across
            )
        if "answer" in parts:
            print("answer ...", file=sys.stderr)
            app = Assistant(Settings.load(store_path=Path(tmp) / "samples"), embedder=app.embedder)
            app.ingest([SAMPLES])
            bench_answer(app, [q.question for q in dev[: args.questions]])
        now, peak = memory_mb()
        row("memory of this process, both default models loaded", f"{now:.0f} MB now, peak {peak:.0f} MB")
    print(f"\nMachine: {machine()}; chat model {app.chat_spec().name}, {app.settings.threads} threads\n")
    print("| measure | figure | goal |\n|---|---|---|")
    for measure, figure, goal in ROWS:
        print(f"| {measure} | {figure} | {goal} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
