"""What a network means for its system, in three sentences (the report's first page).

Reads the result; every number in the text is one the analysis computed.
"""

from __future__ import annotations

from collections import Counter

from ..results.network import Connection, ExcitableNetwork
from ..results.status import Status

__all__ = ["network_summary"]


def _switch(net: ExcitableNetwork, c: Connection) -> str:
    how = (f" (input {c.channel}, sign {c.sign:+d})" if c.space == "input" and c.channel is not None
           else "")
    lab = dict(zip(net.node_ids, net.node_labels))

    def name(nid: str) -> str:
        return nid + (f" [{lab[nid]}]" if lab.get(nid) else "")

    return f"{name(c.source)} → {name(c.target)} at δ = {c.threshold:.3g}{how}"


_PLURAL = {"equilibrium": "equilibria", "map-cycle": "map cycles",
           "limit-cycle": "limit cycles", "aperiodic": "aperiodic attractors"}


def _states(net: ExcitableNetwork) -> str:
    kinds = Counter(net.node_kinds or ("equilibrium",) * len(net.node_ids))
    what = ", ".join(f"{n} {k.replace('-', ' ') if n == 1 else _PLURAL.get(k, k + 's')}"
                     for k, n in sorted(kinds.items()))
    return f"{len(net.node_ids)} stable state{'' if len(net.node_ids) == 1 else 's'} ({what})"


def network_summary(net: ExcitableNetwork) -> str:
    """Three sentences: how many states and connections; which switches are easy and which
    hard; what could not be established and why (or that everything was, and how). A fourth,
    before the last, where a kick takes the system to infinity or out of the equations'
    domain: the smallest such kick.

    >>> import dynena
    >>> net = dynena.excitable_network(dynena.load("models/tristable.yaml"))
    >>> print(network_summary(net).split(". ")[0])
    The system has 3 stable states (3 equilibria) and 6 of the 6 possible directed connections at any amplitude
    """
    edges = sorted(net.edges, key=lambda c: c.threshold)
    n = len(net.node_ids)
    pairs = n * (n - 1)
    amp = ("at any amplitude" if net.max_threshold is None
           else f"within amplitude {net.max_threshold:.3g}")
    first = (f"The system has {_states(net)} and {len({(c.source, c.target) for c in edges})} "
             f"of the {pairs} possible directed connections {amp}.")
    if not edges:
        second = "No switch between states was found within that amplitude."
    elif edges[-1].threshold <= edges[0].threshold * (1 + 1e-6):
        second = (f"Every switch needs the same perturbation, δ = {edges[0].threshold:.3g} "
                  f"(e.g. {_switch(net, edges[0])}).")
    else:
        second = (f"The easiest switch is {_switch(net, edges[0])}; the hardest is "
                  f"{_switch(net, edges[-1])}, {edges[-1].threshold / max(edges[0].threshold, 1e-300):.3g}"
                  " times larger.")
    return f"{first} {second}{_exit(net, edges)} {_caveats(net)}"


_EXITS = {"diverged": "sends the system to infinity",
          "left-domain": "takes the system out of the equations' domain (they become "
                         "undefined there)"}


def _exit(net: ExcitableNetwork, edges: list[Connection]) -> str:
    """The smallest kick to an outcome that is not a state ('' when there is none)."""
    out = sorted((c for c in net.connections if c.target in _EXITS), key=lambda c: c.threshold)
    if not out:
        return ""
    c = out[0]
    below = ", smaller than any switch" if edges and c.threshold < edges[0].threshold else ""
    return f" From {c.source}, a perturbation of δ = {c.threshold:.3g} {_EXITS[c.target]}{below}."


def _caveats(net: ExcitableNetwork) -> str:
    """The third sentence: what failed and why, or how the thresholds are guaranteed."""
    certs = Counter(str(c.certificate.status) for c in net.connections
                    if c.certificate is not None)
    bad = {k: v for k, v in certs.items()
           if k in ("budget", "undecided", "rough-boundary", "sampled-source")}
    why = "; ".join(f"{v} threshold{'' if v == 1 else 's'} {_BAD[k]}" for k, v in bad.items())
    if not net.success:
        return (f"Not everything could be established: {net.status.message}"
                + (f" ({why})" if why else "") + f"; remedy: {net.status.remedy}.")
    if bad:  # the run completed, but some thresholds carry a weaker guarantee
        fixes = "; ".join(dict.fromkeys(Status(k).remedy for k in bad if Status(k).remedy))
        return (f"Not every threshold has the full guarantee: {why}"
                + (f" ({fixes})" if fixes else "") + ".")
    if not certs:
        return ("Thresholds come from scans along the admissible kicks (input pulses or named "
                "directions); each is bracketed to the stated tolerance.")
    how = ", ".join(f"{v} {_GOOD.get(k, k)}" for k, v in sorted(certs.items()))
    return f"Every threshold was established within its budget ({how})."


_BAD = {"budget": "stopped at the search budget", "undecided": "resting on undecided kicks",
        "rough-boundary": "on a fractal basin boundary",
        "sampled-source": "from an aperiodic attractor known from samples"}
_GOOD = {"certified": "certified over all directions", "multi-start": "by multi-start descent",
         "warm-start": "followed from the previous parameter value",
         "ray": "by ray scans", "found": "met on the way"}
