from pathlib import Path

import pytest

from assistant.config import FIELDS, Settings
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
