"""The settings a grading process is started with: sent once, as JSON, and read back whole."""

from __future__ import annotations

import dataclasses

from autograder.intake.jobs import WorkerSettings
from autograder.kernel.settings import KernelSettings


def test_worker_settings_come_back_from_json_field_for_field():
    kernel = KernelSettings(memory_mb=1234, warmup=("numpy",), fork=False,
                            env=(("MPLBACKEND", "Agg"), ("X", "1")), tmp_root="/tmp/k",
                            sandbox='{"mode": "none"}')
    settings = WorkerSettings(timeout=7.5, max_output_chars=99, integrity=False, trusted=False,
                              kernel=kernel, budget=12.0, max_restarts=5, hidden_details=True)
    # every field differs from its default, so a field the JSON drops would show
    for obj in (settings, kernel):
        for f in dataclasses.fields(obj):
            default = (f.default_factory() if f.default_factory is not dataclasses.MISSING
                       else f.default)
            assert getattr(obj, f.name) != default, f.name
    back = WorkerSettings.from_json(settings.to_json())
    assert back == settings
    assert isinstance(back.kernel.env[0], tuple) and isinstance(back.kernel.warmup, tuple)
