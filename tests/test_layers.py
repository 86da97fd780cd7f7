"""The package's layout is its flow: each layer imports only from the layers before it, and no module from
one that (directly or not) imports it back. Read from the source, so a new import that breaks this fails
here, not in a review."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "assistant"
# Lowest first; a name is a sub-package or a top-level module.
LAYERS = [
    {"errors", "config", "records"},
    {"text"},
    {"models"},
    {"ingest"},
    {"check"},
    {"answer"},
    {"pipeline", "metrics", "evaluate"},
    {"ui"},
]


def module_names() -> dict[str, Path]:
    """Dotted name under `assistant` (e.g. "ingest.index") of every module."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts) or "assistant"] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The assistant modules this module imports at run time (imports under `if TYPE_CHECKING:` excluded)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
               for n in ast.walk(node)}  # fmt: skip
    package = name.split(".")[:-1] if path.name != "__init__.py" else name.split(".")
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped or not isinstance(node, ast.ImportFrom | ast.Import):
            continue
        if isinstance(node, ast.Import):
            targets = [a.name.removeprefix("assistant.") for a in node.names if a.name.startswith("assistant.")]
        elif node.level:
            base = package[: len(package) - node.level + 1]
            stem = base + (node.module.split(".") if node.module else [])
            targets = [".".join(stem + [a.name]) for a in node.names] + [".".join(stem)]
        elif (node.module or "").startswith("assistant."):
            stem = node.module.removeprefix("assistant.").split(".")
            targets = [".".join(stem + [a.name]) for a in node.names] + [".".join(stem)]
        else:
            continue
        found |= {t for t in targets if t in known and t != name}
    return found


def rank(name: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if name.split(".")[0] in layer)


def graph() -> dict[str, set[str]]:
    names = module_names()
    names.pop("assistant")  # the package's own __init__ exports the public API lazily: it imports nothing
    return {n: imports(n, p, set(names)) for n, p in names.items()}


def test_every_module_is_in_a_layer():
    assert [n for n in graph() if not any(n.split(".")[0] in layer for layer in LAYERS)] == []


def test_no_module_imports_from_a_layer_above_it():
    upward = [f"{n} imports {t}" for n, deps in graph().items() for t in deps if rank(t) > rank(n)]
    assert upward == []


def test_no_import_cycle():
    edges, cycles = graph(), []

    def visit(node, path, done):
        for nxt in sorted(edges[node]):
            if nxt in path:
                cycles.append(" -> ".join(path[path.index(nxt) :] + [nxt]))
            elif nxt not in done:
                done.add(nxt)
                visit(nxt, path + [nxt], done)

    for start in sorted(edges):
        visit(start, [start], set())
    assert sorted(set(cycles)) == []


def test_the_checker_sees_imports():
    """The test above cannot pass by reading nothing: it finds the imports it should."""
    edges = graph()
    assert {"ingest.stores", "ingest.sync", "ingest.walk"} <= edges["ingest.folders"]
    assert "ingest.index" in edges["pipeline"] and "text.words" in edges["answer.evidence"]
    assert "models.catalogue" in edges["ui.cli"]  # imported inside a function
