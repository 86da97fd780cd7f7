"""The assistant's errors: one base class and a few specific kinds.

Every message is one line that names the file or value at fault and says what
to do. The CLI and the page show `str(error)` and nothing else; a traceback
means a bug, never bad input.
"""


class AssistantError(Exception):
    """Base of every error the assistant raises on purpose."""


class ConfigError(AssistantError):
    """A setting or option has a bad value."""


class ModelError(AssistantError):
    """A model is missing, fails its checksum, or its server misbehaves."""


class StoreError(AssistantError):
    """The index cannot be used as it is (wrong embedding model, unreachable server)."""


class DamagedIndexError(StoreError):
    """Chroma cannot read its own files (a write was killed mid-way); `assistant ingest` rebuilds them."""


class InputError(AssistantError):
    """A file, question or request the assistant cannot take."""
