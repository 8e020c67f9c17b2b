r"""Echo state network with output feedback (science.md §2).

.. math::

    x_{k+1} &= (1-\alpha) x_k + \alpha \tanh(W_r x_k + W_{in} u_{k+1} + W_{fb} z_k + b) \\
    z_{k+1} &= W_{out} x_{k+1}

Only :math:`W_{out}` is trained, by ridge regression on teacher-forced states in which the
fed-back target carries Gaussian noise (without it the network holds its memories on slow
points rather than true equilibria). The closed loop without input is
:math:`G(x) = (1-\alpha)x + \alpha\tanh(Ax + b)`, :math:`A = W_r + W_{fb}W_{out}`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import scipy.linalg

from .._typing import Array
from ..errors import ModelError, ParameterError
from .tasks import FlipFlopTask, flipflop

__all__ = ["ESNConfig", "EchoStateNetwork", "train_flipflop_esn"]


@dataclass(frozen=True)
class ESNConfig:
    """Hyperparameters; defaults are the configuration of science.md §2 that works."""

    size: int = 200
    density: float = 0.1
    spectral_radius: float = 0.5
    input_scale: float = 1.0
    feedback_scale: float = 1.0
    leak: float = 1.0
    bias_scale: float = 0.0
    ridge: float = 1e-6
    noise: float = 0.05
    train_steps: int = 20_000
    washout: int = 200
    seed: int = 0

    def validate(self) -> None:
        if self.size < 2:
            raise ParameterError("ESN size must be at least 2")
        if not (0 < self.density <= 1):
            raise ParameterError("density must be in (0, 1]")
        if not (0 < self.leak <= 1):
            raise ParameterError("leak must be in (0, 1]")
        if self.train_steps <= self.washout:
            raise ParameterError("train_steps must exceed washout")
        if self.ridge < 0 or self.noise < 0:
            raise ParameterError("ridge and noise must be non-negative")


@dataclass(eq=False)
class EchoStateNetwork:
    """Weights of an ESN with output feedback; ``W_out`` is None until trained."""

    W: Array
    W_in: Array
    W_fb: Array
    b: Array
    leak: float
    W_out: Array | None = None
    config: ESNConfig | None = None
    kind: str = "map"
    r"""``map`` (the ESN) or ``ode``: the continuous-time network
    :math:`\tau\dot x = -x + \tanh(W x + W_{in} u + W_{fb} z + b)`, input held for one time
    unit per task step (``tau`` is then ``1/leak``)."""
    substeps: int = 4

    @classmethod
    def random(cls, n_in: int, n_out: int, config: ESNConfig = ESNConfig()) -> EchoStateNetwork:
        """Draw weights: W_r sparse U(-1,1) rescaled to the spectral radius; W_in, W_fb U(-1,1)."""
        config.validate()
        rng = np.random.default_rng(config.seed)
        N = config.size
        W = rng.uniform(-1, 1, (N, N)) * (rng.random((N, N)) < config.density)
        rho = np.max(np.abs(np.linalg.eigvals(W)))
        if rho == 0:
            raise ParameterError("the reservoir matrix is nilpotent; raise density or size")
        W *= config.spectral_radius / rho
        W_in = rng.uniform(-1, 1, (N, n_in)) * config.input_scale
        W_fb = rng.uniform(-1, 1, (N, n_out)) * config.feedback_scale
        b = rng.uniform(-1, 1, N) * config.bias_scale
        return cls(W, W_in, W_fb, b, config.leak, None, config)

    @property
    def size(self) -> int:
        return self.W.shape[0]

    def readout(self, x: Array) -> Array:
        """The linear read-out z = W_out x of a state (or of the rows of a batch)."""
        if self.W_out is None:
            raise ParameterError("the network is not trained")
        return np.asarray(np.asarray(x, dtype=float) @ self.W_out.T)

    def _step(self, x: Array, u: Array, z: Array) -> Array:
        a = self.leak
        return (1 - a) * x + a * np.tanh(self.W @ x + self.W_in @ u + self.W_fb @ z + self.b)

    def train(self, u: Array, y: Array, *, ridge: float, noise: float, washout: int,
              seed: int = 0) -> EchoStateNetwork:
        """Ridge regression of ``y`` on teacher-forced states (noisy fed-back target)."""
        rng = np.random.default_rng(seed + 1)
        T = u.shape[0]
        X = np.empty((T, self.size))
        x = np.zeros(self.size)
        zprev = y[0] * 0 + 1.0  # initial target (+1)
        for k in range(T):
            x = self._step(x, u[k], zprev + noise * rng.standard_normal(y.shape[1]))
            X[k] = x
            zprev = y[k]
        Xw, Yw = X[washout:], y[washout:]
        G = Xw.T @ Xw + ridge * np.eye(self.size)
        W_out = scipy.linalg.solve(G, Xw.T @ Yw, assume_a="pos").T
        return replace(self, W_out=W_out)

    def run(self, u: Array, x0: Array | None = None, z0: Array | None = None
            ) -> tuple[Array, Array]:
        """Closed-loop run: states ``X`` (T, N) and outputs ``Z`` (T, n_out)."""
        if self.W_out is None:
            raise ParameterError("the network is not trained")
        A = self.W + self.W_fb @ self.W_out
        a = self.leak
        T = u.shape[0]
        X = np.empty((T, self.size))
        if x0 is None:  # start in the memory state of read-out z0 (default all +1)
            x = self.teacher_state(np.ones(self.W_fb.shape[1]) if z0 is None else z0)
        else:
            x = np.asarray(x0, float)
        Uin = u @ self.W_in.T
        if self.kind == "ode":  # classical RK4, input held over each unit time step
            h = 1.0 / self.substeps
            rate = a  # 1/tau

            def f(y: Array, drive: Array) -> Array:
                return rate * (-y + np.tanh(A @ y + drive))

            for k in range(T):
                drive = Uin[k] + self.b
                for _ in range(self.substeps):
                    k1 = f(x, drive)
                    k2 = f(x + 0.5 * h * k1, drive)
                    k3 = f(x + 0.5 * h * k2, drive)
                    k4 = f(x + h * k3, drive)
                    x = x + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
                X[k] = x
            return X, X @ self.W_out.T
        for k in range(T):
            x = (1 - a) * x + a * np.tanh(A @ x + Uin[k] + self.b)
            X[k] = x
        return X, X @ self.W_out.T

    def as_continuous(self) -> EchoStateNetwork:
        r"""The continuous-time network with the same weights, :math:`\dot x = -x +
        \tanh(\cdot)`. It has exactly the same equilibria (both solve x = tanh(Ax + b)), and
        each is stable in continuous time when it is stable for the map."""
        return replace(self, kind="ode", leak=1.0)

    def teacher_state(self, z: Array, steps: int = 100) -> Array:
        """The state reached when the read-out is held (teacher-forced) at ``z`` with no input."""
        x = np.zeros(self.size)
        z = np.asarray(z, float)
        for _ in range(steps):
            x = self._step(x, np.zeros(self.W_in.shape[1]), z)
        return x

    # -- as a dynena model ---------------------------------------------------------------
    def model_document(self, name: str = "esn", arrays: str | dict[str, Any] | None = None
                       ) -> dict[str, Any]:
        """The vector-form model file (as a dict) of the trained closed loop with inputs."""
        if self.W_out is None:
            raise ParameterError("the network is not trained")
        if self.kind == "ode":
            return {
                "dynena": 1, "name": name, "kind": "ode",
                "title": f"Continuous-time recurrent network with output feedback "
                         f"(N = {self.size})",
                "arrays": arrays if arrays is not None else self.arrays(),
                "variables": {"x": {"size": self.size}},
                "inputs": {"u": {"size": self.W_in.shape[1]}},
                "outputs": {"z": "W_out@x"},
                "parameters": {"tau": float(1.0 / self.leak)},
                "equations": {"x": "(-x + tanh(W@x + W_in@u + W_fb@z + b))/tau"},
            }
        return {
            "dynena": 1, "name": name, "kind": "map",
            "title": f"Echo state network with output feedback (N = {self.size})",
            "arrays": arrays if arrays is not None else self.arrays(),
            "variables": {"x": {"size": self.size}},
            "inputs": {"u": {"size": self.W_in.shape[1]}},
            "outputs": {"z": "W_out@x"},
            "parameters": {"leak": float(self.leak)},
            "equations": {"x": "(1 - leak)*x + leak*tanh(W@x + W_in@u + W_fb@z + b)"},
        }

    def arrays(self) -> dict[str, Array]:
        assert self.W_out is not None
        return {"W": self.W, "W_in": self.W_in, "W_fb": self.W_fb, "W_out": self.W_out,
                "b": self.b}

    def to_model(self, name: str = "esn") -> Any:
        from ..model.build import build_model

        return build_model(self.model_document(name))

    def save(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write ``NAME.yaml`` and ``NAME.npz`` (arrays) so ``dynena.load`` reads it back."""
        import yaml

        path = Path(path)
        npz = path.with_suffix(".npz")
        for p in (path, npz):
            if p.exists() and not overwrite:
                raise FileExistsError(f"{p} exists; pass overwrite=True to replace it")
        np.savez(npz, **self.arrays())  # type: ignore[arg-type]
        doc = self.model_document(path.stem, arrays=npz.name)
        cfg = asdict(self.config) if self.config else {}
        header = ("# Trained by dynena.rnn (ridge read-out, noisy teacher forcing).\n"
                  f"# Configuration: {cfg}\n")
        path.write_text(header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
        return path

    @classmethod
    def from_model(cls, model: Any) -> EchoStateNetwork:
        """Recover ESN weights from a vector-form model with arrays W, W_in, W_fb, W_out, b."""
        arr = getattr(model, "arrays", None)
        need = {"W", "W_in", "W_out"}
        if not arr or not need <= set(arr):
            raise ModelError(f"model {getattr(model, 'name', '?')!r} is not an ESN: it needs "
                             f"arrays {sorted(need)} (optional W_fb, b)", file=model.source)
        N = arr["W"].shape[0]
        W_fb = arr.get("W_fb", np.zeros((N, arr["W_out"].shape[0])))
        if model.kind == "ode":
            tau = float(model.parameters.get("tau", 1))
            return cls(arr["W"], arr["W_in"], W_fb, arr.get("b", np.zeros(N)), 1.0 / tau,
                       arr["W_out"], kind="ode")
        leak = float(model.parameters.get("leak", 1))
        return cls(arr["W"], arr["W_in"], W_fb, arr.get("b", np.zeros(N)), leak, arr["W_out"])


def train_flipflop_esn(bits: int = 3, config: ESNConfig = ESNConfig(), *, p: float = 0.01,
                       amplitude: float = 1.0, width: int = 1
                       ) -> tuple[EchoStateNetwork, FlipFlopTask]:
    """Draw and train an ESN on a fresh flip-flop sequence; returns the network and the data.

    Examples
    --------
    >>> import dynena
    >>> from dynena.rnn.esn import ESNConfig
    >>> esn, task = dynena.train_flipflop_esn(bits=1, config=ESNConfig(size=40, train_steps=4000))
    >>> esn.W_out.shape
    (1, 40)
    """
    config.validate()
    esn = EchoStateNetwork.random(bits, bits, config)
    task = flipflop(bits, config.train_steps, p=p, amplitude=amplitude, width=width,
                    seed=config.seed + 1000)
    esn = esn.train(task.u, task.y, ridge=config.ridge, noise=config.noise,
                    washout=config.washout, seed=config.seed)
    return esn, task
