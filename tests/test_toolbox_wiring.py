"""style_loss= and parameterization= reach the command line, the run record, the sliders and presets."""

from __future__ import annotations

import json

import numpy as np
import pytest

from styletransfer import constants as C
from styletransfer.cli.job import RunOptions, validate
from styletransfer.cli.main import main
from styletransfer.errors import ParameterError
from styletransfer.extensions.spatial import MultiStyleTransfer
from styletransfer.samples import load_sample

TINY = ["--size", "32", "--evals", "3", "--weights", "random", "--no-progress"]


def test_command_line_options_reach_the_problem_and_the_record(capsys, tmp_path):
    out = tmp_path / "w2.png"
    status = main(["run", "chelsea", "starry_night", "-o", str(out), *TINY, "--style-loss", "meancov",
                   "--parameterization", "pyramid", "--init", "noise"])
    assert status == 0, capsys.readouterr().err
    record = json.loads(out.with_suffix(".json").read_text())
    assert (record["parameters"]["style_loss"], record["parameters"]["parameterization"]) == ("meancov", "pyramid")
    assert record["result"]["evaluations"] == 3 and "range" in record["history"][0]  # the decoded-pixel penalty


@pytest.mark.parametrize("option", ["--style-loss", "--parameterization"])
def test_command_line_rejects_unknown_names_in_one_line(capsys, tmp_path, option):
    status = main(["run", "chelsea", "starry_night", "-o", str(tmp_path / "x.png"), *TINY, option, "wavelets"])
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert status == 2 and len(err) == 1 and "invalid choice" in err[0] and option in err[0]


@pytest.mark.parametrize("field", ["style_loss", "parameterization"])
def test_runner_checks_the_names_before_building_anything(field):
    with pytest.raises(ParameterError, match="wavelets"):
        validate(RunOptions("chelsea", "starry_night", "out.png", **{field: "wavelets"}))


def test_masks_need_the_gram_loss():
    image = load_sample("chelsea", size=32)
    with pytest.raises(ParameterError, match="style_loss='gram'"):
        MultiStyleTransfer(image, [image], size=32, weights="random", style_loss="sliced")


def test_presets_carry_style_loss_and_parameterization():
    from styletransfer.extensions.presets import PRESETS, preset_options

    for name in PRESETS:
        problem, _ = preset_options(name, (64, 64))
        assert problem.get("style_loss", C.DEFAULT_STYLE_LOSS) in C.STYLE_LOSSES
        assert problem.get("parameterization", C.DEFAULT_PARAMETERIZATION) in C.PARAMETERIZATIONS
    assert preset_options("paper", (64, 64))[0]["style_loss"] == "gram"
    assert any(preset_options(n, (64, 64))[0].get("style_loss", "gram") != "gram" for n in PRESETS)


@pytest.mark.slow
def test_sliders_switch_the_style_loss_and_the_parameterization():
    pytest.importorskip("ipywidgets")
    from styletransfer.live.widgets import explore

    view = explore("chelsea", "starry_night", size=32, weights="random", evals_per_run=3, run_on_change=False,
                   debounce=0.0)
    try:
        assert list(view.style_loss.options) == list(C.STYLE_LOSSES) and view.style_loss.value == "gram"
        assert list(view.parameterization.options) == list(C.PARAMETERIZATIONS)
        view.steerer.start()
        assert view.steerer.wait_idle(120)
        first = view.steerer.image.copy()
        view.style_loss.value = "histogram"
        view.parameterization.value = "fourier"
        view.steerer.start()
        assert view.steerer.wait_idle(120)
        problem = view.steerer.problem
        assert (problem.style_loss, problem.parameterization) == ("histogram", "fourier")
        assert view.steerer.evaluations == 6 and not np.array_equal(view.steerer.image, first)
        with pytest.raises(ParameterError, match="wavelets"):
            view.steerer.update(parameterization="wavelets")
    finally:
        view.close()
