"""Read a folder of articles into Article records.

Reads the files walk.py finds, decodes them (UTF-8, then cp1252, then
latin-1), turns HTML into plain text, and pulls out the title, date,
outlet/byline and source URL where the text states them. A file that cannot
be used raises InputError with a one-line reason; `read_listing` turns those
into skip records and goes on. No read takes more than the size limit: a file
is opened without blocking, must be a regular file, and is read at most one
byte past the limit.

It does not chunk, embed or store anything: see chunk.py, sync.py and index.py.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Iterator
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

from ..config import env_name
from ..errors import InputError
from ..records import Article
from ..text.words import MONTH_PATTERN, MONTHS
from .walk import Listing, Skipped, article_id, file_kind, walk


def read_folder(root: Path, max_bytes: int) -> Iterator[Article | Skipped]:
    """Read every article file under root (or the one file it names); yield an Article or a Skipped per file."""
    return read_listing(walk(root), max_bytes)


def read_listing(listing: Listing, max_bytes: int) -> Iterator[Article | Skipped]:
    yield from listing.skipped
    for found in listing.found:
        try:
            yield read_article(found.path, found.folder.name, found.source, max_bytes, folder=found.folder)
        except InputError as exc:
            yield Skipped(found.source, str(exc), article_id(found.path))


def read_article(path: Path, root: str, source: str, max_bytes: int, folder: Path | None = None) -> Article:
    """The article in one file; `folder`, the ingested folder, gives it its path (see walk.py)."""
    text = decode(read_bytes(path, max_bytes))
    title = ""
    if path.suffix.lower() in {".html", ".htm"}:
        title, text = html_to_text(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise InputError("empty (no text)")
    return make_article(root, source, text, title, folder=folder)


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """A regular file's bytes, refused past max_bytes. Opened without blocking (a FIFO would wait for a
    writer) and read at most max_bytes + 1 bytes, whatever size the file claims (/proc, a file growing)."""
    too_large = f"raise {env_name('max_file_mb')}"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except PermissionError:
        raise InputError("cannot be read (permission denied)") from None
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})") from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"not a regular file ({file_kind(info.st_mode)})")
        if info.st_size > max_bytes:
            raise InputError(f"too large ({info.st_size / 1e6:.1f} MB > {max_bytes / 1e6:g} MB); {too_large}")
        try:
            raw = fh.read(max_bytes + 1)
        except OSError as exc:
            raise InputError(f"cannot be read ({exc.strerror or exc})") from None
    if len(raw) > max_bytes:
        raise InputError(f"too large (more than {max_bytes / 1e6:g} MB); {too_large}")
    return raw


def make_article(root: str, source: str, text: str, title: str = "", folder: Path | None = None) -> Article:
    path = str(Path(folder) / source) if folder else ""
    meta = extract_metadata(text)
    return Article(
        id=article_id(path or f"{root}/{source}"),
        root=root,
        source=source,
        title=title or meta["title"] or Path(source).stem,
        text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        date=meta["date"],
        outlet=meta["outlet"],
        url=meta["url"],
        path=path,
        folder=str(folder) if folder else "",
    )


def decode(raw: bytes) -> str:
    """Bytes to text: UTF-8 (BOM allowed), else cp1252, else latin-1; binary data is refused."""
    if not raw.strip():
        raise InputError("empty (no text)")
    head = raw[:8192]
    controls = sum(b < 32 and b not in (9, 10, 12, 13) for b in head)
    if b"\x00" in head or controls > len(head) * 0.05:
        raise InputError("binary, not text")
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


class _TextExtractor(HTMLParser):
    SKIP = {"script", "style", "nav", "header", "footer", "aside", "form", "noscript", "svg", "button", "iframe"}
    BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "article", "section", "blockquote"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.title = ""
        self.h1 = ""
        self._in = ""

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in ("title", "h1"):
            self._in = tag
        if tag in self.BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1
        if tag == self._in:
            self._in = ""
        if tag in self.BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if self._in == "title" and not self.skipping:
            self.title += data
        elif not self.skipping:
            if self._in == "h1":
                self.h1 += data
            self.parts.append(data)


def html_to_text(html: str) -> tuple[str, str]:
    """Return (title, text) of an HTML page, without scripts, styles and navigation."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t\xa0]+", " ", text)
    text = re.sub(r"\s*\n\s*\n\s*", "\n\n", text).strip()
    title = " ".join((parser.h1 or parser.title).split())
    return title, text


