r"""The paper's extraction of an excitable network from a trained recurrent network.

Science.md §4, steps 1–9, for a trained ESN (or any vector-form map model with inputs and a
linear read-out ``z``):

1. drive the network with the task, record states, outputs and
   :math:`q_k = \tfrac12\|G(x_k) - x_k\|^2` along the trajectory;
2. seeds: the state before each pulse, the last state, local minima of q below 1e-8;
3. converge seeds (iteration of G, then Newton with the exact Jacobian); accept stable roots,
   keep seeds that stay slow apart as **slow points**;
4. label nodes by read-out (nearest code within 0.2, else spurious);
5. count observed transitions (node before → node after each pulse);
6. pulse thresholds by bisection for every node, channel and sign;
7. via-saddles: bisect to the boundary, follow the edge trajectory to its slowest point and
   Newton-polish it into a saddle;
8. the graph at the task amplitude (connections to non-equilibrium behaviour are kept);
9. error attribution on the test run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from typing import Any

import numpy as np

from .._typing import Array
from ..compile import compile_model
from ..compile.system import CompiledSystem
from ..equilibrium import find_equilibria
from ..equilibrium.api import distinct_points
from ..equilibrium.classify import classify, eigen_sorted
from ..equilibrium.krylov import krylov_equilibria
from ..equilibrium.newton import batched_newton
from ..equilibrium.slow import minimise_speed, speed
from ..flow.advance import advance
from ..network import InputPulses, excitable_network
from ..network.outcome import OutcomeOracle
from ..network.via import closest_saddle
from ..progress import say, step
from ..results.equilibria import EquilibriumSet
from ..results.network import Connection, ExcitableNetwork
from ..results.rnn import FlipFlopAnalysis, RNNNode, RNNSaddle
from .network import Readout, TrainedNetwork
from .tasks import FlipFlopTask, flipflop, score

__all__ = ["analyse_flipflop"]


KRYLOV_ABOVE = 400
"""Above this many units the extraction finds fixed points by Newton–Krylov with Arnoldi
stability (O(N²) per step) instead of the dense batched search with deflation (O(N³))."""


def _q(c: CompiledSystem, X: Array) -> Array:
    r"""q = ½|G(x) - x|² (map) or ½|f(x)|² (ode), row by row."""
    return speed(c, X)


def _relax(c: CompiledSystem, Y: Array, steps: int = 300) -> Array:
    """Follow the autonomous dynamics from every row: iterate G (map) or RK4 for 100 time
    units (ode). Rows that have come within 1e-10 (relative) of each other are followed as
    one: the seeds of a test run settle into a handful of states, and at N = 1000 following
    hundreds of copies cost 25 s of the extraction."""
    if c.dynamics.is_map:
        for k in range(steps):
            Y = c.f_batch(Y)
            if k % 25 == 24:
                Y = distinct_points(Y, 1e-10)
        return Y
    h = 0.25
    for k in range(400):
        k1 = c.f_batch(Y)
        k2 = c.f_batch(Y + 0.5 * h * k1)
        k3 = c.f_batch(Y + 0.5 * h * k2)
        k4 = c.f_batch(Y + h * k3)
        Y = Y + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
        if k % 25 == 24:
            Y = distinct_points(Y, 1e-10)
    return Y


def _nearest(states: Array, x: Array, tol: float) -> int:
    if not len(states):
        return -1
    d = np.linalg.norm(states - x, axis=1)
    k = int(np.argmin(d))
    return k if d[k] <= tol else -1


def analyse_flipflop(
    esn: TrainedNetwork,
    *,
    bits: int,
    amplitude: float = 1.0,
    width: int = 1,
    p: float = 0.01,
    test_steps: int = 10_000,
    seed: int = 0,
    sweep: Sequence[float] = tuple(np.round(np.linspace(0.5, 1.0, 11), 3)),
    sweep_steps: int = 3000,
    code_tol: float = 0.2,
    rtol: float = 1e-6,
    jobs: int = 1,
    progress: Callable[[str], None] | None = None,
    name: str = "esn",
) -> FlipFlopAnalysis:
    """Extract the excitable network of a trained flip-flop ESN and test its predictions.

    Parameters
    ----------
    esn : EchoStateNetwork or ModelNetwork
        A trained network: an ESN (``W_out`` set), or any network in vector form with an
        input block and a read-out ``z`` (:class:`~dynena.rnn.network.ModelNetwork`, e.g. a
        PyTorch GRU from :func:`~dynena.rnn.pytorch.load_torch`).
    bits, amplitude, width, p : task settings of the test run (pulse amplitude and width).
    test_steps : int
    seed : int
        Seed of the test sequence.
    sweep : sequence of float
        Pulse amplitudes at which predicted and observed flips are compared.
    code_tol : float
        A node's read-out within this (max-norm) of a code ±1 gets that code.
    rtol : float
        Relative tolerance of the pulse thresholds.
    jobs : int
        Local processes for the thresholds.

    Returns
    -------
    FlipFlopAnalysis

    Examples
    --------
    A one-bit flip-flop of 40 units: two memories, one switch each way.

    >>> import dynena
    >>> from dynena.rnn.esn import ESNConfig
    >>> esn, _ = dynena.train_flipflop_esn(bits=1, config=ESNConfig(size=40, train_steps=4000))
    >>> ana = dynena.analyse_flipflop(esn, bits=1, test_steps=2000, sweep=(1.0,),
    ...                               sweep_steps=500)
    >>> ana.accuracy, sorted(n.code for n in ana.nodes), len(ana.network.edges)
    (1.0, [(-1,), (1,)], 2)
    """
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    c = compile_model(esn.to_model(name))
    readout = esn.readout
    # 1. drive with the task
    task = flipflop(bits, test_steps, p=p, amplitude=amplitude, width=width, seed=seed + 2000)
    X, Z = esn.run(task.u)
    acc, rmse = score(Z, task.y)
    q = _q(c, X)
    timings["test_run"] = time.perf_counter() - t0
    say(progress, f"test run: accuracy {acc:.4f}, RMSE {rmse:.4f}")
    step(progress, "extraction: stages done", 1, 5)
    # 2-3. seeds from the trajectory, converged to equilibria
    t1 = time.perf_counter()
    pulse_steps = [pl.step for pl in task.pulses]
    eq, raw = _converge(c, _seeds(X, q, pulse_steps), thorough=not hasattr(esn, "W_out"))
    timings["equilibria"] = time.perf_counter() - t1
    say(progress, f"{len(eq.stable)} stable equilibria, {len(eq.slow_points)} slow points")
    step(progress, "extraction: stages done", 2, 5)
    # 4. nodes, their read-out codes, and the slow points among the seeds
    nodes = _label_nodes(eq, readout, code_tol)
    N = np.array([n.state for n in nodes]).reshape(-1, c.n)
    node_tol = 0.05 * (1.0 + float(np.max(np.linalg.norm(X, axis=1))))
    found_slow, held_unstable = _slow_points_from_seeds(
        c, raw, np.array([e.state for e in eq.stable]).reshape(-1, c.n), node_tol)
    slow_states = [s.state for s in eq.slow_points] + found_slow
    # 5. observed transitions
    observed = _observed(X, pulse_steps, N, nodes, node_tol)
    # 6. pulse thresholds (the excitable network in input space)
    t2 = time.perf_counter()
    net = excitable_network(c, equilibria=eq, perturbations=InputPulses(
        width=width, max_amplitude=1.5 * amplitude), rtol=rtol, nodes="stable", jobs=jobs,
        progress=progress)
    timings["thresholds"] = time.perf_counter() - t2
    step(progress, "extraction: stages done", 3, 5)
    # 7. via-saddles from the threshold brackets
    t3 = time.perf_counter()
    saddles, conns = _via_saddles(c, eq, net, N, width, node_tol, readout)
    timings["saddles"] = time.perf_counter() - t3
    step(progress, "extraction: stages done", 4, 5)
    labels = tuple("".join("+" if v > 0 else "-" for v in n.code) if n.code else "spurious"
                   for n in nodes)
    net = replace(net, connections=tuple(conns), readout={n.id: n.readout for n in nodes},
                  node_labels=labels, max_threshold=amplitude)
    # 8-9. predictions against the test run, and the amplitude sweep
    thr: dict[tuple[str, int, int], Any] = {
        (cn.source, int(cn.channel or 0), int(cn.sign or 0)): cn for cn in net.connections}
    errs, err_list = _attribute_errors(task, X, Z, N, nodes, thr, node_tol, amplitude, q)
    t4 = time.perf_counter()
    sweep_rows = [_sweep_point(esn, bits, float(amp), width, p, sweep_steps, seed, N, nodes,
                               thr, node_tol) for amp in sweep]
    timings["sweep"] = time.perf_counter() - t4
    step(progress, "extraction: stages done", 5, 5)
    diag = _diagnose(nodes, eq, bits, net, amplitude, q, sweep_rows, acc, slow_states, readout,
                     held_unstable)
    timings["total"] = time.perf_counter() - t0
    cfg = asdict(esn.config) if esn.config else {}
    return FlipFlopAnalysis(
        bits=bits, size=esn.size, amplitude=amplitude, width=width, accuracy=acc, rmse=rmse,
        nodes=tuple(nodes), network=net, equilibria=eq, saddles=tuple(saddles),
        slow_points=tuple({"q": float(_q(c, x[None])[0]), "readout": readout(x).tolist()}
                          for x in slow_states),
        observed=observed, trajectory_q_p90=float(np.percentile(q[100:], 90)),
        sweep=tuple(sweep_rows), errors=errs, error_list=tuple(err_list), diagnosis=tuple(diag),
        config={**cfg, "bits": bits, "amplitude": amplitude, "width": width, "p": p,
                "test_steps": test_steps, "test_seed": seed + 2000, "rtol": rtol},
        timings=timings,
        series={"u": task.u[:2000], "y": task.y[:2000], "z": Z[:2000], "q": q[:2000],
                "X": X[:2000], "pulses": np.array(pulse_steps)},
        held_unstable=tuple({"readout": readout(x).tolist(),
                             "max_abs_eig": float(np.max(np.abs(np.linalg.eigvals(c.jac(x)))))}
                            for x in held_unstable))


def _seeds(X: Array, q: Array, pulse_steps: list[int]) -> Array:
    """The state just before each pulse, the last state, and local minima of q below 1e-8."""
    before = [k - 1 for k in pulse_steps if k >= 1]
    qmin = [k for k in range(1, len(q) - 1)
            if q[k] < 1e-8 and q[k] <= q[k - 1] and q[k] <= q[k + 1]]
    return X[sorted(set(before + [len(X) - 1] + qmin))]


def _converge(c: CompiledSystem, seeds: Array, thorough: bool = False
              ) -> tuple[EquilibriumSet, Array]:
    """Iterate G (batched) from the seeds, then Newton inside find_equilibria; also the
    distinct raw seeds (up to 40), where slow points are looked for. ``thorough`` (networks
    other than the ESN of the paper: a GRU, an LSTM) adds the states of a run under random
    pulses and the box starts, as ``dynena rnn`` searches: their memories need not sit where
    the test run relaxes."""
    Y = _relax(c, seeds.copy())
    raw = distinct_points(seeds, 1e-3)[:40]
    starts = np.concatenate([distinct_points(Y, 1e-8), raw])
    if thorough:
        from .pytorch import trajectory_seeds

        eq = find_equilibria(c, seeds=np.concatenate([starts, trajectory_seeds(c)]),
                             symbolic=False, max_time=120)
        return eq, raw
    if c.n > KRYLOV_ABOVE:
        # thousands of units: Newton-Krylov from the same starts and Arnoldi for stability,
        # O(N^2) per step where a dense Newton step is O(N^3) (N = 1000: 1.4 s against 55 s,
        # the same stable states); no deflation, so the saddles listed are those the starts
        # reach (the via-saddles of the connections are found from their brackets anyway)
        return krylov_equilibria(c, starts, max_time=120), raw
    eq = find_equilibria(c, seeds=starts, n_starts=0, deflation_rounds=1, symbolic=False,
                         max_time=120)
    return eq, raw


def _label_nodes(eq: EquilibriumSet, readout: Readout, code_tol: float) -> list[RNNNode]:
    """Each stable equilibrium with its read-out and the nearest code within ``code_tol``
    (else spurious)."""
    nodes: list[RNNNode] = []
    for e in eq.stable:
        z = readout(e.state)
        code = tuple(int(s) for s in np.sign(z))
        ok = bool(np.max(np.abs(z - np.sign(z))) <= code_tol)
        nodes.append(RNNNode(e.id, e.state, z, code if ok else None, not ok,
                             float(np.max(np.abs(e.eigenvalues)))))
    return nodes


def _observed(X: Array, pulse_steps: list[int], N: Array, nodes: list[RNNNode],
              node_tol: float) -> dict[tuple[str, str], int]:
    """For each pulse, the node before it and the node where the run is before the next."""
    observed: dict[tuple[str, str], int] = {}
    bounds = pulse_steps + [len(X)]
    for j, k in enumerate(pulse_steps):
        if k < 1:
            continue
        a = _nearest(N, X[k - 1], node_tol)
        b = _nearest(N, X[bounds[j + 1] - 1], node_tol)
        key = (nodes[a].id if a >= 0 else "none", nodes[b].id if b >= 0 else "none")
        observed[key] = observed.get(key, 0) + 1
    return observed


def _via_saddles(c: CompiledSystem, eq: EquilibriumSet, net: ExcitableNetwork, N: Array, width: int,
                 node_tol: float, readout: Readout) -> tuple[list[RNNSaddle], list[Connection]]:
    """The saddle each pulse connection passes: a known saddle near the trajectory from just
    above the threshold, else one found from the bracket (edge tracking, Newton polish)."""
    oracle = OutcomeOracle.build(c, N, np.array([e.state for e in eq]).reshape(-1, c.n),
                                 eigenvalues=[e.eigenvalues for e in eq.stable])
    saddle_states: list[Array] = [e.state for e in eq.saddles]
    saddle_meta: list[tuple[int, float, float]] = [
        (e.unstable_dim, float(np.max(np.abs(e.eigenvalues))), e.residual) for e in eq.saddles]
    conns = list(net.connections)
    via_of: dict[int, int] = {}
    for k, cn in enumerate(conns):
        if cn.target not in net.node_ids:
            continue
        i = net.node_ids.index(cn.source)
        ch, sg = int(cn.channel or 0), int(cn.sign or 0)  # input connections carry both
        x_lo = _after_pulse(c, N[i], ch, sg, cn.bracket[0], width)
        x_hi = _after_pulse(c, N[i], ch, sg, cn.bracket[1], width)
        S = np.array(saddle_states).reshape(-1, c.n)
        if len(S):
            _, Xt = oracle.trajectory(x_hi)
            s_idx, _, _ = closest_saddle(Xt, S, np.full(len(S), node_tol))
            if s_idx is not None:
                via_of[k] = s_idx
                continue
        found = _saddle_from_bracket(c, oracle, x_lo, x_hi, i)
        if found is None:
            continue
        x_s, meta = found
        saddle_states.append(x_s)
        saddle_meta.append(meta)
        via_of[k] = len(saddle_states) - 1
        if "x -> -x" in eq.symmetry:  # the mirror image is a saddle too
            saddle_states.append(-x_s)
            saddle_meta.append(meta)
    saddles = [RNNSaddle(f"S{k}", x_s, readout(x_s), udim, mx, res,
                         tuple((conns[j].source, conns[j].target)
                               for j, s in via_of.items() if s == k))
               for k, (x_s, (udim, mx, res)) in enumerate(zip(saddle_states, saddle_meta))]
    conns = [replace(cn, via=saddles[via_of[k]].id) if k in via_of else cn
             for k, cn in enumerate(conns)]
    return saddles, conns


def _slow_points_from_seeds(c: CompiledSystem, seeds: Array, stable_states: Array, tol: float,
                            max_points: int = 16) -> tuple[list[Array], list[Array]]:
    """Minimise q from held states (small q) away from every stable node.

    A minimum with q > 0 is a **slow point**; one with q = 0 that is not stable is an
    **unstable equilibrium the trajectory lingers near**. Both hold memory without being
    attractors; they are returned separately.
    """
    slow: list[Array] = []
    unstable: list[Array] = []
    qs = _q(c, seeds)
    for x0, q0 in sorted(zip(seeds, qs), key=lambda t: t[1]):
        if q0 > 1e-3 or len(slow) + len(unstable) >= max_points:
            break
        if len(stable_states) and np.min(np.linalg.norm(stable_states - x0, axis=1)) < tol:
            continue
        x, qmin = minimise_speed(c, x0, max_nfev=50 * c.n, xtol=1e-14)
        if len(stable_states) and np.min(np.linalg.norm(stable_states - x, axis=1)) < tol:
            continue
        bucket = unstable if qmin < 1e-20 else slow
        if any(np.linalg.norm(x - y) < tol for y in bucket):
            continue
        bucket.append(x)
    return slow, unstable


def _after_pulse(c: CompiledSystem, x: Array, ch: int, sign: int, a: float, width: int) -> Array:
    u = np.zeros(len(c.input_names))
    u[ch] = sign * a
    return advance(c, x, width, u, rtol=1e-8, atol=1e-10)


def _saddle_from_bracket(c: CompiledSystem, oracle: OutcomeOracle, x_lo: Array, x_hi: Array, src: int
                         ) -> tuple[Array, tuple[int, float, float]] | None:
    """Bisect [x_lo, x_hi] in state space to the boundary, follow the edge trajectory to its
    slowest point, Newton-polish; the result is the boundary's saddle."""
    a, b = x_lo.copy(), x_hi.copy()
    for _ in range(45 if c.dynamics.is_map else 32):
        mid = 0.5 * (a + b)
        if oracle(mid[None])[0] == src:
            a = mid
        else:
            b = mid
        if np.linalg.norm(b - a) < 1e-13 * (1 + np.linalg.norm(a)):
            break
    x = 0.5 * (a + b)
    # The edge trajectory may pass other saddles first; it ends on the index-1 saddle of the
    # boundary, so take the last slow stretch (last local minimum of q) before it leaves.
    if c.dynamics.is_map:
        xs_, qs_ = [], []
        for _ in range(int(min(oracle.t_max, 3000))):
            F = c.f(x) - x
            xs_.append(x)
            qs_.append(0.5 * float(F @ F))
            if oracle.captured(x[None])[0] >= 0:
                break
            x = x + F
    else:
        _, Xt = oracle.trajectory(x)
        xs_ = list(Xt)
        qs_ = list(_q(c, Xt))
    qa = np.array(qs_)
    mins = [k for k in range(1, len(qa) - 1) if qa[k] <= qa[k - 1] and qa[k] <= qa[k + 1]
            and qa[k] < 1e-3 * max(qa.max(), 1e-300)]
    best = xs_[mins[-1]] if mins else xs_[int(np.argmin(qa))]
    if c.n > KRYLOV_ABOVE:  # Newton-Krylov and the leading eigenvalues (udim counts those)
        found = krylov_equilibria(c, best[None], max_time=60)
        if not len(found):
            return None
        e = found.equilibria[0]
        if e.stability == "stable":
            return None
        return e.state, (e.unstable_dim, float(np.max(np.abs(e.eigenvalues))), e.residual)
    X, res, conv, _ = batched_newton(c, best[None], tol=1e-10)
    if not conv[0]:
        return None
    xs = X[0]
    w, _ = eigen_sorted(c.jac(xs), c.kind)
    stab, _, udim = classify(w, c.kind)
    if stab == "stable":
        return None
    return xs, (udim, float(np.max(np.abs(w))), float(res[0]))


