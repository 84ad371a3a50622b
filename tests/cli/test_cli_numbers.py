"""Every float option and argument of every command refuses NaN and infinities when the command line is parsed:
one click type (``movierec.cli.base.Number``), exit 2 with the one-line usage error, before any dataset is
loaded (issue 24: `train --lr nan` trained with the automatic rate; `recommend --diversity nan` was refused only
after 27 s of loading, exit 1)."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from movierec.cli import cli
from movierec.cli.base import Number


def _commands(group: click.Group, path: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name), command


def _floats():
    """(command path, command, param): every parameter that takes a number with a fraction (a float type, or a
    string option parsed as seconds: --timeout)."""
    for path, command in _commands(cli):
        for param in command.params:
            if isinstance(param.type, click.types.FloatParamType) or param.name == "timeout":
                yield path, command, param


FLOATS = list(_floats())


def test_the_walk_finds_the_float_options_it_should():
    names = {(" ".join(path), p.name) for path, _, p in FLOATS}
    for wanted in [("train", "lr"), ("train", "l2"), ("recommend", "diversity"), ("eval", "cold_items"),
                   ("rate", "stars"), ("tune", "timeout")]:
        assert wanted in names, names


@pytest.mark.parametrize("path, command, param", FLOATS, ids=[f"{' '.join(p)} {q.name}" for p, _, q in FLOATS])
def test_every_float_parameter_uses_the_one_number_type(path, command, param):
    assert isinstance(param.type, Number), f"{' '.join(path)} {param.name}: {param.type!r}"


def _args(command: click.Command, target: click.Parameter, value: str) -> list[str]:
    """Arguments that reach ``target`` with ``value``: every other argument given a placeholder."""
    options = [target.opts[0], value] if isinstance(target, click.Option) else []
    positional = [value if p is target else "x" for p in command.params if isinstance(p, click.Argument)]
    return [*options, "--", *positional]  # "--": "-inf" as an argument is not an option


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "NaN", "+Infinity"])
@pytest.mark.parametrize("path, command, param", FLOATS, ids=[f"{' '.join(p)} {q.name}" for p, _, q in FLOATS])
def test_nan_and_infinities_are_usage_errors_before_any_work(monkeypatch, path, command, param, value):
    import movierec.engine

    def no_engine(*a, **k):
        raise AssertionError("an engine was built before the numbers were checked")

    monkeypatch.setattr(movierec.engine, "Engine", no_engine)
    args = ["--headless", *path, *_args(command, param, value)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, (args, result.output)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and value in lines[0], (args, result.stderr)
    assert "Traceback" not in result.output


@pytest.mark.parametrize("text, wanted", [("0.5", 0.5), ("1e-3", 1e-3), ("2", 2.0)])
def test_ordinary_numbers_still_pass(text, wanted):
    assert Number(min=0).convert(text, None, None) == wanted


@pytest.mark.parametrize("text", ["nan", "inf", "-inf"])
def test_the_type_refuses_them_with_a_sentence(text):
    with pytest.raises(click.BadParameter, match="not a finite number"):
        Number().convert(text, None, None)
