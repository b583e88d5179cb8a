"""A real LSP client (pytest-lsp) talking to ``flake8-asyncio-run lsp`` over stdio."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

pytest.importorskip("pygls")


class RecordingClient(LanguageClient):
    """Keeps every publishDiagnostics, not only the latest per document."""

    published: list[types.PublishDiagnosticsParams]
    registrations: list[types.Registration]


def make_client() -> LanguageClient:
    client = RecordingClient()
    client.published = []
    client.registrations = []

    def register(client: RecordingClient, params: types.RegistrationParams) -> None:
        client.registrations.extend(params.registrations)

    def publish(client: RecordingClient, params: types.PublishDiagnosticsParams) -> None:
        client.diagnostics[params.uri] = params.diagnostics
        client.published.append(params)

    register_lsp_features(
        client,
        {
            **DEFAULT_CLIENT_FEATURES,
            types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: publish,
            types.CLIENT_REGISTER_CAPABILITY: register,
        },
    )
    return client


SERVER = ClientServerConfig(
    server_command=[sys.executable, "-m", "flake8_asyncio_run", "lsp"],
    client_factory=make_client,
)


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient) -> AsyncIterator[None]:
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nrequires-python = ">=3.11"\n', encoding="utf-8"
    )
    return root
