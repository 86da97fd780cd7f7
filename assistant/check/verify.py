"""Check each sentence of an answer against the evidence sentences it cites.

Each sentence (a claim) is judged against the evidence items it cites by rules.py's rules (the README's
"The citation check" numbers them). A claim no cited item supports (or that cites none) gets the item
that does support it attached by the checker, or is flagged with the reason; a claim that only repeats
the question (rule 7) is flagged as no answer; a sentence that states no facts ("That is all.") is left
alone. The checked outcome is returned, its text marked. An answer copied from the evidence is judged
as the statement the question makes of it (`check_extract`). It does not decide whether to answer at
all: that is the pipeline's and settle.py's.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..records import Citation, Claim, Evidence, Outcome
from ..text.facts import facts
from ..text.sentences import sentence_spans
from ..text.words import listed, yes_no
from .cite import MARKER, marker_numbers
from .rules import RULES, Verdict, answers, judge

UNSUPPORTED_NOTE = "Most of this answer is not supported by the evidence: check it against the sources."
QUOTE_NOTE = "A quote from the articles, not a written answer: the model's answer did not hold up against the evidence."


def split_sentences(text: str) -> list[Claim]:
    out = []
    for start, end in sentence_spans(text):
        raw = text[start:end]
        cited = tuple(dict.fromkeys(n for m in MARKER.finditer(raw) for n in marker_numbers(m.group(1))))
        plain = re.sub(r"\s+([.,;:!?…])", r"\1", " ".join(MARKER.sub(" ", raw).split()))
        if plain:
            out.append(Claim(plain, cited))
    return out


def states_facts(text: str) -> bool:
    f = facts(text)
    return len(f.names) + len(f.numbers) + len(f.content) >= 3


def named_facts(text: str, question: str) -> set[str]:
    """The names, numbers and months a text states beyond the question's: what an answer answers with."""
    c, q = facts(MARKER.sub(" ", text)), facts(question)
    return set(c.hard - q.hard) | {f"month:{m}" for m in c.months - q.months}


def check_answer(
    outcome: Outcome, evidence: list[Evidence], question: str, embedder, threshold: float = 0.45
) -> Outcome:
    """Judge every sentence of outcome.text against the evidence it cites: the outcome with its sentences
    checked, their citations and flags, and its text marked."""
    sentences = split_sentences(outcome.text)
    if not sentences or not evidence:
        return outcome
    vectors = embedder.embed([s.text for s in sentences] + [e.text for e in evidence])
    claim_vecs, item_vecs = vectors[: len(sentences)], vectors[len(sentences) :]

    def verdict(k: int, n: int) -> Verdict:
        cosine = sum(a * b for a, b in zip(claim_vecs[k], item_vecs[n - 1]))
        v = judge(sentences[k].text, question, evidence, n, cosine)
        if v.reason or v.score >= threshold or facts(sentences[k].text).hard:
            return v  # names and numbers that check out say more than a low similarity
        return Verdict(v.score, f"[{n}] barely relates to this")

    by_n = {c.n: c for c in outcome.citations}
    results: dict[int, float] = {}
    checked: list[Claim] = []
    for k, sent in enumerate(sentences):
        numbers = [n for n in sent.cited if 1 <= n <= len(evidence)]
        if not numbers and not states_facts(sent.text):
            checked.append(sent)
            continue
        if not yes_no(question) and not answers(sent.text, question):  # a yes is the question restated
            checked.append(replace(sent, flag="unsupported", reason="repeats the question without answering it"))
            continue
        verdicts = {n: verdict(k, n) for n in numbers}
        attached = tuple(n for n, v in verdicts.items() if not v.reason)
        if not attached:  # uncited, or cited wrongly: attach the item that supports it, if one does
            others = {n: verdict(k, n) for n in range(1, len(evidence) + 1) if n not in verdicts}
            best = max(others, key=lambda n: (not others[n].reason, others[n].score), default=None)
            if best is not None and not others[best].reason:
                verdicts, attached = {best: others[best]}, (best,)
            elif not numbers and best is not None:
                verdicts = {best: others[best]}
        for n in attached:
            item = evidence[n - 1]
            by_n.setdefault(n, Citation(n=n, hit=item.hit, quote=item.text, origin="checker", evidence=item))
        for n, v in verdicts.items():
            results[n] = min(results.get(n, 1.0), v.score) if n in by_n else results.get(n, v.score)
        flag = "" if attached else ("unsupported" if numbers else "uncited")
        reason = "; ".join(v.reason for v in verdicts.values() if v.reason) if flag else ""
        if flag == "uncited":
            reason = f"not found in the evidence ({reason})" if reason else "not found in the evidence"
        support = max((verdicts[n].score for n in attached), default=max(v.score for v in verdicts.values()))
        checked.append(replace(sent, support=support, attached=attached, flag=flag, reason=reason))

    supported = {n for s in checked for n in s.attached}
    citations = []
    for n, c in sorted(by_n.items(), key=lambda kv: _first_use(kv[0], checked)):
        if _first_use(n, checked) < len(checked):
            citations.append(replace(c, support=results.get(n), supported=n in supported))
    flagged = sum(1 for s in checked if s.flag)
    mostly_flagged = flagged and flagged * 2 >= sum(1 for s in checked if s.cited or s.flag or s.attached)
    warnings = [UNSUPPORTED_NOTE] * bool(mostly_flagged) + outcome.warnings
    return replace(outcome, text=render(checked), citations=citations, sentences=checked, warnings=warnings)


