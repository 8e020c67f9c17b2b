"""Analyses the report tests draw: the flagship flip-flop (the trained ESN shipped under
models/), a 3-D state-space network with 56 edges (cube3) and a 1-D one (tristable)."""

from __future__ import annotations

import pytest

import dynena


@pytest.fixture(scope="session")
def flipflop(models_dir):
    from dynena.rnn.esn import EchoStateNetwork
    from dynena.rnn.extract import analyse_flipflop

    m = dynena.load(models_dir / "flipflop3.yaml")
    esn = EchoStateNetwork.from_model(m)
    return m, analyse_flipflop(esn, bits=3, sweep=(1.0,), test_steps=3000)


@pytest.fixture(scope="session")
def cube3(models_dir):
    m = dynena.load(models_dir / "cube3.yaml")
    eq = dynena.find_equilibria(m)
    return m, eq, dynena.excitable_network(m, equilibria=eq)


@pytest.fixture(scope="session")
def tristable(models_dir):
    m = dynena.load(models_dir / "tristable.yaml")
    eq = dynena.find_equilibria(m)
    return m, eq, dynena.excitable_network(m, equilibria=eq)
