"""Dispatch keys and key sets, with PyTorch's names, values and priority order.

PyTorch splits a key into a *functionality* (Dense, Autograd, ...) and, for per-backend
functionalities, a *backend* (CPU, CUDA, ..., Meta).  kindling flattens every runtime key into
one bit of a plain ``int``: the bit index is the key's priority rank, so the highest-priority
key of a set is simply ``bits.bit_length() - 1``.  ``DispatchKeySet`` is the user-facing wrapper
around such an int; the dispatcher's hot path only ever touches the ints.
"""
from __future__ import annotations

import enum

# Backends in increasing priority (c10 BackendComponent order).
BACKENDS = ("CPU", "CUDA", "HIP", "XLA", "MPS", "IPU", "XPU", "HPU", "VE", "Lazy", "MTIA",
            "MAIA", "PrivateUse1", "PrivateUse2", "PrivateUse3", "Meta")

# Functionality keys in increasing priority, with PyTorch's enum values.  The per-backend ones
# expand to one runtime key per backend; the prefix is how the runtime key is spelled.
FUNCTIONALITIES = (
    ("Dense", 1, ""), ("FPGA", 2, None), ("Vulkan", 3, None), ("Metal", 4, None),
    ("Quantized", 5, "Quantized"), ("CustomRNGKeyId", 6, None), ("MkldnnCPU", 7, None),
    ("Sparse", 8, "Sparse"), ("SparseCsr", 9, "SparseCsr"), ("NestedTensor", 10, "NestedTensor"),
    ("BackendSelect", 11, None), ("Fake", 12, None), ("Python", 13, None),
    ("FuncTorchDynamicLayerBackMode", 14, None), ("Functionalize", 15, None),
    ("Conjugate", 16, None), ("Negative", 17, None), ("ZeroTensor", 18, None),
    ("ADInplaceOrView", 19, None), ("AutogradOther", 20, None),
    ("AutogradFunctionality", 21, "Autograd"), ("AutogradNestedTensor", 22, None),
    ("Tracer", 23, None), ("AutocastCPU", 24, None), ("AutocastMTIA", 25, None),
    ("AutocastMAIA", 26, None), ("AutocastXPU", 27, None), ("AutocastIPU", 28, None),
    ("AutocastHPU", 29, None), ("AutocastXLA", 30, None), ("AutocastMPS", 31, None),
    ("AutocastCUDA", 32, None), ("AutocastPrivateUse1", 33, None), ("FuncTorchBatched", 34, None),
    ("BatchedNestedTensor", 35, None), ("FuncTorchVmapMode", 36, None), ("Batched", 37, None),
    ("VmapMode", 38, None), ("FuncTorchGradWrapper", 39, None), ("DeferredInit", 40, None),
    ("PythonTLSSnapshot", 41, None), ("FuncTorchDynamicLayerFrontMode", 42, None),
    ("TESTING_ONLY_GenericWrapper", 43, None), ("TESTING_ONLY_GenericMode", 44, None),
    ("PreDispatch", 45, None), ("PythonDispatcher", 46, None),
)
_PER_BACKEND_START = {"Dense": 48, "Quantized": 65, "Sparse": 82, "SparseCsr": 99,
                      "NestedTensor": 116, "AutogradFunctionality": 133}
ALIASES = (("Autograd", 150), ("CompositeImplicitAutograd", 151),
           ("FuncTorchBatchedDecomposition", 152), ("CompositeImplicitAutogradNestedTensor", 153),
           ("CompositeExplicitAutograd", 154), ("CompositeExplicitAutogradNonFunctional", 155))


def _members():
    m = [("Undefined", 0)]
    for name, value, prefix in FUNCTIONALITIES:
        m.append((name, value))
        if prefix is not None:
            start = _PER_BACKEND_START[name]
            m.append((f"StartOf{name}Backends", start))
            for i, b in enumerate(BACKENDS):
                m.append((prefix + b, start + 1 + i))
            m.append((f"EndOf{name}Backends", start + len(BACKENDS)))
    m.extend(ALIASES)
    return m


class DispatchKey(enum.IntEnum):
    """A dispatch key, named and numbered as ``torch._C.DispatchKey``."""

    locals().update(_members())

    def __str__(self):
        return f"DispatchKey.{self.name}"

    def __format__(self, spec):
        return str(self)


K = DispatchKey

# ---- runtime keys and their bits ------------------------------------------------------------
RUNTIME_KEYS: list[DispatchKey] = []  # index == priority rank == bit position
for _name, _value, _prefix in FUNCTIONALITIES:
    if _prefix is None:
        RUNTIME_KEYS.append(K[_name])
    else:
        RUNTIME_KEYS.extend(K[_prefix + b] for b in BACKENDS)
RANK = {k: i for i, k in enumerate(RUNTIME_KEYS)}
NUM_RUNTIME = len(RUNTIME_KEYS)
FULL = (1 << NUM_RUNTIME) - 1


def bit(key) -> int:
    """The bit of a runtime key."""
    return 1 << RANK[key]


def bits_of(names) -> int:
    b = 0
    for n in names:
        b |= 1 << RANK[K[n]]
    return b


BACKEND_BITS = bits_of(BACKENDS)                      # the Dense keys CPU ... Meta
AUTOGRAD_BITS = bits_of("Autograd" + b for b in BACKENDS) | bits_of(
    ["AutogradOther", "AutogradNestedTensor"])
