import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant.config import FIELDS, PROJECT_ROOT, Settings, markdown_table, setting, value_type
from assistant.errors import ConfigError


def test_defaults_then_environment_then_overrides():
    s = Settings.load(environ={"ASSISTANT_TOP_K": "7", "ASSISTANT_STORE_PATH": "~/idx"}, temperature=0.5)
    assert s.top_k == 7 and s.temperature == 0.5
    assert s.store_path == Path("~/idx").expanduser()
    assert Settings.load(environ={"ASSISTANT_TOP_K": "7"}, top_k=3).top_k == 3
    assert Settings.load(environ={}).top_k == FIELDS["top_k"].default


@pytest.mark.parametrize(
    "env, message",
    [
        ({"ASSISTANT_TOP_K": "lots"}, "is not a valid int"),
        ({"ASSISTANT_TEMPERATURE": "9"}, "out of range"),
        ({"ASSISTANT_EMBED_PRECISION": "int4"}, "embed_precision .* = 'int4' is not one of float32, int8"),
    ],
)
def test_bad_values_name_the_setting(env, message):
    with pytest.raises(ConfigError, match=message):
        Settings.load(environ=env)


def test_every_setting_has_help():
    assert all(f.metadata["help"] for f in FIELDS.values())


def test_unknown_override_is_refused():
    with pytest.raises(ConfigError, match="unknown setting"):
        Settings.load(environ={}, nonsense=1)


def test_replace_checks_bounds():
    with pytest.raises(ConfigError):
        Settings.load(environ={}).replace(top_k=0)


@dataclass(frozen=True)
class Extended(Settings):
    """Settings with the kinds no current setting uses: a bool and an optional number."""

    verbose: bool = setting(False, "Say more.")
    limit: int | None = setting(None, "At most this many; empty: no limit.", 1, 10)


@pytest.mark.parametrize("raw, value", [("true", True), ("Yes", True), ("on", True), ("1", True), ("false", False),
                                        ("no", False), ("OFF", False), ("0", False)])  # fmt: skip
def test_a_bool_setting_reads_the_usual_words(raw, value):
    assert Extended.load(environ={"ASSISTANT_VERBOSE": raw}).verbose is value
    assert Extended.load(environ={}, verbose=value).verbose is value


def test_a_bad_bool_and_an_optional_value_are_checked():
    with pytest.raises(ConfigError, match=r"verbose \(--verbose, ASSISTANT_VERBOSE\) = 'maybe' is not a valid bool"):
        Extended.load(environ={"ASSISTANT_VERBOSE": "maybe"})
    assert Extended.load(environ={}).limit is None
    assert Extended.load(environ={"ASSISTANT_LIMIT": ""}).limit is None  # empty means none
    assert Extended.load(environ={"ASSISTANT_LIMIT": "3"}).limit == 3
    with pytest.raises(ConfigError, match="out of range"):
        Extended.load(environ={"ASSISTANT_LIMIT": "30"})


def test_a_bool_setting_is_a_flag_pair_on_the_command_line():
    import click
    from click.testing import CliRunner

    from assistant.ui.cli import setting_option

    @click.command()
    @setting_option(dataclasses.fields(Extended)[-2])
    def show(verbose):
        click.echo(repr(Extended.load(environ={}, verbose=verbose).verbose))

    assert [CliRunner().invoke(show, args).output.strip() for args in ([], ["--verbose"], ["--no-verbose"])] == [
        "False",
        "True",
        "False",
    ]


def test_an_unsupported_type_is_refused():
    with pytest.raises(TypeError, match="settings are str, int, float, bool, Path"):
        value_type(dataclasses.field(default=None))  # no annotation: a bare Field has type None


def test_auth_is_a_setting_with_a_form_and_its_value_is_never_echoed():
    assert Settings.load(environ={"ASSISTANT_AUTH": "ann:pa:ss"}).auth == "ann:pa:ss"
    assert Settings.load(environ={}).auth is None
    with pytest.raises(ConfigError, match=r"^auth \(--auth, ASSISTANT_AUTH\) must look like USER:PASSWORD;") as e:
        Settings.load(environ={"ASSISTANT_AUTH": "s3cretpass"})
    assert "s3cretpass" not in str(e.value)


SOURCES = sorted((PROJECT_ROOT / "assistant").glob("*.py"))


def test_every_assistant_variable_the_code_names_comes_from_the_declarations():
    for path in SOURCES:
        if path.name != "config.py":
            assert not re.findall(r"ASSISTANT_[A-Z]", path.read_text(encoding="utf-8")), f"{path.name} spells one"
    named = {n for p in SOURCES for n in re.findall(r"(?:env_name|flag_name|checked)\(['\"](\w+)['\"]", p.read_text())}
    assert named and named <= set(FIELDS), named - set(FIELDS)


def test_the_readme_names_only_settings_that_exist():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    named = {n.lower() for n in re.findall(r"ASSISTANT_([A-Z_]+[A-Z])", readme)}
    assert named and named <= set(FIELDS), named - set(FIELDS)


def test_the_readme_configuration_table_is_the_declarations():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| setting | default | meaning |") :].split("\n\n")[0].strip()
    assert table == markdown_table(), "the README's table is out of date: paste `python -m assistant.config`"
