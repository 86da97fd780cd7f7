"""Measure retrieval and answers against a question set (the seed_qa_dev.jsonl format).

Each line: {"id", "question", "gold_docs": [paths relative to the folder ingested],
"answer_keywords": [[alternatives], ...], "answerable": bool}.

Retrieval metrics look at the ranked list of DISTINCT articles retrieved for the
question (retrieved `depth` passages deep, deeper than top_k, so recall@5 can
count five articles): a question is found at rank r when the r-th distinct
article is one of its gold docs; a source matches a gold path when it ends with
it. Answer metrics run the full pipeline with the normal settings.
Pure functions compute each metric; `evaluate` runs the questions.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    gold_docs: tuple[str, ...]
    answer_keywords: tuple[tuple[str, ...], ...]
    answerable: bool


def read_questions(path: Path) -> list[Question]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read question file {path} ({exc.strerror or exc})") from None
    questions = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            questions.append(
                Question(
                    id=str(row.get("id", number)),
                    question=row["question"],
                    gold_docs=tuple(row.get("gold_docs", [])),
                    answer_keywords=tuple(tuple(group) for group in row.get("answer_keywords", [])),
                    answerable=bool(row.get("answerable", True)),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{path}:{number}: not a question line ({exc}); see seed_qa_dev.jsonl") from None
    if not questions:
        raise InputError(f"{path} holds no questions")
    return questions


def matches(source: str, gold: str) -> bool:
    """A source path matches a gold path when it ends with it (on a path boundary).

    >>> matches("bbc/business/001.txt", "business/001.txt"), matches("x001.txt", "001.txt")
    (True, False)
    """
    return source == gold or source.endswith("/" + gold.lstrip("/"))


def distinct_articles(sources: list[str]) -> list[str]:
    return list(dict.fromkeys(sources))


def found_rank(sources: list[str], gold: tuple[str, ...]) -> int | None:
    """1-based rank of the first distinct article that is gold, or None.

    >>> found_rank(["a.txt", "a.txt", "b.txt"], ("b.txt",))
    2
    """
    for rank, source in enumerate(distinct_articles(sources), 1):
        if any(matches(source, g) for g in gold):
            return rank
    return None


def keywords_hit(answer: str, groups: tuple[tuple[str, ...], ...]) -> bool:
    """Every group has one alternative in the answer (case-insensitive).

    >>> keywords_hit("Ground troops and air strikes", (("ground",), ("air", "sky")))
    True
    """
    low = answer.lower()
    return all(any(alt.lower() in low for alt in group) for group in groups)


def retrieval_metrics(ranks: list[int | None]) -> dict:
    n = len(ranks) or 1
    return {
        "recall_at_1": sum(1 for r in ranks if r == 1) / n,
        "recall_at_5": sum(1 for r in ranks if r is not None and r <= 5) / n,
        "mrr": sum(1 / r for r in ranks if r) / n,
    }


def _p50(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def evaluate(app, questions: list[Question], retrieval_only: bool = False, depth: int = 20, progress=None) -> dict:
    """Run every question; return the summary metrics and a per-question list."""
    deep = app.settings.replace(top_k=depth, per_article=app.settings.per_article)
    rows, ranks = [], []
    for i, q in enumerate(questions, 1):
        hits = _retrieve_deep(app, deep, q.question)
        sources = [h.chunk.source for h in hits]
        row = {
            "id": q.id,
            "question": q.question,
            "answerable": q.answerable,
            "retrieved": distinct_articles(sources)[:10],
        }
        if q.gold_docs:
            row["found_at"] = found_rank(sources, q.gold_docs)
            ranks.append(row["found_at"])
        if not retrieval_only:
            answer = app.ask(q.question)
            row.update(
                answer=answer.text,
                abstained=answer.abstained,
                answer_hit=q.answerable and not answer.abstained and keywords_hit(answer.text, q.answer_keywords),
                citations=[
                    {
                        "n": c.n,
                        "source": c.hit.chunk.source,
                        "supported": c.supported,
                        "origin": c.origin,
                        "gold": any(matches(c.hit.chunk.source, g) for g in q.gold_docs),
                    }
                    for c in answer.citations
                ],  # fmt: skip
                ttft_s=answer.timings.get("first_token_s"),
                latency_s=answer.timings.get("total_s"),
            )
        rows.append(row)
        if progress:
            progress(i, len(questions), q.id)
    summary = {"n": len(questions), **retrieval_metrics(ranks)}
    if not retrieval_only:
        summary.update(answer_metrics(rows))
    return {**{k: (round(v, 3) if isinstance(v, float) else v) for k, v in summary.items()}, "questions": rows}


def _retrieve_deep(app, deep_settings, question: str):
    from .retrieve import retrieve

    s = deep_settings
    return retrieve(
        question, app.embedder, app.store, app.lexical, top_k=s.top_k, per_article=s.per_article,
        dense_weight=s.dense_weight, lexical_weight=s.lexical_weight,
    )  # fmt: skip


def answer_metrics(rows: list[dict]) -> dict:
    answerable = [r for r in rows if r["answerable"]]
    cites = [c for r in rows for c in r["citations"]]
    checked = [c for c in cites if c["supported"] is not None]
    model_cites = [c for c in cites if c["origin"] == "model"]
    return {
        "answer_hit_rate": sum(r["answer_hit"] for r in answerable) / (len(answerable) or 1),
        "abstain_accuracy": sum(r["abstained"] != r["answerable"] for r in rows) / (len(rows) or 1),
        "citation_validity": sum(c["gold"] for c in cites) / len(cites) if cites else None,
        "citation_supported_rate": sum(c["supported"] for c in checked) / len(checked) if checked else None,
        "model_cited_share": len(model_cites) / len(cites) if cites else None,
        "abstentions_with_citations": sum(1 for r in rows if r["abstained"] and r["citations"]),
        "ttft_p50_s": _p50([r["ttft_s"] for r in rows if r["ttft_s"] is not None]),
        "latency_p50_s": _p50([r["latency_s"] for r in rows if r["latency_s"] is not None]),
    }


def format_table(result: dict) -> str:
    """A plain-text table: the summary, then one line per question."""
    lines = [f"{k:28} {v}" for k, v in result.items() if k != "questions"]
    lines.append("")
    for r in result["questions"]:
        found = r.get("found_at", "-")
        mark = (
            "" if "answer" not in r else (" hit" if r["answer_hit"] else (" abstained" if r["abstained"] else " miss"))
        )
        lines.append(f"{r['id']:8} found@{found!s:4}{mark:11} {r['question'][:70]}")
    return "\n".join(lines)
