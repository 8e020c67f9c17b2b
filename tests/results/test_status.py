"""One status vocabulary: string-compatible, explained, and derived honestly for networks."""

from __future__ import annotations

import json

import numpy as np

from dynena.results.equilibria import EquilibriumSet
from dynena.results.jsonable import jsonable
from dynena.results.network import Connection, ExcitableNetwork, ThresholdCertificate
from dynena.results.status import Status


def test_every_status_is_explained_and_compares_as_its_string():
    for s in Status:
        assert s.message and s == s.value and Status(s.value) is s
        assert json.loads(json.dumps({"s": s})) == {"s": s.value}
        if not s.success and s not in (Status.FOUND,):
            assert s.remedy, f"{s} needs a remedy"


def test_results_coerce_plain_strings():
    eq = EquilibriumSet("m", "ode", {}, ("x",), (), status="budget")
    assert eq.status is Status.BUDGET and not eq.success
    assert jsonable(eq.to_dict())["status"] == "budget"
    assert type(jsonable(eq.to_dict())["status"]) is str
    assert EquilibriumSet("m", "ode", {}, ("x",), ()).success


def _cert(status: str) -> ThresholdCertificate:
    return ThresholdCertificate(method="direction-grid", status=status, lower_bound=0.9,
                                angular_resolution=0.01, radial_resolution=0.1, directions=8,
                                trajectories=10)


def _net(*statuses: str, eq_status: str = "ok") -> ExcitableNetwork:
    eq = EquilibriumSet("m", "ode", {}, ("x",), (), status=eq_status)
    conns = tuple(Connection(source="E0", target="E1", threshold=1.0, space="state",
                             kind="excitable", via=None, bracket=(0.9, 1.0), trajectories=10,
                             certificate=_cert(s)) for s in statuses)
    return ExcitableNetwork(model="m", kind="ode", parameters={}, names=("x",),
                            node_ids=("E0", "E1"), node_states=np.zeros((2, 1)),
                            node_labels=(None, None), node_stability=("stable", "stable"),
                            connections=conns, equilibria=eq)


def test_a_network_is_only_as_good_as_its_weakest_search():
    assert _net("certified", "certified").status == "ok" and _net("certified").success
    assert _net("certified", "budget").status == Status.BUDGET
    assert not _net("certified", "undecided").success
    assert _net("certified", eq_status="budget").status == Status.BUDGET
    assert _net("certified", "budget").to_dict()["success"] is False


def test_a_zero_or_missing_lower_bound_is_not_stated_as_a_bound():
    """An aperiodic source's bound is often 0 (samples far from every screened one are bounded
    by nothing): "no kick below 0 reaches the target" said nothing, dressed as a guarantee."""
    from dataclasses import replace

    c = _cert("sampled-source")
    assert "no kick below 0.9 reaches" in c.statement
    zero = replace(c, lower_bound=0.0, sources=34, source_samples=8000, source_gap=0.0015)
    assert "no kick below" not in zero.statement
    assert "no lower bound above 0 (the screened source points" in zero.statement
    assert "no lower bound:" in replace(c, lower_bound=float("nan")).statement
