"""Check that each cited passage really supports the sentence that cites it.

After generation the answer is split into sentences. Each sentence is scored
against the sentences of the passages it cites: the best of
`0.5 * cosine(embeddings) + 0.5 * term overlap`, where the overlap counts the
sentence's content words, with names and numbers counted double (a number or
name the passage lacks is the commonest small-model invention). A citation
below the threshold is marked unsupported; a fact-stating sentence with no
marker gets the best-supporting passage attached by the checker when one
clears the threshold, and is flagged "not found in the sources" otherwise.

It does not decide whether to answer at all: abstention is the pipeline's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .chunk import sentence_spans
from .cite import MARKER, marker_numbers
from .lexical import STOPWORDS
from .records import Answer, Citation, Hit

META_WORDS = {"passage", "passages", "article", "articles", "according", "states", "stated", "mentioned", "source"}
UNSUPPORTED_NOTE = "Most of this answer is not supported by the passages: check it against the sources."


@dataclass(frozen=True)
class Sentence:
    text: str  # without markers
    cited: tuple[int, ...]  # passage numbers the model gave
    support: float = 0.0  # best support among the passages finally attached
    attached: tuple[int, ...] = ()  # passage numbers after checking (model's supported ones + checker's)
    flag: str = ""  # "", "unsupported" or "uncited"


def terms(text: str) -> dict[str, float]:
    """Content words with weights: names and numbers 2, other words 1.

    >>> sorted(terms("Lavrov met Kerry in 2015 to talk").items())  # a capital opening a sentence is no sign of a name
    [('2015', 2.0), ('kerry', 2.0), ('lavrov', 1.0), ('met', 1.0), ('talk', 1.0)]
    """
    found: dict[str, float] = {}
    for i, word in enumerate(re.findall(r"\w+(?:[.,'’-]\w+)*", text)):
        low = word.lower()
        if low in STOPWORDS or low in META_WORDS or len(low) < 2 and not low.isdigit():
            continue
        heavy = any(ch.isdigit() for ch in word) or (word[0].isupper() and i > 0)
        found[low] = max(found.get(low, 0.0), 2.0 if heavy else 1.0)
    return found


def overlap(claim: dict[str, float], passage: dict[str, float]) -> float:
    """Weighted share of the claim's terms found in the passage (prefix match for word forms)."""
    total = sum(claim.values())
    if not total:
        return 0.0
    hit = sum(w for t, w in claim.items() if t in passage or any(p.startswith(t[:5]) for p in passage if len(t) > 5))
    return hit / total


def split_sentences(text: str) -> list[Sentence]:
    out = []
    for start, end in sentence_spans(text):
        raw = text[start:end]
        cited = tuple(dict.fromkeys(n for m in MARKER.finditer(raw) for n in marker_numbers(m.group(1))))
        plain = re.sub(r"\s+([.,;:!?…])", r"\1", " ".join(MARKER.sub(" ", raw).split()))
        if plain:
            out.append(Sentence(plain, cited))
    return out


def states_facts(sentence: Sentence) -> bool:
    return sum(1 for _ in terms(sentence.text)) >= 3


def _cosine(a, b) -> float:
    return float(sum(x * y for x, y in zip(a, b)))


def check_answer(answer: Answer, hits: list[Hit], embedder, threshold: float = 0.45) -> Answer:
    """Fill support scores and quotes into answer.citations; attach or flag uncited sentences."""
    sentences = split_sentences(answer.text)
    if not sentences or not hits:
        return answer
    passage_sents = [[p.text for p in split_sentences(h.chunk.text)] or [h.chunk.text] for h in hits]
    flat = [s for group in passage_sents for s in group]
    vectors = embedder.embed([s.text for s in sentences] + flat)
    claim_vecs, flat_vecs = vectors[: len(sentences)], vectors[len(sentences) :]
    passage_vecs, i = [], 0
    for group in passage_sents:
        passage_vecs.append(flat_vecs[i : i + len(group)])
        i += len(group)

    def score(k: int, n: int) -> tuple[float, str]:
        """Support of sentence k by passage n (1-based), and the passage sentence that gives it."""
        claim = terms(sentences[k].text)
        best = (0.0, "")
        for text, vec in zip(passage_sents[n - 1], passage_vecs[n - 1]):
            s = 0.5 * _cosine(claim_vecs[k], vec) + 0.5 * overlap(claim, terms(text))
            best = max(best, (s, text))
        return best

    by_n = {c.n: c for c in answer.citations}
    results: dict[int, tuple[float, list[str]]] = {}
    checked: list[Sentence] = []
    for k, sent in enumerate(sentences):
        if not sent.cited and not states_facts(sent):
            checked.append(sent)
            continue
        numbers = [n for n in sent.cited if 1 <= n <= len(hits)]
        scored = {n: score(k, n) for n in numbers}
        attached = [n for n, (s, _) in scored.items() if s >= threshold]
        flag = "unsupported" if numbers and not attached else ""
        if not numbers:
            best_n = max(range(1, len(hits) + 1), key=lambda n: score(k, n)[0])
            s, quote = score(k, best_n)
            scored = {best_n: (s, quote)}
            attached, flag = ([best_n], "") if s >= threshold else ([], "uncited")
            if attached:
                by_n.setdefault(best_n, Citation(n=best_n, hit=hits[best_n - 1], origin="checker"))
        for n, (s, quote) in scored.items():
            old_s, quotes = results.get(n, (1.0, []))
            results[n] = (min(old_s, s), quotes + ([quote] if s >= threshold and quote not in quotes else []))
        support = max((scored[n][0] for n in attached), default=max((s for s, _ in scored.values()), default=0.0))
        checked.append(replace(sent, support=support, attached=tuple(attached), flag=flag))

    citations = []
    for n, c in sorted(by_n.items(), key=lambda kv: _first_use(kv[0], checked)):
        s, quotes = results.get(n, (None, []))
        supported = None if s is None else s >= threshold
        citations.append(replace(c, support=s, supported=supported, quote=" ".join(quotes)))
    answer.citations = [c for c in citations if _first_use(c.n, checked) < len(checked)]
    answer.sentences = checked
    answer.text = render(checked)
    flagged = sum(1 for s in checked if s.flag)
    if flagged and flagged * 2 >= sum(1 for s in checked if s.cited or states_facts(s)):
        answer.warnings.insert(0, UNSUPPORTED_NOTE)
    return answer


def _first_use(n: int, sentences: list[Sentence]) -> int:
    return next((i for i, s in enumerate(sentences) if n in s.attached or n in s.cited), len(sentences))


def render(sentences: list[Sentence]) -> str:
    """Sentences with their markers: supported [n], unsupported [n: unsupported], flagged uncited facts."""
    parts = []
    for s in sentences:
        marks = "".join(f"[{n}]" for n in s.attached)
        marks += "".join(f"[{n}: unsupported]" for n in s.cited if n not in s.attached)
        if s.flag == "uncited":
            marks += "[not found in the sources]"
        text = s.text
        if marks:
            end = len(text.rstrip(".!?…")) if text[-1:] in ".!?…" else len(text)
            text = f"{text[:end]} {marks}{text[end:]}"
        parts.append(text)
    return " ".join(parts)
