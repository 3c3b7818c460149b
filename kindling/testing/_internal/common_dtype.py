"""``torch.testing._internal.common_dtype``: the dtype groups PyTorch's tests iterate over."""
import kindling as torch


def _and(base, extra):
    return tuple(base) + tuple(d for d in extra if d is not None and d not in base)


def floating_types():
    return (torch.float32, torch.float64)


def floating_types_and(*dtypes):
    return _and(floating_types(), dtypes)


def floating_and_complex_types():
    return (torch.float32, torch.float64, torch.complex64, torch.complex128)


def floating_and_complex_types_and(*dtypes):
    return _and(floating_and_complex_types(), dtypes)


def integral_types():
    return (torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64)


def integral_types_and(*dtypes):
    return _and(integral_types(), dtypes)


def all_types():
    return floating_types() + integral_types()


def all_types_and(*dtypes):
    return _and(all_types(), dtypes)


def complex_types():
    return (torch.complex64, torch.complex128)


def all_types_and_complex():
    return all_types() + complex_types()


def all_types_and_complex_and(*dtypes):
    return _and(all_types_and_complex(), dtypes)
