"""Offline, proven: ingest and ask with the real embedding model while every non-loopback connection fails."""

from __future__ import annotations

import socket

import pytest

from assistant.config import Settings
from assistant.models.embed import BULK
from assistant.pipeline import Assistant
from tests.fakes import ARTICLES, ScriptedGenerator, citing

pytestmark = pytest.mark.slow


@pytest.fixture
def no_network(monkeypatch):
    attempts = []
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (
            host.startswith("127.") or host in ("::1", "localhost") or self.family == socket.AF_UNIX
        ):
            attempts.append(address)
            raise OSError(f"network blocked by test: {address}")
        return real_connect(self, address)

    def refuse(address, *args, **kwargs):
        attempts.append(address)
        raise OSError(f"network blocked by test: {address}")

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return attempts


def test_ingest_and_ask_work_with_the_network_blocked(no_network, tmp_path):
    generator = ScriptedGenerator()
    app = Assistant(Settings.load(store_path=tmp_path / "index", corpus_path=ARTICLES), generator=generator)
    report = app.ingest()
    assert len(report.added) == 5
    generator.enqueue(citing("Palmyra"))  # cites the evidence sentence naming Palmyra, by its number
    answer = app.ask("Which ancient city did Islamic State occupy in May 2015?")
    assert answer.citations and answer.citations[0].hit.chunk.source == "004_5ea01524ddc3fb62.txt"
    assert no_network == [], f"something tried to reach the network: {no_network}"


def test_a_bulk_embed_through_openvino_reaches_no_network_and_records_no_usage(no_network, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # OpenVINO's telemetry would keep its client id under ~/intel
    embedder = Assistant(Settings.load(store_path=tmp_path / "index", embed_precision="float32")).embedder
    assert len(embedder.embed([f"Article number {i} about the budget." for i in range(BULK)])) == BULK
    assert embedder._compiled is not None, "an ingest-sized batch goes through OpenVINO"
    assert no_network == [], f"something tried to reach the network: {no_network}"
    assert not (tmp_path / "intel").exists()


def test_the_int8_embedder_is_made_offline_and_records_no_usage(no_network, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    settings = Settings.load(store_path=tmp_path / "index", cache_dir=tmp_path / "cache", embed_precision="int8")
    assert len(Assistant(settings).embedder.embed(["What did Lavrov propose?"])[0]) == 384
    assert list((tmp_path / "cache" / "embedders").glob("*/*/model.xml"))
    assert no_network == [], f"something tried to reach the network: {no_network}"
    assert not (tmp_path / "intel").exists()
