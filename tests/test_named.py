"""A message that names its VM only in its text (as Castra's own do: ``→ db-0: …``) is
about that VM: counted in its warn/err columns, its remediation shown with its failure —
whether it comes before the VM's first event or after."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_cli

SAID = '{"type":"message","severity":"%s","text":"→ db-0: disk slow","remediation":"add disk"}'
BOOTSTRAP = [
    '{"type":"bootstrap.started","vm":"db-0","base_hash":"x","artifact_hash":"y","trigger":"auto"}',
    '{"type":"bootstrap.failed","vm":"db-0","duration_ms":5,"error":"boom"}',
]


@pytest.mark.parametrize("before", [True, False], ids=["said-before", "said-after"])
@pytest.mark.parametrize("severity", ["info", "warn", "error"])
def test_a_message_named_in_its_text_is_about_that_vm(
    tmp_path: Path, before: bool, severity: str
) -> None:
    lines = [SAID % severity, *BOOTSTRAP] if before else [*BOOTSTRAP, SAID % severity]
    path = tmp_path / "named.ndjson"
    path.write_text("\n".join(lines) + "\n")
    report = json.loads(run_cli([str(path), "--format", "json"]).out)
    (vm,) = report["vms"]
    counts = {"info": (0, 1), "warn": (1, 1), "error": (0, 2)}[severity]
    assert (vm["warnings"], vm["errors"]) == counts
    assert report["problems"][0]["remediation"] == ["add disk"]
    assert report["remediations"] == []
    text = run_cli([str(path), "--summary-only", "--no-color", "--width", "100"]).out
    assert "↳ add disk" in text.split("failures")[1]
