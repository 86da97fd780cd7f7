"""Find the article files a reader points at: the files of a folder, or one file given on its own.

`walk(path)` lists the files to read and the ones it skips, each with a one-line reason:

- .txt, .md and .html files are read; hidden files and folders are left out. A file given on its own is
  read only if it has one of those suffixes.
- Anything that is not a regular file (a FIFO, a device, a socket) is skipped: reading one can block
  forever or never end.
- A link, to a file or a folder, that leads outside the folder is skipped: a folder someone hands you must
  not pull in ~/.ssh. A link to a folder inside is not followed; its files are read where they are.
- A sub-folder that cannot be listed is reported in `unread`: nothing under it may be pruned, since what
  it holds is unknown.

Every file is known by its path: the resolved folder joined with the path inside it. So two folders of
one name are two folders, `news` and `/home/me/news` are one, and `nest/sub/a.txt` is the same article
whether `nest` or `nest/sub` was given. It reads no file's contents: see read.py.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm"}
KINDS = {stat.S_IFIFO: "a FIFO", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
         stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a folder"}  # fmt: skip


@dataclass(frozen=True)
class Skipped:
    source: str  # the path in the folder ("sub/" for a folder)
    reason: str
    id: str = ""  # the id the article has or would have
    keep: bool = True  # the file may be an article that turned bad: keep what is stored; False: drop it


@dataclass(frozen=True)
class Found:
    path: Path  # folder / source
    source: str  # the path in the folder, with forward slashes
    folder: Path  # the resolved folder (a file given on its own: the folder it is in)


@dataclass
class Listing:
    found: list[Found] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    unread: list[Path] = field(default_factory=list)  # folders that could not be listed


def resolve(path: Path | str) -> Path:
    """The one name of a folder or file: absolute, links resolved, `~` expanded (it need not exist)."""
    return Path(path).expanduser().resolve()


def article_id(path: Path | str) -> str:
    """The stable id of the article at this path (see `resolve`)."""
    return hashlib.sha1(str(path).encode()).hexdigest()[:16]


def inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def file_kind(mode: int) -> str:
    """What a file that is not a regular file is, for a skip reason: file_kind(stat.S_IFIFO) == 'a FIFO'."""
    return KINDS.get(stat.S_IFMT(mode), "not a file")


def walk(given: Path | str) -> Listing:
    """The article files under a folder (or the one file given), in a stable order, and what was skipped."""
    top = resolve(given)
    if not top.is_dir():
        return _one_file(top)
    listing = Listing()

    def failed(exc: OSError) -> None:
        where = Path(exc.filename)
        listing.unread.append(where)
        why = "permission denied" if isinstance(exc, PermissionError) else (exc.strerror or str(exc)).lower()
        name = where.relative_to(top).as_posix() if inside(where, top) and where != top else "."
        listing.skipped.append(Skipped(f"{name}/", f"folder cannot be read ({why}); its indexed articles are kept"))

    for dirpath, dirnames, filenames in os.walk(top, onerror=failed):
        here = Path(dirpath)
        dirnames[:] = [d for d in sorted(dirnames) if not d.startswith(".") and _real_folder(here / d, top, listing)]
        for name in sorted(filenames):
            if name.startswith(".") or Path(name).suffix.lower() not in SUFFIXES:
                continue
            path = here / name
            source = path.relative_to(top).as_posix()
            why = _not_regular(path) or _leads_out(path, top)
            if why:
                listing.skipped.append(Skipped(source, why, article_id(path), keep=False))
            else:
                listing.found.append(Found(path, source, top))
    return listing


def _one_file(path: Path) -> Listing:
    """A file given on its own is known by its own path, and pruned as itself only."""
    why = "" if path.suffix.lower() in SUFFIXES else "not a .txt, .md or .html file"
    why = why or _not_regular(path)
    if why:
        return Listing(skipped=[Skipped(path.name, why, article_id(path), keep=False)])
    return Listing(found=[Found(path, path.name, path.parent)])


def _real_folder(path: Path, top: Path, listing: Listing) -> bool:
    """Whether to walk into this sub-folder: not a link (a link leading out is reported as skipped)."""
    if not path.is_symlink():
        return True
    why = _leads_out(path, top)
    if why:
        listing.skipped.append(Skipped(path.relative_to(top).as_posix() + "/", why, keep=False))
    return False


def _leads_out(path: Path, top: Path) -> str:
    if not path.is_symlink():
        return ""
    try:
        target = path.resolve()
    except (OSError, RuntimeError):  # a loop of links
        return "a link that leads nowhere (a loop); not read"
    return "" if inside(target, top) else f"a link to {target}, outside the folder; not read"


def _not_regular(path: Path) -> str:
    try:
        mode = path.stat().st_mode
    except OSError:
        return ""  # gone or unreadable: read.py says why
    return "" if stat.S_ISREG(mode) else f"not a regular file ({file_kind(mode)})"
