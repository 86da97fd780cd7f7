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

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .answer import prompts
from .check.cite import is_abstention
from .errors import InputError
from .metrics import answer_metrics, retrieval_metrics


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


# Every question set is split in two by its ids: a tuning part, which may be looked at while changing the
# pipeline, and a validation part, which is only ever measured. The split hashes the id with this salt, so it
# never moves; the salt was chosen, before any answer was read, so that each dev set's answerable and
# unanswerable questions fall about half in each part.
SPLIT_SALT = "9754"
PARTS = ("tuning", "validation")


def part(question_id: str) -> str:
    """The part of its set a question belongs to, by its id alone.

    >>> part("d01"), part("d03")
    ('tuning', 'validation')
    """
    return PARTS[hashlib.sha256(f"{SPLIT_SALT}:{question_id}".encode()).digest()[0] % 2]


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


def evaluate(app, questions: list[Question], retrieval_only: bool = False, depth: int = 20, progress=None) -> dict:
    """Run every question; return the summary metrics and a per-question list."""
    rows = []
    for i, q in enumerate(questions, 1):
        hits = app.retrieve(q.question, top_k=max(depth, app.settings.top_k))
        sources = [h.chunk.source for h in hits]
        row = {
            "id": q.id,
            "part": part(q.id),
            "kind": q.kind,
            "question": q.question,
            "answerable": q.answerable,
            "gold_docs": list(q.gold_docs),
            "retrieved": distinct_articles(sources)[:10],
            "hits": _hits(hits[: app.settings.top_k]),
        }
        if q.gold_docs:
            row["found_at"] = found_rank(sources, q.gold_docs)
        if not retrieval_only:
            row.update(_answer_row(app, app.ask(q.question), q))
        rows.append(row)
        if progress:
            progress(i, len(questions), q.id)
    summary = _summary(rows, retrieval_only)
    for name in PARTS:
        summary[name] = _summary([r for r in rows if r["part"] == name], retrieval_only)
    return {**summary, "questions": rows}


def _summary(rows: list[dict], retrieval_only: bool) -> dict:
    ranks = [r["found_at"] for r in rows if "found_at" in r]
    summary = {"n": len(rows), "n_with_gold": len(ranks), **retrieval_metrics(ranks)}
    if not retrieval_only and rows:
        summary.update(answer_metrics(rows))
    return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in summary.items()}


def _hits(hits) -> list[dict]:
    return [
        {
            "source": h.chunk.source,
            "chunk": h.chunk.id,
            "score": round(h.score, 4),
            "similarity": round(h.similarity, 4),
        }
        for h in hits
    ]


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
        "readings": _readings(answer, q),
        "invalid_markers": answer.invalid_markers,
        "ttft_s": answer.timings.get("first_token_s"),
        "latency_s": answer.timings.get("total_s"),
    }


def _readings(answer, q: Question) -> list[dict]:
    """Each sentence the model read, with its signals (calibration.py) and whether its answer is right: what
    benchmarks/fit_calibration.py fits the weights on."""
    return [
        {
            "n": r.evidence.n, "answer": r.answer, "probability": round(r.probability, 4),
            "signals": {k: round(v, 4) for k, v in r.signals.items()},
            "right": q.answerable and keywords_hit(r.answer if r.typed else r.evidence.text, q.answer_keywords),
            "sentence_right": q.answerable and keywords_hit(r.evidence.text, q.answer_keywords),
        }
        for r in answer.readings
    ]  # fmt: skip


def format_table(result: dict) -> str:
    """A plain-text table: the summary (all questions, then the tuning and the validation part), then one line
    per question."""
    parts = [result] + [result[name] for name in PARTS]
    lines = [f"{'':28} {'all':>10} {'tuning':>10} {'validation':>10}"]
    for k, v in result.items():
        if k not in ("questions", *PARTS):
            lines.append(f"{k:28} " + " ".join(f"{_shown(p.get(k, '-')):>10}" for p in parts))
    lines.append("")
    for r in result["questions"]:
        found = r.get("found_at", "-")
        mark = f" {r['outcome']}" if "outcome" in r else ""
        lines.append(f"{r['id']:8} {r['part'][:3]} {r['kind']:7} found@{found!s:4}{mark:17} {r['question'][:70]}")
    return "\n".join(lines)


def _shown(value) -> str:
    return "-" if value is None else str(value)
