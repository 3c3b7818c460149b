"""``make bench``: run every benchmark and print medians and ratios."""
import platform

from . import bench_fork, bench_import, bench_ops

try:
    import torch
    torch.set_num_threads(1)
except ImportError:  # the benchmarks still run, without the PyTorch column
    torch = None

print(f"machine: {platform.machine()} {platform.processor() or ''}  python {platform.python_version()}"
      f"  torch {getattr(torch, '__version__', 'absent')}")
bench_ops.run(torch)
bench_fork.run(torch)
bench_import.run()
from . import bench_dispatch; bench_dispatch.run(torch)  # noqa: E402,E702
from . import bench_autograd; bench_autograd.run(torch)  # noqa: E402,E702
from . import bench_nn; bench_nn.run(torch)  # noqa: E402,E702
