"""The records that flow through the pipeline: plain, immutable dataclasses.

Article (one file read) -> Chunk (a passage of it) -> Hit (a chunk found for a
question, with its score) -> Evidence (a sentence of a hit's article chosen for
the question) -> Outcome (what the answer says and what backs it: made by settle.py,
across.py and the check, each returning a new one) -> Answer (the outcome with the
question, what was retrieved, the dates meant and the timings: built once, by
pipeline.py). No behaviour lives here beyond small conveniences.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # records of the answer layer, named here for their types only
    from .answer.across import ArticleLine
    from .answer.reading import Reading


@dataclass(frozen=True)
class Article:
    id: str  # stable: derived from `path`
    root: str  # name of the folder ingested
    source: str  # path relative to that folder, with forward slashes (prefixed with `root` where names collide)
    title: str
    text: str
    sha256: str  # of the extracted text: changes when the article changes
    date: str = ""  # ISO yyyy-mm-dd when the text states a date
    outlet: str = ""  # publication or byline, when the text states one
    url: str = ""
    path: str = ""  # the file: the absolute path of the ingested folder joined with the path in it
    folder: str = ""  # the absolute path of the folder ingested (a file given on its own: its folder)


@dataclass(frozen=True)
class StoredArticle:
    """An article as the vector store holds it, from its chunks' metadata (store.articles())."""

    root: str = ""
    source: str = ""
    path: str = ""  # "" for an article indexed by 0.1 (repair.migrate gives it one)
    folder: str = ""
    title: str = ""
    date: str = ""
    outlet: str = ""
    url: str = ""
    also: str = ""
    chunker: str = ""
    sha256: str = ""  # "" when its chunks come from two versions: damaged, so a re-run rewrites it
    n_chunks: int = 0  # the chunks it was cut into
    stored: int = 0  # the chunks the store holds of it


@dataclass(frozen=True)
class Chunk:
    id: str  # f"{article_id}:{index}"
    article_id: str
    index: int
    text: str
    start: int  # character offsets of the passage in the article text
    end: int
    source: str
    title: str
    date: str = ""
    outlet: str = ""
    url: str = ""
    root: str = ""
    also: str = ""  # other paths holding the same text, "; "-separated
    article_sha256: str = ""
    n_chunks: int = 0  # how many chunks the article has: lets a re-run spot half-written articles
    chunker: str = ""  # "size/overlap" the article was cut with; other settings mean re-chunk
    path: str = ""  # the article's file and the folder it was ingested from (Article); "" in 0.1 indexes
    folder: str = ""

    def metadata(self) -> dict:
        meta = asdict(self)
        del meta["id"], meta["text"]
        meta["date_num"] = int(self.date.replace("-", "")) if self.date else 0  # Chroma compares numbers only
        return meta

    @classmethod
    def from_stored(cls, id: str, text: str, meta: dict) -> Chunk:
        known = {k: meta[k] for k in cls.__dataclass_fields__ if k in meta}
        return cls(id=id, text=text, **known)


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float  # higher is better; cosine similarity for dense hits
    similarity: float = 0.0  # cosine similarity to the question, whatever ranked it


@dataclass(frozen=True)
class Evidence:
    """One sentence of an article chosen for a question (evidence.py): what the model reads and cites."""

    n: int  # its number in the prompt and in the answer's [n]
    hit: Hit  # the stored passage that holds the sentence: its article and the card the reader sees
    text: str  # the sentence as the article has it (whitespace squashed)
    start: int  # character offsets of the sentence in the article text
    end: int
    score: float = 0.0
    key: bool = True  # chosen for its score; False: a neighbour kept as context
    heading: str = ""  # the section heading above it, if any
    met: float = 1.0  # share of the question's names, numbers and dates its context states
    quotable: bool = False  # answers the question on its own: may be shown as a quote when the model fails
    coverage: float = 0.0  # weighted share of the question's words the sentence holds, its names also around it
    relation: float = 1.0  # share of the question's other words (what it asks about: "agreed", "won") it holds
    stated: float = 1.0  # share of the question's names, numbers and dates the sentence itself states
    other_year: float = 0.0  # 1.0: the question names a year; the sentence states years, none of them that one


@dataclass(frozen=True)
class Citation:
    n: int  # the evidence number used in the prompt and in the answer's [n]
    hit: Hit  # the passage holding the evidence
    supported: bool | None = None  # filled by the citation check
    support: float | None = None
    quote: str = ""  # the sentence(s) of the passage that back the claim
    origin: str = "model"  # "model": the model wrote [n]; "checker": attached by verify.py
    evidence: Evidence | None = None
    answer: str = ""  # the words of the sentence given as the answer (a span answer), to mark in the card


