"""torch.nn and torch.optim overhead, kindling beside PyTorch: a module call, an MLP training
step written with ``nn.Sequential``/``nn.Linear``/``nn.MSELoss`` and an optimizer (SGD with
momentum, then Adam), and the optimizer steps alone.  Both libraries single-threaded (BLAS at
one thread, as bench_autograd)."""
from __future__ import annotations

import numpy as np

from ._timing import one_blas_thread, side_by_side, torch_or_none


def _mlp(T):
    nn = T.nn
    T.manual_seed(0)
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(),
                         nn.Linear(128, 10))


def cases(T):
    rng = np.random.default_rng(0)
    x = T.from_numpy(rng.standard_normal((32, 64)).astype(np.float32))
    y = T.from_numpy(rng.standard_normal((32, 10)).astype(np.float32))
    small = T.ones(8)
    ident = T.nn.Identity()
    loss_fn = T.nn.MSELoss()
    out = []

    out.append(("nn.Identity()(x) call", lambda: ident(small)))
    for name, make in (("SGD(momentum)", lambda ps: T.optim.SGD(ps, lr=0.01, momentum=0.9)),
                       ("Adam", lambda ps: T.optim.Adam(ps, lr=1e-3))):
        model = _mlp(T)
        opt = make(model.parameters())

        def step(model=model, opt=opt):
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()
        out.append((f"MLP train step, {name}", step))
        step()  # (the optimizer's state exists before the timed steps)
        out.append((f"  {name}.step() alone", opt.step))
    return out


def run(torch=None):
    import kindling
    return one_blas_thread(lambda: side_by_side(
        "\n== nn and optim (us per call, medians; BLAS at 1 thread) ==", cases(kindling),
        cases(torch) if torch is not None else None))


if __name__ == "__main__":
    run(torch_or_none())
