"""`keel worker` needs a broker, and says which variable to set."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from keel.cli.app import app


def test_a_worker_without_a_broker_says_to_set_keel_broker_url(tmp_path: Path) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KEEL_HOME", str(tmp_path))
        patch.delenv("KEEL_BROKER_URL", raising=False)
        result = CliRunner().invoke(app, ["worker"])
    assert result.exit_code != 0
    assert "KEEL_BROKER_URL" in result.output