@dataclass(frozen=True)
class Claim:
    """A sentence of an answer, as the citation check judged it (check/verify.py)."""

    text: str  # without markers
    cited: tuple[int, ...]  # evidence numbers the model gave
    support: float = 0.0  # best support among the items finally attached
    attached: tuple[int, ...] = ()  # evidence numbers after checking (model's supported ones + checker's)
    flag: str = ""  # "", "unsupported" or "uncited"
    reason: str = ""  # why it is flagged, for the reader: "not stated in [2]: 2019"


@dataclass(frozen=True)
class Outcome:
    """What the answer to a question says and what backs it."""

    text: str
    citations: list[Citation] = field(default_factory=list)
    sentences: list[Claim] = field(default_factory=list)  # per sentence, after the citation check
    warnings: list[str] = field(default_factory=list)
    abstained: bool = False
    quoted: bool = False  # the answer is an evidence sentence quoted, not the model's words
    draft: str = ""  # the model's own words, when the check withheld them
    second_look: str = ""  # the model's reply when asked again with only the best evidence (settle.py)
    invalid_markers: list[int] = field(default_factory=list)
    readings: list[Reading] = field(default_factory=list)  # per evidence sentence the model read


@dataclass(frozen=True)
class Answer:
    question: str
    text: str = ""
    citations: list[Citation] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    abstained: bool = False
    invalid_markers: list[int] = field(default_factory=list)
    standalone_question: str = ""  # the question as rewritten for retrieval
    sentences: list[Claim] = field(default_factory=list)  # per sentence, after the citation check
    warnings: list[str] = field(default_factory=list)
    draft: str = ""  # the model's own words, when the check withheld them
    quoted: bool = False  # the answer is an evidence sentence quoted, not the model's words
    second_look: str = ""  # the model's reply when asked again with only the best evidence (settle.py)
    lines: list[ArticleLine] = field(default_factory=list)  # per article, for a question across articles
    dates: str = ""  # the dates the question means, as searched ("2015-05-01 to 2015-05-31 ("in May")")
    readings: list[Reading] = field(default_factory=list)  # per evidence sentence the model read

    @classmethod
    def of(cls, outcome: Outcome, **asked) -> Answer:
        """The answer of an outcome, with what was asked and found (question, hits, evidence, dates, timings...)."""
        return cls(**{f.name: getattr(outcome, f.name) for f in fields(outcome)}, **asked)

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "standalone_question": self.standalone_question or self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "withheld": self.draft,
            "quoted": self.quoted,
            "second_look": self.second_look,
            "dates": self.dates,
            "per_article": [line.to_json() for line in self.lines],
            "citations": [
                {
                    "n": c.n,
                    "source": c.hit.chunk.source,
                    "title": c.hit.chunk.title,
                    "outlet": c.hit.chunk.outlet,
                    "date": c.hit.chunk.date,
                    "text": c.hit.chunk.text,
                    "quote": c.quote,
                    "supported": c.supported,
                    "support": None if c.support is None else round(c.support, 3),
                    "origin": c.origin,
                    "answer": c.answer,
                }
                for c in self.citations
            ],
            "evidence": [
                {
                    "n": e.n,
                    "source": e.hit.chunk.source,
                    "article_id": e.hit.chunk.article_id,
                    "title": e.hit.chunk.title,
                    "outlet": e.hit.chunk.outlet,
                    "date": e.hit.chunk.date,
                    "sentence": e.text,
                    "start": e.start,
                    "end": e.end,
                }
                for e in self.evidence
            ],
            "retrieved": [
                {"source": h.chunk.source, "chunk": h.chunk.id, "score": round(h.score, 4)} for h in self.hits
            ],
            "sentences": [
                {
                    "text": s.text,
                    "citations": list(s.attached),
                    "support": round(s.support, 3),
                    "flag": s.flag,
                    "reason": s.reason,
                }
                for s in self.sentences
            ],
            "readings": [
                {
                    "n": r.evidence.n,
                    "answer": r.answer,
                    "start": r.start,
                    "end": r.end,
                    "typed": r.typed,
                    "p_none": round(r.p_none, 4),
                    "p_answer": round(r.p_answer, 4),
                    "probability": round(r.probability, 4),
                }
                for r in self.readings
            ],  # fmt: skip
            "invalid_markers": self.invalid_markers,
            "warnings": self.warnings,
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }
