"""Factories and devices: tensors on devices kindling has no kernels for fail as PyTorch's CPU
build fails (CUDA and XPU assert "Torch not compiled with ... enabled", ``.to()`` other
accelerators names the missing link, ``torch.Generator('cuda')`` raises the CPU build's
error), and ``empty(memory_format=)`` lays tensors out as PyTorch's."""
import pytest

import kindling

torch = pytest.importorskip("torch")

CASES = [
    lambda T: T.empty(2, device="cuda"),
    lambda T: T.zeros(2, 3, device="cuda:1"),
    lambda T: T.ones(2).cuda(),
    lambda T: T.ones(2).to("cuda"),
    lambda T: T.ones(2).to(device="cuda", dtype=T.float64),
    lambda T: T.ones(2).to("xpu"),
    lambda T: T.empty(2, device="xpu"),
    lambda T: T.ones(2).to("mps"),
    lambda T: T.ones(2).to("xla"),
    lambda T: T.Generator("cuda"),
    lambda T: T.nn.Linear(2, 2, device="cuda"),
]


def _outcome(T, case):
    try:
        case(T)
    except BaseException as e:  # noqa: BLE001 (AssertionError is what is compared)
        return type(e).__name__, str(e)
    return "no error"


@pytest.mark.parametrize("case", CASES, ids=range(len(CASES)))
def test_unavailable_device(case):
    assert _outcome(kindling, case) == _outcome(torch, case)


EMPTY_FORMATS = [
    lambda T: T.empty(2, 3, memory_format=T.channels_last),
    lambda T: T.empty(2, 3, 4, 5, memory_format=T.preserve_format),
    lambda T: T.empty(2, 3, 4, 5, 6, memory_format=T.channels_last_3d).stride(),
    lambda T: T.empty(2, 3, 4, 5, device="meta", memory_format=T.channels_last).stride(),
    lambda T: T.empty(2, 3, 4, 5, memory_format=T.contiguous_format).stride(),
    lambda T: T.empty(2, 3, 4, 5, memory_format=T.channels_last).stride(),
    lambda T: T.empty((0, 3, 4, 5), memory_format=T.channels_last).stride(),
    lambda T: str(T.empty(2, 3, 4, 5, memory_format=T.channels_last, dtype=T.float64).dtype),
]


@pytest.mark.parametrize("case", EMPTY_FORMATS, ids=range(len(EMPTY_FORMATS)))
def test_empty_memory_format(case):
    """``empty(..., memory_format=)`` lays the tensor out in that format (it was ignored)."""
    def run(T):
        try:
            return case(T)
        except RuntimeError as e:
            return str(e)
    assert run(kindling) == run(torch)