AUTOCAST_BITS = bits_of(n for n, _, p in FUNCTIONALITIES if n.startswith("Autocast"))
PYTHON_BITS = bits_of(["Python", "PythonTLSSnapshot"])
# Not a dispatch key: a mark the autograd engine adds to the thread's excluded set while its
# formulas run below autograd ("formula mode"), so that wherever the engine swaps the set
# between formula mode and user code the mark goes with it.  No tensor carries this bit.
FORMULA_MODE_BIT = 1 << (len(RUNTIME_KEYS) + 1)


def above(key) -> int:
    """Bits of every key with higher priority than ``key`` (``key`` itself excluded)."""
    return FULL & ~((1 << (RANK[key] + 1)) - 1)


def at_and_above(key) -> int:
    return FULL & ~((1 << RANK[key]) - 1)


def backend_of(key):
    """The backend name of a per-backend runtime key ('CPU' for AutogradCPU), else None."""
    name = key.name
    for prefix in ("Autograd", "Quantized", "SparseCsr", "Sparse", "NestedTensor", ""):
        rest = name[len(prefix):]
        if name.startswith(prefix) and rest in BACKENDS:
            return rest
    return None


def autograd_key_for_backend(backend: str):
    return K["Autograd" + backend]


# What each alias key covers when used for registration.
def _alias_cover():
    dense = BACKEND_BITS
    sparse_etc = bits_of(p + b for p in ("Quantized", "Sparse", "SparseCsr", "NestedTensor")
                         for b in BACKENDS)
    backends = dense | sparse_etc | bits_of(["FPGA", "Vulkan", "Metal", "MkldnnCPU"])
    return {
        K.Autograd: AUTOGRAD_BITS,
        K.CompositeExplicitAutograd: backends,
        K.CompositeExplicitAutogradNonFunctional: backends & ~bits_of(["Vulkan", "MkldnnCPU"]),
        K.CompositeImplicitAutograd: backends | AUTOGRAD_BITS,
        K.CompositeImplicitAutogradNestedTensor: bits_of(["NestedTensor" + b for b in BACKENDS])
        | bits_of(["AutogradNestedTensor"]),
        K.FuncTorchBatchedDecomposition: bits_of(["FuncTorchBatched"]),
    }


ALIAS_COVER = _alias_cover()
IS_ALIAS = frozenset(ALIAS_COVER)


def parse_key(k) -> DispatchKey:
    """A DispatchKey from a key or its name ('CPU'); RuntimeError for unknown names."""
    if isinstance(k, DispatchKey):
        return k
    if isinstance(k, str):
        try:
            return K[k]
        except KeyError:
            raise RuntimeError(f"could not parse dispatch key: {k}") from None
    raise TypeError(f"expected a DispatchKey or its name, got {type(k).__name__}")


def key_to_bits(key) -> int:
    """Runtime bits for a key used to build a set; functionality/alias keys give nothing, as in
    PyTorch (``DispatchKeySet('Dense')`` is empty)."""
    r = RANK.get(key)
    return 0 if r is None else 1 << r


class DispatchKeySet:
    """A set of runtime dispatch keys, as ``torch._C.DispatchKeySet``.

    ``DispatchKeySet(DispatchKey.CPU)``, ``DispatchKeySet('CPU')``; ``|``, ``&``, ``-``,
    ``has``, ``add``, ``remove``, ``highestPriorityTypeId``; equal by content; picklable.
    """

    __slots__ = ("_bits",)

    def __init__(self, key=None):
        if key is None:
            self._bits = 0
        elif isinstance(key, DispatchKeySet):
            self._bits = key._bits
        else:
            self._bits = key_to_bits(parse_key(key))

    @classmethod
    def _from_bits(cls, b):
        s = object.__new__(cls)
        s._bits = b
        return s

    def raw_repr(self):
        return self._bits

    @classmethod
    def from_raw_repr(cls, r):
        return cls._from_bits(r)

    def __or__(self, o):
        return DispatchKeySet._from_bits(self._bits | _as_bits(o))

    def __and__(self, o):
        return DispatchKeySet._from_bits(self._bits & _as_bits(o))

    def __sub__(self, o):
        return DispatchKeySet._from_bits(self._bits & ~_as_bits(o))

    def has(self, k):
        return bool(self._bits & key_to_bits(parse_key(k)))

    def add(self, k):
        return DispatchKeySet._from_bits(self._bits | key_to_bits(parse_key(k)))

    def remove(self, k):
        return DispatchKeySet._from_bits(self._bits & ~key_to_bits(parse_key(k)))

    def highestPriorityTypeId(self):
        b = self._bits
        return RUNTIME_KEYS[b.bit_length() - 1] if b else K.Undefined

    def empty(self):
        return self._bits == 0

    def __iter__(self):
        b = self._bits
        i = 0
        while b:
            if b & 1 and i < NUM_RUNTIME:  # (FORMULA_MODE_BIT is no key)
                yield RUNTIME_KEYS[i]
            b >>= 1
            i += 1

    def __eq__(self, o):
        return isinstance(o, DispatchKeySet) and o._bits == self._bits

    def __hash__(self):
        return hash(self._bits)

    def __reduce__(self):
        return (DispatchKeySet.from_raw_repr, (self._bits,))

    def __repr__(self):
        return "DispatchKeySet(" + ", ".join(k.name for k in self) + ")"

    def __bool__(self):
        return self._bits != 0


def _as_bits(o):
    if isinstance(o, DispatchKeySet):
        return o._bits
    return key_to_bits(parse_key(o))
