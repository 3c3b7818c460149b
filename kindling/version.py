"""``torch.version``: kindling's version; it is built with no CUDA, ROCm or XPU."""

__all__ = ["__version__", "cuda", "hip", "rocm", "xpu", "debug", "git_version"]

from . import __version__  # noqa: E402

debug = False
cuda = None
hip = None
rocm = None
xpu = None
git_version = "Unknown"  # (kindling is not built from a recorded commit)
