"""The `assistant` command: a thin click layer over the library.

Every setting in config.py is also a global option (`assistant --top-k 8 ask
...`), derived from the same declaration. Library errors become one-line
messages and exit code 1; nothing here holds logic the page would need too.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from ..config import FIELDS, Settings, describe, env_name, flag_name, value_type
from ..errors import AssistantError, InputError


def setting_option(f: dataclasses.Field):
    """The --option of one setting, from its declaration: flag, type, help and environment variable.
    Bounds, choices and forms are checked by Settings (one-line errors), not by click."""
    name, (kind, _) = f.name, value_type(f)
    flag, form = flag_name(name), f.metadata["form"]
    about = {"default": None, "help": f"{describe(f)} (env {env_name(name)})"}
    if kind is bool:
        return click.option(f"{flag}/--no-{flag[2:]}", name, **about)
    return click.option(flag, name, type=click.Path(path_type=Path) if kind is Path else kind,
                        metavar=form[1] if form else None, **about)  # fmt: skip


def settings_options(func):
    """Add one --option per setting."""
    for f in reversed(FIELDS.values()):
        func = setting_option(f)(func)
    return func


class Group(click.Group):
    """Turns the library's errors into one-line messages with exit code 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except AssistantError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@settings_options
@click.version_option(package_name="assistant")
@click.pass_context
def cli(ctx, **overrides):
    """Ask questions of a folder of news articles, offline, with cited answers."""
    try:
        settings = Settings.load(**overrides)
    except AssistantError as exc:
        raise click.ClickException(str(exc)) from None
    ctx.obj = {"settings": settings}


def assistant_from(ctx):
    from ..pipeline import Assistant

    return Assistant(ctx.obj["settings"])


def filter_options(func):
    from ..answer.retrieve import Filters

    for f in reversed(dataclasses.fields(Filters)):
        hint = "YYYY-MM-DD" if f.name.startswith("date") else "TEXT"
        func = click.option(f"--{f.name.replace('_', '-')}", f.name, default="", metavar=hint,
                            help=f"Only passages with this {f.name.replace('_', ' ')}.")(func)  # fmt: skip
    return func


def make_filters(kwargs):
    from ..answer.retrieve import Filters, check_filters

    return check_filters(Filters(**{f.name: kwargs.pop(f.name) for f in dataclasses.fields(Filters)}))


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--prune/--no-prune", default=True, show_default=True,
              help="Remove articles whose files are gone from the folders given.")  # fmt: skip
@click.option("--sync", is_flag=True,
              help="Read no folders: bring the lexical (BM25) index in step with the store, e.g. a Chroma server.")  # fmt: skip
@click.option("--rebuild", is_flag=True,
              help="Re-embed every indexed article from the text the index holds (after changing the embedding "
                   "model or --embed-precision); then read PATHS, if given.")  # fmt: skip
@click.pass_context
def ingest(ctx, paths, prune, sync, rebuild):
    """Index the articles in PATHS, folders or files (default: the corpus folder, articles/).

    It first repairs what the index lost (see `assistant status`), for every folder it holds."""
    app = assistant_from(ctx)
    if sync:
        refreshed, dropped, notes = app.index.sync()
        tell(notes)
        click.echo(f"lexical index in step with the store: {refreshed} articles refreshed, {dropped} dropped")
        return
    with progress_bar() as progress:
        if rebuild:
            report = app.rebuild(progress=progress)
            tell(report.notes)
            click.echo(f"{report.chunks} chunks embedded in {report.seconds:.1f}s")
            if not paths:
                return
        report = app.ingest(list(paths) or None, prune=prune, progress=progress)
    tell(report.notes)
    for skipped in report.skipped:
        click.echo(f"skipped {skipped.source}: {skipped.reason}", err=True)
    for dup, kept in report.duplicates:
        click.echo(f"duplicate {dup}: same text as {kept}, indexed once", err=True)
    click.echo(report.summary())


def tell(notes: list[str]) -> None:
    for note in notes:
        click.echo(note, err=True)


