"""Train the example GRU of ``models/flipflop_gru.safetensors`` (run once, where torch is
installed; dynena itself never imports torch):

    python models/train_flipflop_gru.py        # torch 2.13.0+cpu, safetensors 0.8.0, ~6 min
    python models/train_flipflop_gru.py rnn-tanh   # the tanh RNN of flipflop_rnn_tanh.safetensors
    python models/train_flipflop_gru.py gru 2 tests/rnn/fixtures/flipflop_gru_2layers.safetensors
                                                   # a 2-layer GRU (a test fixture)

The 3-bit flip-flop as in Sussillo & Barak (2013) and the FixedPointFinder example: three input
channels carry rare ±1 pulses; each output must hold the sign of its channel's last pulse (sequences of 200 steps,
so that the memories are held for long, not only for the length of a short trial). A
16-unit ``nn.GRU`` with an ``nn.Linear`` read-out, trained with Adam on mean squared error. The
state dict is saved under PyTorch's own names, ``rnn.*`` and ``readout.*``.
"""

from __future__ import annotations

from pathlib import Path

import torch
from safetensors.torch import save_file

HERE = Path(__file__).resolve().parent
ITERATIONS = 5000
BITS, H, T, BATCH, P = 3, 16, 200, 64, 0.03


def batch(gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    pulses = (torch.rand(BATCH, T, BITS, generator=gen) < P).float()
    signs = torch.where(torch.rand(BATCH, T, BITS, generator=gen) < 0.5, -1.0, 1.0)
    u = pulses * signs
    target = torch.zeros_like(u)
    state = torch.zeros(BATCH, BITS)
    for t in range(T):
        state = torch.where(u[:, t] != 0, u[:, t], state)
        target[:, t] = state
    return u, target


class Net(torch.nn.Module):
    def __init__(self, arch: str = "gru", layers: int = 1) -> None:
        super().__init__()
        self.rnn = torch.nn.GRU(BITS, H, num_layers=layers, batch_first=True) if arch == "gru" \
            else torch.nn.RNN(BITS, H, num_layers=layers, nonlinearity="tanh", batch_first=True)
        self.readout = torch.nn.Linear(H, BITS)

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        h, _ = self.rnn(u)
        return self.readout(h)


def main(arch: str = "gru", layers: str = "1", out: str | None = None) -> None:
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)
    net = Net(arch, int(layers))
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    for it in range(ITERATIONS):
        u, y = batch(gen)
        loss = torch.mean((net(u) - y) ** 2)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if it % 500 == 0 or it == ITERATIONS - 1:
            print(it, loss.item(), flush=True)
    save_file({k: v.contiguous() for k, v in net.state_dict().items()},
              out or str(HERE / f"flipflop_{arch.replace('-', '_')}.safetensors"))


if __name__ == "__main__":
    import sys

    main(*sys.argv[1:4])
