"""Where the index lives, and what to do when that folder is odd.

- `check_folder`: the index folder must be a folder, or not exist yet; a file there is one line.
- `working_folder`: a folder this process cannot write (a shared index, a read-only mount) is read from a
  temporary copy, removed when the process ends: Chroma cannot open a database it cannot write to.
- `open_client`: a Chroma client for the local folder or a server; a database Chroma cannot read
  (truncated, not a database) is a DamagedIndexError naming its file.
- `set_aside`: a repair moves files it cannot read into `damaged-<time>/` in the index folder, never
  deleting them.

It knows nothing of articles: index.py decides when to copy, open or set aside.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from ..config import env_name
from ..errors import DamagedIndexError, StoreError

CHROMA_FILES = re.compile(
    r"chroma\.sqlite3(-wal|-shm|-journal)?|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)


def check_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise StoreError(
            f"the index folder {folder} is a file, not a folder; move the file away or set "
            f"{env_name('store_path')} to a folder"
        )


def writable(folder: Path) -> bool:
    """Whether this process can write the index folder and the databases in it (a folder not made yet: yes)."""
    if not folder.exists():
        return True
    try:
        files = [f for f in folder.iterdir() if f.suffix in (".sqlite", ".sqlite3")]
    except OSError:  # cannot even be listed: copying it will say so
        return False
    return all(os.access(f, os.W_OK) for f in [folder, *files])


def working_folder(folder: Path) -> tuple[Path, bool]:
    """(the folder to open, whether it is a read-only index's temporary copy)."""
    check_folder(folder)
    if writable(folder):
        return folder, False
    copy = Path(tempfile.mkdtemp(prefix="assistant-read-only-")) / "index"
    atexit.register(shutil.rmtree, copy.parent, ignore_errors=True)
    try:
        shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("damaged-*"))
    except OSError as exc:
        raise StoreError(f"the index folder {folder} is read-only and cannot be copied to read it ({exc})") from None
    for path in [copy, *copy.rglob("*")]:  # a copy of read-only files is read-only too
        path.chmod(0o700 if path.is_dir() else 0o600)
    return copy, True


def read_only_error(folder: Path) -> StoreError:
    return StoreError(
        f"the index folder {folder} is read-only; ingest where you can write, or set {env_name('store_path')} "
        "to a copy of it"
    )


def open_client(store_path: Path, chroma_url: str = ""):
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from chromadb.errors import InternalError

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if chroma_url:
        from urllib.parse import urlparse

        url = urlparse(chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise StoreError(f"{env_name('chroma_url')}={chroma_url!r} is not an http(s) URL like http://host:8000")
        try:
            return chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as exc:  # chromadb raises bare ValueError/ConnectionError here
            raise StoreError(f"cannot reach the Chroma server at {chroma_url} ({exc}); is it running?") from None
    check_folder(store_path)
    Path(store_path).mkdir(parents=True, exist_ok=True)
    try:
        return chromadb.PersistentClient(path=str(store_path), settings=chroma_settings)
    except (InternalError, sqlite3.DatabaseError) as exc:
        _drop_failed_system(store_path)
        raise DamagedIndexError(
            f"the vector index {Path(store_path) / 'chroma.sqlite3'} is damaged ({' '.join(str(exc).split())}); "
            "run `assistant ingest` to rebuild it from the lexical index and the articles' folders"
        ) from None


def _drop_failed_system(store_path: Path) -> None:
    """chromadb caches a client's system per folder before starting it, and keeps it when starting fails:
    without this, every later client of the folder in this process would get the broken one."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient._identifier_to_system.pop(str(store_path), None)


def set_aside(folder: Path, names: list[str]) -> Path | None:
    """Move these files and folders of the index folder into a new `damaged-<time>` folder in it; None when
    none of them exists."""
    present = [folder / n for n in names if (folder / n).exists()]
    if not present:
        return None
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside, n = folder / f"damaged-{stamp}", 1
    while aside.exists():
        n += 1
        aside = folder / f"damaged-{stamp}-{n}"
    aside.mkdir()
    for path in present:
        path.rename(aside / path.name)
    return aside


def chroma_files(folder: Path) -> list[str]:
    """The names of Chroma's own files in the index folder: its database and its segment folders."""
    return sorted(p.name for p in folder.iterdir() if CHROMA_FILES.fullmatch(p.name)) if folder.is_dir() else []