@contextmanager
def progress_bar():
    """A progress(done, total, what) for the library; a new bar for each new run of writes."""
    bar = None

    def progress(done, total, what):
        nonlocal bar
        if bar is None or bar.length != total or done < bar.pos:
            if bar is not None:
                bar.__exit__(None, None, None)
            bar = click.progressbar(length=total, label="Embedding chunks", file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        yield progress
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.pass_context
def forget(ctx, paths):
    """Remove from the index the articles of PATHS (folders or files), e.g. a folder moved or deleted.

    The files themselves are not touched. `assistant status` lists the folders the index holds."""
    from ..ingest.walk import resolve

    app = assistant_from(ctx)
    for path in paths:
        removed = app.forget(path)
        click.echo(f"forgot {resolve(path)}: {removed} articles removed")


@cli.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@click.option("--history", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON file of earlier turns [{role, content}], for a follow-up question.")  # fmt: skip
@filter_options
@click.pass_context
def ask(ctx, question, as_json, history, **kwargs):
    """Answer QUESTION from the indexed articles, citing passages."""
    from ..pipeline import Answer
    from .terminal import format_answer

    app = assistant_from(ctx)
    turns = read_history(history) if history else []
    answer, streamed = None, ""
    for item in app.ask_stream(question, filters=make_filters(kwargs), history=turns):
        if isinstance(item, Answer):
            answer = item
        elif isinstance(item, str) and not as_json:
            streamed += item
            click.echo(item, nl=False)
    if as_json:
        click.echo(json.dumps(answer.to_json(), indent=2, ensure_ascii=False))
        return
    click.echo(format_answer(answer, streamed))


@cli.command()
@click.argument("topic")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@filter_options
@click.pass_context
def timeline(ctx, topic, as_json, **kwargs):
    """The articles that bear on TOPIC, in date order, each with the sentences of it about TOPIC (no chat model)."""
    from .terminal import format_timeline

    lines, dates = assistant_from(ctx).timeline(topic, filters=make_filters(kwargs))
    if as_json:
        click.echo(json.dumps({"topic": topic, "dates": dates, "articles": [x.to_json() for x in lines]}, indent=2,
                              ensure_ascii=False))  # fmt: skip
        return
    click.echo(format_timeline(topic, lines, dates))


def read_history(path: Path) -> list[dict]:
    """Earlier turns from a JSON file: [{"role": "user"|"assistant", "content": "..."}]."""
    try:
        turns = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"history file {path} is not readable JSON ({exc})") from None
    if not isinstance(turns, list) or not all(
        isinstance(t, dict) and t.get("role") in ("user", "assistant") and isinstance(t.get("content"), str)
        for t in turns
    ):
        raise InputError(f'history file {path} must be a list of {{"role": "user"|"assistant", "content": "..."}}')
    return turns


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=7860, show_default=True, type=click.IntRange(1, 65535))
@setting_option(FIELDS["auth"])
@click.pass_context
def serve(ctx, host, port, auth):
    """Open the chat page (http://127.0.0.1:7860 by default)."""
    from .web import serve as run

    if auth is not None:  # `serve --auth` and the global `--auth` are the same setting
        ctx.obj["settings"] = ctx.obj["settings"].replace(auth=auth)
    auth = ctx.obj["settings"].auth
    run(assistant_from(ctx), host=host, port=port, auth=auth, warn=lambda m: click.echo(m, err=True))


@cli.command(name="eval")
@click.argument("qa_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with the metrics and every question.")
@click.option("--retrieval-only", is_flag=True, help="Measure retrieval only; skip generation (fast).")
@click.pass_context
def eval_command(ctx, qa_file, as_json, retrieval_only):
    """Measure retrieval and answers on a question set (JSON lines, see seed_qa_dev.jsonl)."""
    from ..evaluate import evaluate, format_table, read_questions

    questions = read_questions(qa_file)
    with click.progressbar(length=len(questions), label="Questions", file=sys.stderr) as bar:
        result = evaluate(assistant_from(ctx), questions, retrieval_only, progress=lambda i, n, _: bar.update(1))
    click.echo(json.dumps(result, indent=2, ensure_ascii=False) if as_json else format_table(result))


@cli.command(name="models")
@click.pass_context
def models_command(ctx):
    """List the models catalogue: which are installed and verified."""
    from ..models import catalogue

    settings = ctx.obj["settings"]
    specs = catalogue.read_catalogue(settings.catalogue)
    defaults = {catalogue.choose(specs, role).name for role in catalogue.ROLES}
    chat = None if settings.llm_url else catalogue.choose(specs, "chat", settings.chat_model)
    for spec in specs:
        installed = catalogue.is_installed(spec)
        if spec == chat and installed:  # join and check the chat model in use now, not at the first question
            catalogue.chat_model_path(spec, settings.cache_dir, progress=lambda m: click.echo(m, err=True))
        verified = spec.role == "embedding" or spec.sha256 == "-" or catalogue.is_verified(spec, settings.cache_dir)
        state = ("installed" if installed else "not installed") + (", verified" if installed and verified else "")
        mark = "*" if spec.name in defaults else " "
        click.echo(f"{mark} {spec.name:30} {spec.role:9} {spec.size:>6}  {state}")
        if not installed:
            click.echo(f"    install: {spec.install_hint()}")
    click.echo("* = default (first of its role in models.txt)")


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def status(ctx, as_json):
    """What is indexed: articles, chunks, models, store path, each folder (flagged when gone), and what is
    out of step (repaired by `assistant ingest`)."""
    info = assistant_from(ctx).status()
    if as_json:
        click.echo(json.dumps(info, indent=2))
        return
    folders, problems = info.pop("folders"), info.pop("problems")
    for key, value in info.items():
        click.echo(f"{key.replace('_', ' ')}: {value}")
    click.echo("folders:" if folders else "folders: none")
    for f in folders:
        gone = f" (gone: `assistant forget {f['path']}` removes them)" if f["gone"] else ""
        click.echo(f"  {f['path']}: {f['articles']} articles{gone}")
    for problem in problems:
        click.echo(f"! {problem}")


main = cli

if __name__ == "__main__":
    main()
