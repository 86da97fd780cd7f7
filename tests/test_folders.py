"""A reader's folders, tried as a new user would (issue 14): what is one folder, what is read, what is kept.

Each test gives real folders to the `assistant` command (with the fake embedder) and checks what the index
holds afterwards. Nothing a reader indexed may vanish because of another folder's name, a folder that could
not be read, or a file given on its own.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path

from assistant.config import Settings
from assistant.pipeline import Assistant
from tests.fakes import FakeEmbedder


def story(topic: str) -> str:
    return f"A report about {topic}\n\nBy Test Wire\n\nMarch 3, 2015\n\nThe {topic} story is told here. It has facts about {topic}.\n"


def folder(path: Path, **files: str) -> Path:
    """A folder of articles: folder(p, **{"a.txt": "ferries", "sub/b.txt": "trams"}) writes one story per file."""
    for name, topic in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(story(topic))
    return path


def status(run) -> dict:
    return json.loads(run("status", "--json").output)


def indexed(settings: Settings) -> dict[str, str]:
    """path -> shown source of every article in the index."""
    index = Assistant(settings, embedder=FakeEmbedder()).index
    return {a.path: a.source for a in index.store.articles().values()}


# --- 14.1: which folder is which ---------------------------------------------------------------------------


def test_two_folders_with_the_same_name_are_two_folders(run, tmp_path, settings):
    a = folder(tmp_path / "a" / "news", **{"x.txt": "ferries", "y.txt": "trams"})
    b = folder(tmp_path / "b" / "news", **{"z.txt": "buses"})
    run("ingest", str(a))
    out = run("ingest", str(b)).output
    assert "1 added, 0 updated, 0 unchanged, 0 removed" in out
    assert sorted(indexed(settings)) == [str(a / "x.txt"), str(a / "y.txt"), str(b / "z.txt")]
    assert [(f["path"], f["articles"]) for f in status(run)["folders"]] == [(str(a), 2), (str(b), 1)]


def test_a_folder_by_relative_and_by_absolute_path_is_one_folder(run, tmp_path, monkeypatch):
    news = folder(tmp_path / "news", **{"x.txt": "ferries", "y.txt": "trams"})
    monkeypatch.chdir(tmp_path)
    run("ingest", "news")
    again = run("ingest", str(news)).output
    assert "0 added, 0 updated, 2 unchanged, 0 removed" in again and "(0 chunks embedded" in again
    assert "0 added, 0 updated, 2 unchanged" in run("ingest", "./news/").output
    assert [f["path"] for f in status(run)["folders"]] == [str(news)]


def test_a_moved_folder_keeps_its_articles_until_the_reader_forgets_it(run, tmp_path, settings):
    ren = folder(tmp_path / "ren", **{"x.txt": "ferries", "y.txt": "trams"})
    run("ingest", str(ren))
    ren.rename(tmp_path / "ren2")
    out = run("ingest", str(tmp_path / "ren2")).output
    assert f"{ren} is gone; its 2 articles stay in the index: `assistant forget {ren}` removes them" in out
    folders = {f["path"]: f for f in status(run)["folders"]}
    assert folders[str(ren)]["gone"] and not folders[str(tmp_path / "ren2")]["gone"]
    assert len(indexed(settings)) == 4  # kept: nothing is removed behind the reader's back
    refused = run("ingest", str(ren))
    assert refused.exit_code == 1 and f"`assistant forget {ren}`" in refused.output

    forgot = run("forget", str(ren))
    assert forgot.exit_code == 0 and f"forgot {ren}: 2 articles removed" in forgot.output
    assert sorted(indexed(settings)) == [str(tmp_path / "ren2" / "x.txt"), str(tmp_path / "ren2" / "y.txt")]
    assert [f["path"] for f in status(run)["folders"]] == [str(tmp_path / "ren2")]
    nothing = run("forget", str(ren))
    assert nothing.exit_code == 1 and "nothing in the index comes from" in nothing.output


# --- 14.3 to 14.6: what is read --------------------------------------------------------------------------


def unreadable_folder(monkeypatch, path: Path) -> None:
    """chmod 000 on a folder; root reads it anyway, so for root the listing fails as it does for a user."""
    os.chmod(path, 0)
    if os.geteuid() != 0:
        return
    real = os.scandir

    def scandir(where="."):
        if os.fspath(where) == str(path):
            raise PermissionError(13, "Permission denied", str(path))
        return real(where)

    monkeypatch.setattr(os, "scandir", scandir)


def test_an_unreadable_sub_folder_keeps_its_articles(run, tmp_path, monkeypatch, settings):
    paper = folder(tmp_path / "paper", **{"a.txt": "ferries", "b.txt": "trams", "sub/c.txt": "buses",
                                          "sub/d.txt": "bikes"})  # fmt: skip
    run("ingest", str(paper))
    unreadable_folder(monkeypatch, paper / "sub")
    try:
        out = run("ingest", str(paper)).output
    finally:
        os.chmod(paper / "sub", 0o755)
    assert "skipped sub/: folder cannot be read (permission denied); its indexed articles are kept" in out
    assert "0 removed" in out and len(indexed(settings)) == 4


def ingest_within(run, seconds: float, *args):
    """Run `assistant ingest` and give up after `seconds` (a FIFO used to hang it forever)."""
    done = {}
    worker = threading.Thread(target=lambda: done.setdefault("result", run("ingest", *args)), daemon=True)
    worker.start()
    worker.join(seconds)
    assert "result" in done, f"ingest did not finish within {seconds} s"
    return done["result"]


def test_special_files_are_skipped_and_never_read(run, tmp_path, settings):
    news = folder(tmp_path / "news", **{"good.txt": "ferries"})
    os.mkfifo(news / "x.txt")
    (news / "z.txt").symlink_to("/dev/zero")
    out = ingest_within(run, 60, str(news)).output
    assert "skipped x.txt: not a regular file (a FIFO)" in out
    assert "skipped z.txt: not a regular file (a character device)" in out
    assert "1 added" in out and "2 skipped" in out and list(indexed(settings)) == [str(news / "good.txt")]


def test_links_out_of_the_folder_are_not_followed(run, tmp_path, settings):
    outside = folder(tmp_path / "outside", **{"secret.txt": "passwords", "more/keys.txt": "keys"})
    news = folder(tmp_path / "news", **{"good.txt": "ferries", "sub/inside.txt": "trams"})
    (news / "link.txt").symlink_to(outside / "secret.txt")
    (news / "inner.txt").symlink_to(news / "sub" / "inside.txt")  # inside the folder: read (a duplicate)
    (news / "elsewhere").symlink_to(outside / "more", target_is_directory=True)
    out = run("ingest", str(news)).output
    assert f"skipped link.txt: a link to {outside / 'secret.txt'}, outside the folder; not read" in out
    assert f"skipped elsewhere/: a link to {outside / 'more'}, outside the folder; not read" in out
    assert "2 added" in out and "2 skipped" in out and "1 duplicates" in out
    shown = run("ask", "--json", "What about the passwords?").output
    assert "passwords" not in json.dumps(json.loads(shown)["retrieved"])
    assert all(str(outside) not in path for path in indexed(settings))


def test_a_file_given_on_its_own_is_itself(run, tmp_path, settings):
    news = folder(tmp_path / "news", **{"x.txt": "ferries", "y.txt": "trams"})
    other = tmp_path / "other"
    other.mkdir()
    (other / "news").write_text(story("a file named like the folder"))
    (other / "config.py").write_text("print('not an article')\n")
    run("ingest", str(news))
    named_like_folder = run("ingest", str(other / "news")).output
    assert "skipped news: not a .txt, .md or .html file" in named_like_folder and "0 removed" in named_like_folder
    assert "skipped config.py: not a .txt, .md or .html file" in run("ingest", str(other / "config.py")).output

    (other / "one.txt").write_text(story("one"))
    (other / "two.txt").write_text(story("two"))
    run("ingest", str(other / "one.txt"))
    second = run("ingest", str(other / "two.txt")).output
    assert "1 added" in second and "0 removed" in second  # one.txt is not pruned: it was not given
    assert sorted(indexed(settings)) == sorted([str(news / "x.txt"), str(news / "y.txt"), str(other / "one.txt"),
                                                str(other / "two.txt")])  # fmt: skip


# --- 14.8: one copy of each article ------------------------------------------------------------------------


def test_a_folder_inside_an_ingested_folder_is_one_set_of_articles(run, tmp_path, settings):
    nest = folder(tmp_path / "nest", **{"top.txt": "ferries", "sub/a.txt": "trams", "sub/b.txt": "buses"})
    run("ingest", str(nest / "sub"))
    out = run("ingest", str(nest)).output
    assert "1 added, 0 updated, 2 unchanged" in out
    index = Assistant(settings, embedder=FakeEmbedder()).index
    assert len(index.store.articles()) == 3 and sum(index.lexical.counts().values()) == index.store.count()
    assert [f["path"] for f in status(run)["folders"]] == [str(nest)]


def test_the_same_folder_twice_is_read_once(run, tmp_path):
    news = folder(tmp_path / "news", **{"x.txt": "ferries", "y.txt": "trams"})
    first = run("ingest", str(news), str(news), str(tmp_path / "news" / "."))
    assert "2 added" in first.output and "0 duplicates" in first.output
    assert "(0 chunks embedded" in run("ingest", str(news)).output


def test_citations_show_the_folder_where_two_files_share_a_name(run, tmp_path):
    biz = folder(tmp_path / "biz", **{"001.txt": "shares and markets", "002.txt": "a merger"})
    tech = folder(tmp_path / "tech", **{"001.txt": "a new phone"})
    run("ingest", str(biz))
    run("ingest", str(tech))
    data = json.loads(run("ask", "--json", "What about shares and markets and phones?").output)
    shown = {r["source"] for r in data["retrieved"]}
    assert {"biz/001.txt", "tech/001.txt", "002.txt"} <= shown
    shutil.rmtree(tech)
    run("forget", str(tech))
    data = json.loads(run("ask", "--json", "What about shares and markets?").output)
    assert {r["source"] for r in data["retrieved"]} == {"001.txt", "002.txt"}
