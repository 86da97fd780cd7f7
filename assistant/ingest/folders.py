"""What the index holds, folder by folder: what `status` lists, what is gone, what `forget` removes.

The folders (and files given on their own) ever ingested are remembered by the lexical index (`roots`);
each article knows its path. A folder that is moved, renamed or deleted is never pruned behind the
reader's back: its articles stay searchable, `status` flags it as gone, every ingest says so in one
line, and `assistant forget PATH` removes them.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import AssistantError, InputError
from ..records import StoredArticle
from .stores import Stores
from .sync import names_shown, rename
from .walk import inside, resolve


def ids_under(stored: dict[str, StoredArticle], where: Path) -> list[str]:
    """Ids of the stored articles whose file is this path or under it."""
    return [aid for aid, a in stored.items() if a.path and inside(Path(a.path), where)]


def per_folder(stored: dict[str, StoredArticle], remembered: list[str]) -> list[dict]:
    """Per folder (or file given on its own): its path, how many articles it holds, whether it is gone.
    Articles under no remembered path (its record was lost with the lexical index) are listed under the
    folder they were read from; articles from 0.1, which have no path, are left to `repair.problems`."""
    roots = [Path(r) for r in remembered]
    count = dict.fromkeys(roots, 0)
    for a in stored.values():
        if a.path:
            home = next((r for r in roots if inside(Path(a.path), r)), None) or Path(a.folder)
            count[home] = count.get(home, 0) + 1
    return [{"path": str(p), "articles": n, "gone": not p.exists()} for p, n in sorted(count.items())]


def gone(stores: Stores) -> list[str]:
    """One line per remembered folder or file that is gone and left articles, saying how to remove them."""
    missing = [r for r in stores.remembered() if not r.exists()]
    stored = stores.store.articles() if missing else {}
    return [f"{g} is gone; its {n} articles stay in the index: `assistant forget {g}` removes them"
            for g in missing if (n := len(ids_under(stored, g)))]  # fmt: skip


def missing(stores: Stores, given: Path) -> str:
    """Why `assistant ingest` cannot read a path that does not exist, and what to do about what it left."""
    try:
        held = len(ids_under(stores.store.articles(), resolve(given)))
    except AssistantError:  # the store cannot be read: the message is about the path
        held = 0
    hint = f"; its {held} indexed articles stay until `assistant forget {resolve(given)}` removes them" if held else ""
    return f"{given} does not exist; give a folder of .txt, .md or .html articles{hint}"


def forget(stores: Stores, given: Path) -> int:
    """Remove the articles of a folder or file (or, for an index from 0.1, of a folder's name); returns
    how many. Names shown that no longer collide lose their folder's name."""
    where, lexical, store = resolve(given), stores.open_lexical(), stores.store
    stored = store.articles()
    ids = ids_under(stored, where) or [aid for aid, a in stored.items() if not a.path and a.root == str(given)]
    if not ids and not any(inside(Path(r), where) for r in lexical.roots):
        raise InputError(f"nothing in the index comes from {where}; `assistant status` lists the folders")
    lexical.delete_articles(ids)
    store.delete_articles(ids)
    lexical.forget_root(where)
    kept = {aid: a for aid, a in stored.items() if aid not in ids}
    rename(store, lexical, names_shown(kept), kept)
    return len(ids)
