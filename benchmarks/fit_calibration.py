"""Fit the answer decision's weights (assistant/data/calibration.json) on the tuning parts of the dev sets.

    python benchmarks/fit_calibration.py EVAL.json [EVAL.json ...] [--out assistant/data/calibration.json]

Each EVAL.json is the output of `assistant eval --json SET.jsonl` with the default model. Every reading
of every question (each evidence sentence the model read) is one example: its signals (calibration.py)
and whether its answer holds the question's keywords. Only questions of the tuning part are used (the
split is evaluate.part, by id); the validation part is never seen here. A logistic regression with a
small L2 penalty (Newton's method, numpy) gives the weights; the threshold is the one that serves the
reader best on the tuning questions when a wrong answer costs WRONG, a false "not in the articles"
ABSTAIN, and a right answer gains 1 (the reading with the highest probability answers when it reaches the
threshold). Prints the weights and the tuning figures; `assistant eval` measures both parts after.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from assistant.answer.calibration import FEATURES  # noqa: E402

WRONG, ABSTAIN = 2.0, 1.0  # what a wrong (or invented) answer and a false abstention cost, against 1 for a right one
L2 = 1.0


def examples(results: list[dict]) -> tuple[np.ndarray, np.ndarray, list[tuple[str, bool, int]]]:
    """(signals, labels, (question, answerable, row)) of every reading of every tuning question."""
    xs, ys, owners = [], [], []
    for result in results:
        for q in result["questions"]:
            if q["part"] != "tuning":
                continue
            for reading in q.get("readings", []):
                xs.append([1.0] + [reading["signals"][f] for f in FEATURES])
                ys.append(float(reading["right"]))
                owners.append((f"{result['source']}:{q['id']}", q["answerable"], len(xs) - 1))
    return np.array(xs), np.array(ys), owners


def fit(x: np.ndarray, y: np.ndarray, l2: float = L2) -> np.ndarray:
    """Logistic regression by Newton's method; the bias is not penalised."""
    w = np.zeros(x.shape[1])
    penalty = l2 * np.diag([0.0] + [1.0] * (x.shape[1] - 1))
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-x @ w))
        step = np.linalg.solve(x.T @ (x * (p * (1 - p))[:, None]) + penalty, x.T @ (p - y) + penalty @ w)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def outcomes(p: np.ndarray, y: np.ndarray, owners, threshold: float) -> dict[str, int]:
    """right / wrong / false_abstention / invented / abstained over the questions, answering with each
    question's most probable reading when it reaches the threshold."""
    best: dict[str, tuple[float, float, bool]] = {}
    for question, answerable, row in owners:
        if question not in best or p[row] > best[question][0]:
            best[question] = (p[row], y[row], answerable)
    counts = dict.fromkeys(("right", "wrong", "false_abstention", "invented", "abstained"), 0)
    for prob, right, answerable in best.values():
        if prob >= threshold:
            counts["right" if right else "wrong" if answerable else "invented"] += 1
        else:
            counts["false_abstention" if answerable else "abstained"] += 1
    return counts


def utility(c: dict[str, int]) -> float:
    return c["right"] - WRONG * (c["wrong"] + c["invented"]) - ABSTAIN * c["false_abstention"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", nargs="+", type=Path, help="outputs of `assistant eval --json`")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent.parent / "assistant/data/calibration.json"
    )
    args = parser.parse_args()
    results = [json.loads(path.read_text()) | {"source": path.stem} for path in args.results]
    x, y, owners = examples(results)
    if not len(y):
        raise SystemExit("no readings in the tuning parts of these results: run `assistant eval --json` first")
    w = fit(x, y)
    p = 1.0 / (1.0 + np.exp(-x @ w))
    grid = sorted({0.5 * (a + b) for a, b in zip(sorted(p), sorted(p)[1:])} | {0.05, 0.95})
    threshold = max(grid, key=lambda t: (utility(outcomes(p, y, owners, t)), -abs(t - 0.5)))
    counts = outcomes(p, y, owners, threshold)
    model = {
        "weights": {"bias": round(float(w[0]), 4)} | {f: round(float(v), 4) for f, v in zip(FEATURES, w[1:])},
        "threshold": round(float(threshold), 4),
        "fitted_on": sorted({q.split(":")[0] for q, _, _ in owners}),
        "examples": len(y),
        "questions": len({q for q, _, _ in owners}),
        "costs": {"wrong": WRONG, "false_abstention": ABSTAIN},
        "tuning_outcomes": counts,
    }
    args.out.write_text(json.dumps(model, indent=2) + "\n")
    print(json.dumps(model, indent=2))


if __name__ == "__main__":
    main()
