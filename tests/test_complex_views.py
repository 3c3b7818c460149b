"""``view_as_real`` / ``view_as_complex`` and ``real`` / ``imag`` (functions, properties and
setters) against PyTorch: shapes, strides, aliasing, dtypes, errors."""
import pytest

import kindling
from _parity import outcome

torch = pytest.importorskip("torch")


def _c(T):
    return T.tensor([1 + 2j, 3 - 1j])


CASES = {
    "view_as_real": lambda T: T.view_as_real(_c(T)),
    "view_as_real_0d": lambda T: T.view_as_real(T.tensor(1 + 1j)),
    "view_as_real_aliases": lambda T: (lambda c: (T.view_as_real(c)._base is c,
                                                  T.view_as_real(c).__setitem__((0, 0), 7),
                                                  c.tolist(), c._version))(_c(T)),
    "view_as_real_real": lambda T: T.view_as_real(T.ones(2)),
    "view_as_real_conj": lambda T: T.view_as_real(_c(T).conj()),
    "view_as_complex": lambda T: T.view_as_complex(T.arange(4.0).view(2, 2)),
    "view_as_complex_1d": lambda T: T.view_as_complex(T.tensor([1.0, 2.0])),
    "view_as_complex_double": lambda T: T.view_as_complex(T.ones(3, 2, dtype=T.float64)),
    "view_as_complex_strided": lambda T: T.view_as_complex(T.ones(2, 3, 2)[:, 1:]),
    "view_as_complex_size": lambda T: T.view_as_complex(T.ones(2, 3)),
    "view_as_complex_stride": lambda T: T.view_as_complex(T.ones(3, 2).t().contiguous().t()),
    "view_as_complex_long": lambda T: T.view_as_complex(T.ones(2, 2, dtype=T.long)),
    "view_as_complex_offset": lambda T: T.view_as_complex(T.ones(7)[1:].view(3, 2)),
    "view_as_complex_odd_stride": lambda T: T.view_as_complex(T.ones(3, 3)[:, :2]),
    "real": lambda T: _c(T).real,
    "imag": lambda T: _c(T).imag,
    "real_fn": lambda T: T.real(_c(T)),
    "imag_fn": lambda T: T.imag(_c(T)),
    "real_of_real_is_self": lambda T: (lambda x: x.real is x)(T.ones(2)),
    "imag_of_real": lambda T: T.ones(2).imag,
    "real_is_view": lambda T: (lambda c: c.real._base is c)(_c(T)),
    "set_real": lambda T: (lambda c: (setattr(c, "real", T.tensor([5.0, 6.0])), c)[1])(_c(T)),
    "set_imag_number": lambda T: (lambda c: (setattr(c, "imag", 0), c)[1])(_c(T)),
    "complex": lambda T: T.complex(T.tensor([1.0, 2.0]), T.tensor([3.0, 4.0])),
    "complex_double": lambda T: T.complex(T.ones(2, dtype=T.float64), T.zeros(2, dtype=T.float64)),
    "complex_ints": lambda T: T.complex(T.tensor([1, 2]), T.tensor([3, 4])),
    "complex_mixed": lambda T: T.complex(T.tensor([1.0]), T.tensor([3.0], dtype=T.float64)),
    "complex_broadcast": lambda T: T.complex(T.ones(2, 1), T.ones(3)),
    "complex_bad_shapes": lambda T: T.complex(T.ones(2), T.ones(3)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_pytorch(name):
    assert outcome(kindling, CASES[name]) == outcome(torch, CASES[name])


def test_view_as_complex_records_its_node():
    def run(T):
        a = T.ones(2, 2, requires_grad=True)
        return type(T.view_as_complex(a).grad_fn).__name__
    assert run(kindling) == run(torch)
