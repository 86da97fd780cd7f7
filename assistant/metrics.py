"""The figures `assistant eval` reports, from its per-question rows (evaluate.py): pure functions.

Retrieval: recall@1/5 and MRR over the rank of the first gold article. Answers:
the outcome counts and rates (over all questions, over those whose gold article
is in the top 5, and per `kind`), how well the citation check told wrong first
replies from right ones, citation figures and timings.
"""

from __future__ import annotations

import statistics


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
