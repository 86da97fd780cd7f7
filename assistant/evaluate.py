"""Measure retrieval and answers against a question set (the seed_qa_dev.jsonl format).

Each line: {"id", "question", "gold_docs": [paths relative to the folder ingested],
"answer_keywords": [[alternatives], ...], "answerable": bool}, and optionally "kind" (a group
the figures are also given for: "across", "latest", "dated") and "article_keywords":
{gold path: [[alternatives], ...]}, for a question answered one line per article: it is right
when the line of each of those articles holds its groups.

Retrieval metrics look at the ranked list of DISTINCT articles retrieved for the
question: a question is found at rank r when the r-th distinct article is one of
its gold docs; a source matches a gold path when it ends with it (on a path
boundary). With `per_article` passages per article, top_k = 5 passages may name
only three articles, so the ranking is taken from a deeper list: the normal
retrieval (same weights, candidate pool, filters and reranker) asked for
`depth` = 20 passages, which names at least 20 / per_article articles when the
pool holds them. Retrieval's pool does not depend on top_k, so the first top_k
passages of that list are exactly the passages the model would be given.

Answer metrics run the full pipeline (`Assistant.ask`) with the normal settings,
which retrieves again at the normal top_k. Pure functions compute each metric;
`evaluate` runs the questions. It does not judge answers beyond keyword groups.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from pathlib import Path

from . import prompts
from .cite import is_abstention
from .errors import InputError


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    gold_docs: tuple[str, ...]
    answer_keywords: tuple[tuple[str, ...], ...]
    answerable: bool
    kind: str = ""
    article_keywords: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = ()


def read_questions(path: Path) -> list[Question]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read question file {path} ({getattr(exc, 'strerror', None) or exc})") from None
    questions = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            questions.append(parse_question(json.loads(line), number))
        except ValueError as exc:
            raise InputError(f"{path}:{number}: not a question line ({exc}); see seed_qa_dev.jsonl") from None
    if not questions:
        raise InputError(f"{path} holds no questions")
    return questions


def parse_question(row, number: int) -> Question:
    """One JSON line as a Question; ValueError saying what is wrong.

    >>> parse_question({"question": "Who?", "answer_keywords": [["Kerry", "Lavrov"]]}, 3).answer_keywords
    (('Kerry', 'Lavrov'),)
    """
    if not isinstance(row, dict):
        raise ValueError("expected a JSON object")
    question = row.get("question")
    if not isinstance(question, str) or not question.strip():
        raise ValueError('"question" must be a non-empty string')
    gold = row.get("gold_docs", [])
    if not isinstance(gold, list) or not all(isinstance(g, str) and g for g in gold):
        raise ValueError('"gold_docs" must be a list of paths')
    groups = row.get("answer_keywords", [])
    if not isinstance(groups, list) or not all(
        isinstance(g, list) and g and all(isinstance(k, str) for k in g) for g in groups
    ):
        raise ValueError('"answer_keywords" must be a list of lists of alternatives, like [["Palmyra"]]')
    answerable = row.get("answerable", True)
    if not isinstance(answerable, bool):
        raise ValueError('"answerable" must be true or false')
    per_article = row.get("article_keywords", {})
    if not isinstance(per_article, dict) or not all(
        isinstance(g, list) and all(isinstance(a, list) and a and all(isinstance(k, str) for k in a) for a in g)
        for g in per_article.values()
    ):
        raise ValueError('"article_keywords" must map article paths to lists of alternatives, like {"a.txt": [["x"]]}')
    kind = row.get("kind", "")
    if not isinstance(kind, str):
        raise ValueError('"kind" must be a string')
    return Question(
        str(row.get("id", number)), question, tuple(gold), tuple(tuple(g) for g in groups), answerable, kind,
        tuple((path, tuple(tuple(a) for a in g)) for path, g in per_article.items()),
    )  # fmt: skip


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
    """Recall@1, recall@5 and mean reciprocal rank over found-at ranks (None = not found).

    >>> retrieval_metrics([1, 3, None, 6])
    {'recall_at_1': 0.25, 'recall_at_5': 0.5, 'mrr': 0.375}
    """
    n = len(ranks) or 1
    return {
        "recall_at_1": sum(1 for r in ranks if r == 1) / n,
        "recall_at_5": sum(1 for r in ranks if r is not None and r <= 5) / n,
        "mrr": sum(1 / r for r in ranks if r) / n,
    }


def citation_validity(rows: list[dict]) -> float | None:
    """Share of the model's [n] markers that point at a retrieved passage from a gold article.

    A marker pointing at no passage counts against; passages the checker attached are not markers.

    >>> rows = [{"citations": [{"origin": "model", "gold": True}, {"origin": "checker", "gold": False}],
    ...          "invalid_markers": [7]}]
    >>> citation_validity(rows)
    0.5
    """
    marks = [c["gold"] for r in rows for c in r["citations"] if c["origin"] == "model"]
    marks += [False for r in rows for _ in r.get("invalid_markers", [])]
    return sum(marks) / len(marks) if marks else None


def _p50(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def evaluate(app, questions: list[Question], retrieval_only: bool = False, depth: int = 20, progress=None) -> dict:
    """Run every question; return the summary metrics and a per-question list."""
    rows, ranks = [], []
    for i, q in enumerate(questions, 1):
        hits = app.retrieve(q.question, top_k=max(depth, app.settings.top_k))
        sources = [h.chunk.source for h in hits]
        row = {
            "id": q.id,
            "kind": q.kind,
            "question": q.question,
            "answerable": q.answerable,
            "gold_docs": list(q.gold_docs),
            "retrieved": distinct_articles(sources)[:10],
            "hits": _hits(hits[: app.settings.top_k]),
        }
        if q.gold_docs:
            row["found_at"] = found_rank(sources, q.gold_docs)
            ranks.append(row["found_at"])
        if not retrieval_only:
            row.update(_answer_row(app, app.ask(q.question), q))
        rows.append(row)
        if progress:
            progress(i, len(questions), q.id)
    summary = {"n": len(questions), "n_with_gold": len(ranks), **retrieval_metrics(ranks)}
    if not retrieval_only:
        summary.update(answer_metrics(rows))
    return {**{k: (round(v, 3) if isinstance(v, float) else v) for k, v in summary.items()}, "questions": rows}


def _hits(hits) -> list[dict]:
    return [{"source": h.chunk.source, "chunk": h.chunk.id, "score": round(h.score, 4)} for h in hits]


def outcome(q: Question, text: str, abstained: bool, lines: dict[str, str] | None = None) -> str:
    """right, wrong or false_abstention for an answerable question; invented or abstained for the others.
    `lines`: source -> the text of that article's line, for a question with article_keywords.

    >>> q = Question("1", "Who?", (), (("Kerry",),), True)
    >>> outcome(q, "Kerry did.", False), outcome(q, "Lavrov did.", False), outcome(q, "", True)
    ('right', 'wrong', 'false_abstention')
    >>> q = Question("2", "Each?", (), (), True, "across", (("a.txt", (("Kerry",),)), ("b.txt", (("Lavrov",),))))
    >>> outcome(q, "", False, {"x/a.txt": "Kerry", "b.txt": "Lavrov"}), outcome(q, "", False, {"a.txt": "Kerry"})
    ('right', 'wrong')
    """
    if not q.answerable:
        return "abstained" if abstained else "invented"
    if abstained:
        return "false_abstention"
    lines = lines or {}
    for gold, groups in q.article_keywords:
        said = " ".join(line for source, line in lines.items() if matches(source, gold))
        if not said or not keywords_hit(said, groups):
            return "wrong"
    return "right" if keywords_hit(text, q.answer_keywords) else "wrong"


def _answer_row(app, answer, q: Question) -> dict:
    lines = {x.chunk.source: " ".join(e.text for e in x.evidence) for x in answer.lines}
    result = outcome(q, f"{answer.text} {answer.dates}", answer.abstained, lines)
    model_abstained = is_abstention(answer.draft, prompts.not_found_sentence(app.settings.prompts_dir))
    evidence_text = " ".join(e.text for e in answer.evidence)
    return {
        "answer": answer.text,
        "dates": answer.dates,
        "per_article": sorted(lines),
        "abstained": answer.abstained,
        "outcome": result,
        "answer_hit": result == "right",
        # the model's own answer when the check withheld it (or the model found nothing): what the check is judged on
        "draft": answer.draft,
        "draft_outcome": outcome(q, answer.draft, model_abstained) if answer.draft else result,
        "withheld": bool(answer.draft) and not model_abstained,
        "quoted": answer.quoted,
        "second_look": answer.second_look,  # the model's reply over the best evidence alone, when it was asked
        "second_look_kept": bool(answer.second_look) and not answer.abstained and not answer.quoted,
        "flagged": any(s.flag for s in answer.sentences),
        "answer_in_evidence": q.answerable and keywords_hit(evidence_text, q.answer_keywords),
        "evidence_tokens": app.generator.count_tokens(evidence_text) if evidence_text else 0,
        "hits": _hits(answer.hits),  # the passages the evidence was chosen from
        "citations": [
            {
                "n": c.n,
                "source": c.hit.chunk.source,
                "supported": c.supported,
                "origin": c.origin,
                "gold": any(matches(c.hit.chunk.source, g) for g in q.gold_docs),
            }
            for c in answer.citations
        ],
        "invalid_markers": answer.invalid_markers,
        "ttft_s": answer.timings.get("first_token_s"),
        "latency_s": answer.timings.get("total_s"),
    }


def outcome_rates(rows: list[dict], prefix: str = "") -> dict:
    """Counts and rates of each outcome: right, wrong and false abstention over the answerable questions,
    invented over the unanswerable ones."""
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    out = {}
    for name, pool in (("right", answerable), ("wrong", answerable), ("false_abstention", answerable),
                       ("invented", unanswerable)):  # fmt: skip
        count = sum(1 for r in pool if r["outcome"] == name)
        out[f"{prefix}{name}"] = count
        out[f"{prefix}{name}_rate"] = count / len(pool) if pool else None
    return out


def check_rates(rows: list[dict]) -> dict:
    """How well the citation check tells the model's wrong answers from its right ones.

    catch rate: wrong or invented drafts that the check flagged or withheld, over all wrong or invented drafts;
    false-flag rate: right drafts that it flagged or withheld, over all right drafts.
    """
    bad = [r for r in rows if r["draft_outcome"] in ("wrong", "invented")]
    good = [r for r in rows if r["draft_outcome"] == "right"]
    caught = [r for r in bad if r["flagged"] or r["withheld"]]
    false_flags = [r for r in good if r["flagged"] or r["withheld"]]
    return {
        "check_catch_rate": len(caught) / len(bad) if bad else None,
        "check_false_flag_rate": len(false_flags) / len(good) if good else None,
        "check_caught": f"{len(caught)}/{len(bad)}",
        "check_false_flags": f"{len(false_flags)}/{len(good)}",
    }


def kind_rates(rows: list[dict]) -> dict:
    """Right answers per kind of question ("across", "latest", ...), for the questions that name a kind."""
    kinds = sorted({r["kind"] for r in rows if r["kind"]})
    return {
        f"{kind}_right": f"{sum(r['outcome'] == 'right' for r in group)}/{len(group)}"
        for kind in kinds
        for group in [[r for r in rows if r["kind"] == kind and r["answerable"]]]
    }


def answer_metrics(rows: list[dict]) -> dict:
    answerable = [r for r in rows if r["answerable"]]
    cites = [c for r in rows for c in r["citations"]]
    checked = [c for c in cites if c["supported"] is not None]
    model_cites = [c for c in cites if c["origin"] == "model"]
    written = [r for r in rows if not r["abstained"] and not r["quoted"]]
    in_top5 = [r for r in answerable if r.get("found_at") and r["found_at"] <= 5]
    tokens = [r["evidence_tokens"] for r in rows if r["evidence_tokens"]]
    return {
        **outcome_rates(rows),
        "n_gold_in_top5": len(in_top5),
        **{k: v for k, v in outcome_rates(in_top5, "top5_").items() if "invented" not in k},
        **check_rates(rows),
        "answer_hit_rate": sum(r["answer_hit"] for r in answerable) / (len(answerable) or 1),
        "abstain_accuracy": sum(r["abstained"] != r["answerable"] for r in rows) / (len(rows) or 1),
        "answer_in_evidence_rate": sum(r["answer_in_evidence"] for r in answerable) / (len(answerable) or 1),
        "evidence_tokens_p50": _p50(tokens),
        "citation_validity": citation_validity(rows),
        "citation_supported_rate": sum(c["supported"] for c in checked) / len(checked) if checked else None,
        "model_cited_share": len(model_cites) / len(cites) if cites else None,
        # of the answers the model wrote (not quotes): those citing evidence by the model's own markers
        "self_cited_answers": sum(1 for r in written if any(c["origin"] == "model" for c in r["citations"]))
        / (len(written) or 1),
        "quoted": sum(1 for r in rows if r["quoted"]),
        "second_looks": f"{sum(1 for r in rows if r['second_look_kept'])}/{sum(1 for r in rows if r['second_look'])} kept",
        "abstentions_with_citations": sum(1 for r in rows if r["abstained"] and r["citations"]),
        **kind_rates(rows),
        "ttft_p50_s": _p50([r["ttft_s"] for r in rows if r["ttft_s"] is not None]),
        "latency_p50_s": _p50([r["latency_s"] for r in rows if r["latency_s"] is not None]),
    }


def format_table(result: dict) -> str:
    """A plain-text table: the summary, then one line per question."""
    lines = [f"{k:28} {v}" for k, v in result.items() if k != "questions"]
    lines.append("")
    for r in result["questions"]:
        found = r.get("found_at", "-")
        mark = f" {r['outcome']}" if "outcome" in r else ""
        lines.append(f"{r['id']:8} {r['kind']:7} found@{found!s:4}{mark:17} {r['question'][:70]}")
    return "\n".join(lines)