def _attribute_errors(task: FlipFlopTask, X: Array, Z: Array, N: Array, nodes: list[RNNNode],
                      thr: dict[tuple[str, int, int], Any], tol: float, amplitude: float,
                      q: Array, skip: int = 100) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Trace each wrong output sign to its last pulse and say why (science.md §4.9)."""
    wrong = np.flatnonzero(np.any(np.sign(Z[skip:]) != np.sign(task.y[skip:]), axis=1)) + skip
    counts: dict[str, int] = {}
    examples: list[dict[str, Any]] = []
    steps = np.array([pl.step for pl in task.pulses])
    done: set[int] = set()
    for k in wrong:
        j = int(np.searchsorted(steps, k, side="right")) - 1
        if j in done:
            continue
        done.add(j)
        if j < 0:
            why = "before the first pulse"
        else:
            pl = task.pulses[j]
            a = _nearest(N, X[pl.step - 1], tol) if pl.step >= 1 else -1
            now = _nearest(N, X[k], tol)
            if a < 0:
                why = "pulse before relaxation"
            elif now >= 0 and nodes[now].spurious:
                why = "spurious node"
            elif now < 0:
                why = "drift on a slow point" if q[k] < 1e-4 else "off the network"
            else:
                cn = thr.get((nodes[a].id, pl.channel, pl.sign))
                expect = np.sign(task.y[k])
                if cn is None or cn.threshold > amplitude:
                    why = "missing edge (a < threshold)"
                elif (code := nodes[now].code) is not None and np.array_equal(code, expect):
                    why = "transient (slow switch)"
                else:
                    why = "edge to the wrong node"
        counts[why] = counts.get(why, 0) + 1
        examples.append({"step": int(k), "pulse": j, "cause": why})
    return counts, examples


def _sweep_point(esn: TrainedNetwork, bits: int, a: float, width: int, p: float, steps: int,
                 seed: int, N: Array, nodes: list[RNNNode], thr: dict[tuple[str, int, int], Any],
                 tol: float) -> dict[str, float]:
    """Predicted (from thresholds) against observed transitions at pulse amplitude ``a``."""
    task = flipflop(bits, steps, p=p, amplitude=a, width=width, seed=seed + 5000)
    X, Z = esn.run(task.u)
    steps_ = [pl.step for pl in task.pulses] + [len(X)]
    agree = total = pred_flips = obs_flips = unrelaxed = 0
    for j, pl in enumerate(task.pulses):
        if pl.step < 1:
            continue
        if steps_[j + 1] - pl.step < 30:  # the next pulse comes before relaxation
            unrelaxed += 1
            continue
        i = _nearest(N, X[pl.step - 1], tol)
        if i < 0:
            continue
        cn = thr.get((nodes[i].id, pl.channel, pl.sign))
        predicted = cn.target if (cn is not None and cn.threshold <= a) else nodes[i].id
        b = _nearest(N, X[steps_[j + 1] - 1], tol)
        observed = nodes[b].id if b >= 0 else "none"
        total += 1
        agree += int(predicted == observed)
        pred_flips += int(predicted != nodes[i].id)
        obs_flips += int(observed != nodes[i].id)
    acc, _ = score(Z, task.y)
    return {"amplitude": a, "pulses": total, "agreement": agree / total if total else float("nan"),
            "predicted_flips": pred_flips, "observed_flips": obs_flips, "accuracy": acc,
            "unrelaxed_pulses": unrelaxed}


def _diagnose(nodes: list[RNNNode], eq: EquilibriumSet, bits: int, net: ExcitableNetwork, amplitude: float, q: Array,
              sweep: list[dict[str, float]], acc: float, slow: list[Array], readout: Readout,
              held_unstable: list[Array] | None = None) -> list[str]:
    """Name the failure modes of science.md §5 when they occur."""
    out = []
    codes = {n.code for n in nodes if n.code is not None}
    if len(codes) < 2**bits:
        out.append(f"missing memory states: {len(codes)} of {2**bits} codes are held by true "
                   f"stable equilibria ({len(slow)} slow points found)")
    slow_codes = {tuple(int(v) for v in np.sign(readout(x))) for x in slow
                  if np.max(np.abs(readout(x) - np.sign(readout(x)))) <= 0.3}
    if slow_codes - codes:
        out.append(f"memory on slow points: {len(slow_codes - codes)} codes are held near slow "
                   "points (q > 0), not equilibria; they drift away over time")

    def read_code(x: Array) -> tuple[int, ...] | None:
        z = readout(x)
        return tuple(int(v) for v in np.sign(z)) if np.max(np.abs(z - np.sign(z))) <= 0.3 \
            else None

    held = {read_code(x) for x in held_unstable or []} - {None} - codes
    if held:
        out.append(f"memory on unstable states: {len(held)} codes are held near unstable "
                   "equilibria that the trajectory lingers at before it escapes")
    if any(n.spurious for n in nodes):
        out.append(f"spurious nodes: {sum(n.spurious for n in nodes)} stable states read out "
                   "no code")
    ids = set(net.node_ids)
    code_of = {n.id: n.code for n in nodes}
    same = flips_missing = wrong = 0
    for cn in net.connections:
        if cn.target not in ids or cn.threshold > amplitude:
            continue
        src, dst = code_of.get(cn.source), code_of.get(cn.target)
        if src is None or dst is None:
            continue
        changed = [k for k in range(bits) if src[k] != dst[k]]
        ch = int(cn.channel or 0)  # input-pulse connections carry their channel
        if src[ch] == cn.sign:
            same += 1  # a same-sign pulse should leave the state alone
        elif changed != [ch]:
            wrong += 1
    for n in nodes:
        if n.code is None:
            continue
        for ch in range(bits):
            sg = -n.code[ch]
            hit = next((x for x in net.connections if x.source == n.id and x.channel == ch
                        and x.sign == sg and x.target in ids), None)
            if hit is None or hit.threshold > amplitude:
                flips_missing += 1
    if same:
        out.append(f"same-sign transitions: {same} same-sign pulses switch the state")
    if flips_missing:
        out.append(f"missing flips: {flips_missing} opposite-sign pulses fail to switch")
    if wrong:
        out.append(f"wrong edges: {wrong} pulses switch to a node other than the single flip")
    p90 = float(np.percentile(q[100:], 90))
    if p90 > 1e-4:
        out.append(f"trajectory leaves the network: q along the test run has 90th percentile "
                   f"{p90:.2e} (> 1e-4): the states visited are not near equilibria")
    if sweep and any(r["agreement"] < 0.99 for r in sweep):
        worst = min(sweep, key=lambda r: r["agreement"])
        out.append(f"predictions fail: at amplitude {worst['amplitude']} only "
                   f"{100 * worst['agreement']:.1f}% of pulses do what thresholds predict")
    return out