AUXILIARIES, ARTICLES = listed("check", "question_auxiliaries"), listed("check", "articles")


def extracted_claim(question: str, answer: str, typed: bool) -> str:
    """What an answer copied from the evidence claims, as a sentence the rules can judge: the question turned
    into a statement with the span in the place of what it asks for, a quoted sentence as itself. The span
    is the subject when the question asks for one ("Who won ...?"), else it follows the question's verb ("Who
    did Andreescu defeat ...?": Andreescu did defeat the span, who lost).

    >>> extracted_claim("Who won Wimbledon in 2019?", "Simona Halep", True)
    'Simona Halep won Wimbledon in 2019'
    >>> extracted_claim("How many medals did Norway win at the 2018 Olympics?", "39 medals", True)
    'Norway did win 39 medals at the 2018 Olympics'
    >>> extracted_claim("Who is?", "Lavrov", True)
    'Lavrov is'
    """
    if not typed:
        return answer
    tokens, aux = _parsed(question)
    if aux is None:
        return " ".join([answer, *tokens[1:]])
    rest = tokens[aux + 1 :]
    verb = next((i for i, w in enumerate(rest) if w[:1].islower() and w not in ARTICLES), len(rest) - 1)
    return " ".join([*rest[:verb], tokens[aux], rest[verb], answer, *rest[verb + 1 :]])


def _parsed(question: str) -> tuple[list[str], int | None]:
    """The question's words, and where the auxiliary after its wh-phrase is ("Who did ...", "How many medals
    did ..."); None when the question asks for its subject ("Who won ...") or nothing follows the auxiliary."""
    tokens = question.rstrip(" ?").split()
    aux = next((i for i, w in enumerate(tokens[:5]) if w.lower() in AUXILIARIES), None)
    return tokens, aux if aux is not None and aux + 1 < len(tokens) else None


def check_extract(question: str, answer: str, typed: bool, evidence: list[Evidence], n: int) -> str:
    """Why evidence item n does not support the answer copied from it, or "": rules 1, 2, 4 and 5 judge
    `extracted_claim`, and rule 6 when the span is the subject (the one claimed to have won). Rule 3 does not:
    a copied answer's claim restates every word of the question, and how many of them its sentence states is
    a signal of the calibrated decision (`relation`), not a rule."""
    subject = typed and _parsed(question)[1] is None
    rules = tuple(r for r in RULES if r.number != 3 and (r.number != 6 or subject))
    return judge(extracted_claim(question, answer, typed), question, evidence, n, cosine=1.0, rules=rules).reason


def quote_answer(items: list[Evidence]) -> Outcome:
    """Evidence sentences quoted and cited (one, and the next when it goes on about it): supported by
    construction."""
    text = "The articles say: " + " ".join(f'"{e.text}" [{e.n}]' for e in items)
    citations = [Citation(e.n, e.hit, True, 1.0, e.text, "checker", e) for e in items]
    sentences = [Claim(text, (), 1.0, tuple(e.n for e in items))]
    return Outcome(text, citations, sentences, [QUOTE_NOTE], quoted=True)


def _first_use(n: int, sentences: list[Claim]) -> int:
    return next((i for i, s in enumerate(sentences) if n in s.attached or n in s.cited), len(sentences))


def render(sentences: list[Claim]) -> str:
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