# --- metadata -------------------------------------------------------------

_MONTH = f"(?:{MONTH_PATTERN})"
_DATE_PATTERNS = [
    re.compile(rf"\b(?P<m>{_MONTH})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d\d)\b", re.I),
    re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m>{_MONTH})\s+(?P<y>(?:19|20)\d\d)\b", re.I),
    re.compile(r"\b(?P<y>(?:19|20)\d\d)-(?P<m>\d\d)-(?P<d>\d\d)\b"),
]
_BYLINE = re.compile(r"^(?:by|posted by|written by|author:)\s+(?P<who>.+)$", re.I)
_URL_LINE = re.compile(r"^(?:original url|source|url)\s*:\s*(?P<rest>.*)$", re.I)


def parse_date(line: str) -> str:
    """'August 05, 2015' -> '2015-08-05'; '' when the line holds no date.

    >>> parse_date("Sunday, September 27, 2015")
    '2015-09-27'
    """
    for pattern in _DATE_PATTERNS:
        m = pattern.search(line)
        if not m:
            continue
        month = m.group("m")
        month = int(month) if month.isdigit() else MONTHS[month.lower().rstrip(".")]
        try:
            return date(int(m.group("y")), month, int(m.group("d"))).isoformat()
        except ValueError:
            continue
    return ""


def _is_date_line(line: str) -> bool:
    return len(line) <= 48 and bool(parse_date(line))


def _clean_byline(who: str) -> str:
    who = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", who)  # markdown link -> its text
    return who.strip(" *_")


def extract_metadata(text: str, header_lines: int = 14) -> dict:
    """Title, date, outlet/byline and URL as the article's text states them.

    The header is the first few non-empty lines. The title is a markdown
    heading if there is one, else a header line next to a date or byline line
    (news pages put those together), else the first real line. The date is the
    one right after the byline when there is a byline, else the first date.
    """
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    header = lines[:header_lines]
    dates = [i for i, ln in enumerate(header) if _is_date_line(ln)]
    bylines = [i for i, ln in enumerate(header) if _BYLINE.match(ln) and len(ln.split()) <= 8]
    outlet = _clean_byline(_BYLINE.match(header[bylines[0]]).group("who")) if bylines else ""

    when = ""
    after_byline = [i for i in dates if bylines and i > bylines[0]]
    if after_byline:
        when = parse_date(header[after_byline[0]])
    elif dates:
        when = parse_date(header[dates[0]])

    def candidate(i: int) -> bool:
        ln = header[i]
        return i not in dates and i not in bylines and 3 <= len(ln.split()) <= 20 and not ln.startswith(("©", "http"))

    title = ""
    headings = [ln.lstrip("#").strip() for ln in header if re.match(r"^#{1,3}\s", ln)]
    if headings:
        title = headings[0]
    else:
        anchors = sorted(dates + bylines)
        near = [a - 1 for a in anchors] + [a + 1 for a in anchors]
        for i in near:
            if 0 <= i < len(header) and candidate(i):
                title = header[i]
                break
        else:
            title = next((header[i] for i in range(len(header)) if candidate(i)), header[0] if header else "")

    return {"title": title[:300], "date": when, "outlet": outlet[:120], "url": _find_url(lines)}


def _find_url(lines: list[str]) -> str:
    for i, ln in enumerate(lines):
        m = _URL_LINE.match(ln)
        if not m:
            continue
        rest = m.group("rest").strip() or (lines[i + 1] if i + 1 < len(lines) else "")
        rest = rest.strip("<> ")
        if rest.startswith(("http://", "https://")):
            return rest.replace(" ", "")
    return ""
