"""``torch.Generator``: PyTorch's CPU random number generator (``CPUGeneratorImpl``).

An mt19937 engine seeded as PyTorch seeds it, so the same seed gives the same stream of 32-bit
draws.  ``random()`` is one draw, ``random64()`` two (the first is the high word), as in
``CPUGeneratorImpl``; the distributions built on them live in ``_aten/_rng_math.py``.  NumPy's
``MT19937`` bit generator holds the engine's state: its seeding and twist are the same
algorithm, so bulk draws are one C call (``random_raw``).

``get_state``/``set_state`` use PyTorch's byte layout (``CPUGeneratorImplState``, 5056 bytes:
the legacy ``THGeneratorState`` with the 624 words and the cached normal sample, then the float
normal cache), so a state taken from PyTorch restores here and the other way round.

Several threads may share a generator (the default one above all): ops hold ``gen.mutex``
while they draw, as PyTorch's kernels hold ``generator->mutex_``.
"""
from __future__ import annotations

import os
import struct
import threading

import numpy as np

from . import _device

DEFAULT_SEED = 67280421310721   # c10::detail::default_rng_seed_val
_N = 624                        # words of mt19937 state
_STATE_SIZE = 5056              # sizeof(CPUGeneratorImplState)
_LEGACY_SIZE = 5048             # sizeof(THGeneratorState)
_U64 = 1 << 64


def _seed_words(seed):
    """mt19937's ``init_with_uint32``: the 624 state words from a 32-bit seed."""
    key = np.empty(_N, np.uint32)
    x = seed & 0xFFFFFFFF
    for i in range(_N):
        key[i] = x
        x = (1812433253 * (x ^ (x >> 30)) + i + 1) & 0xFFFFFFFF
    return key


def _unpack_seed(seed, who="manual_seed"):
    """The C++ binding's unpacking of a seed: an int in [-2**63, 2**64), negatives wrapped."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise RuntimeError(f"{who} expected a long, but got {type(seed).__name__}")
    seed = int(seed)
    if seed >= _U64 or seed < -(1 << 63):
        raise ValueError("Overflow when unpacking long long")
    return seed % _U64


class Generator:
    """``torch.Generator(device='cpu')``: a random number generator with its own state.

    ``manual_seed(s)`` makes its stream PyTorch's for seed ``s``; pass it as ``generator=`` to
    the random ops.  ``get_state()``/``set_state()`` save and restore it as a uint8 tensor.
    """

    __slots__ = ("_device", "mutex", "_bits", "_seed", "_next_exhausted", "next_double_normal",
                 "next_float_normal", "__weakref__")

    def __init__(self, device="cpu"):
        d = _device.canonical(device) if device is not None else _device.CPU
        if d.type != "cpu":
            if d.type == "cuda":  # (as PyTorch's CPU build)
                raise RuntimeError(
                    "Cannot get CUDA generator without ATen_cuda library. PyTorch splits its "
                    "backend into two shared libraries: a CPU library and a CUDA library; this "
                    "error has occurred because you are trying to use some CUDA functionality, "
                    "but the CUDA library has not been loaded by the dynamic linker for some "
                    "reason.  The CUDA library MUST be loaded, EVEN IF you don't directly use any "
                    "symbols from the CUDA library! One common culprit is a lack of "
                    "-Wl,--no-as-needed in your link arguments; many dynamic linkers will delete "
                    "dynamic library dependencies if you don't depend on any of their symbols.  "
                    "You can check if this has occurred by using ldd on your binary to see if "
                    "there is a dependency on *_cuda.so library.")
            raise RuntimeError(f"{d.type.upper()} device type not an accelerator.")
        self._device = d
        self.mutex = threading.RLock()
        self._bits = None  # the engine, made at the first draw (numpy.random costs ~10 ms)
        self._set_seed(DEFAULT_SEED)

    # ---- seeding --------------------------------------------------------------------------
    def _set_seed(self, seed):
        with self.mutex:
            self._bits = None  # seeded from ``_seed`` when next needed
            self._seed = seed
            self._next_exhausted = 0   # a fresh engine reports next=0, left=1
            self.next_double_normal = None
            self.next_float_normal = None

    def manual_seed(self, seed):
        """Seed the generator (an int; negatives wrap to 64 bits); returns the generator."""
        self._set_seed(_unpack_seed(seed))
        return self

    def seed(self):
        """Seed from the operating system's entropy; returns the seed used."""
        s = int.from_bytes(os.urandom(8), "little")
        self._set_seed(s)
        return s

    def initial_seed(self):
        """The seed this generator was last seeded with."""
        return self._seed

    @property
    def device(self):
        return self._device

    # ---- draws (callers hold ``mutex``) ---------------------------------------------------
    def _engine(self):
        """The mt19937 state (NumPy's bit generator), seeded from ``_seed`` if not yet made."""
        bits = self._bits
        if bits is None:
            bits = self._bits = np.random.MT19937(0)
            legacy = getattr(bits, "_legacy_seeding", None)
            if legacy is not None:  # NumPy's init_genrand: the same words, computed in C
                legacy(self._seed & 0xFFFFFFFF)
            else:
                bits.state = {"bit_generator": "MT19937",
                              "state": {"key": _seed_words(self._seed), "pos": _N}}
        return bits

    def random(self, n):
        """``n`` 32-bit draws (uint32 array)."""
        self._next_exhausted = _N
        return self._engine().random_raw(n).astype(np.uint32)

    def random64(self, n):
        """``n`` 64-bit draws (uint64 array), each from two 32-bit ones, high word first."""
        self._next_exhausted = _N
        r = self._engine().random_raw(2 * n)
        return (r[0::2] << np.uint64(32)) | r[1::2]

    # ---- state ----------------------------------------------------------------------------
    def get_state(self):
        """The state as a uint8 tensor in PyTorch's ``CPUGeneratorImplState`` layout."""
        from ._tensor import from_array
        with self.mutex:
            st = self._engine().state["state"]
            pos = int(st["pos"])
            if pos >= _N:
                left, nxt = 1, self._next_exhausted
            else:
                left, nxt = _N + 1 - pos, pos
            dn, fn = self.next_double_normal, self.next_float_normal
            buf = bytearray(_STATE_SIZE)
            struct.pack_into("<QiiQ", buf, 0, self._seed, left, 1, nxt)
            buf[24:24 + 8 * _N] = st["key"].astype("<u8").tobytes()
            # normal_x, normal_y (the cached double), normal_rho, normal_is_valid
            struct.pack_into("<dddi", buf, 24 + 8 * _N, 0.0, dn or 0.0, 0.0, dn is not None)
            struct.pack_into("<f?", buf, _LEGACY_SIZE, fn or 0.0, fn is not None)
        return from_array(np.frombuffer(bytes(buf), np.uint8).copy())

    def set_state(self, new_state):
        """Restore a state from ``get_state`` (PyTorch's 5056-byte layout); returns the
        generator."""
        from ._tensor import Tensor
        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
        if new_state.dtype._name != "uint8":
            raise TypeError("RNG state must be a torch.ByteTensor")
        n = new_state.numel()
        if n != _STATE_SIZE:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_STATE_SIZE} but found "
                               f"the input RNG state size to be {n}")
        buf = np.ascontiguousarray(new_state._np).reshape(-1).tobytes()
        seed, left, _seeded, nxt = struct.unpack_from("<QiiQ", buf, 0)
        key = np.frombuffer(buf, "<u8", _N, 24).astype(np.uint32)
        _x, y, _rho, valid = struct.unpack_from("<dddi", buf, 24 + 8 * _N)
        with self.mutex:
            pos = _N if left == 1 else nxt
            self._engine().state = {"bit_generator": "MT19937",
                                    "state": {"key": key, "pos": pos}}
            self._seed = seed
            self._next_exhausted = nxt
            self.next_double_normal = y if valid else None
            f, fvalid = struct.unpack_from("<f?", buf, _LEGACY_SIZE)
            self.next_float_normal = f if fvalid else None
        return self

    def clone_state(self):
        """A new generator with this one's state."""
        g = Generator(self._device)
        g.set_state(self.get_state())
        return g

    def graphsafe_get_state(self):
        raise NotImplementedError("kindling: Generator.graphsafe_get_state (CUDA graphs) is not "
                                  "implemented")

    graphsafe_set_state = graphsafe_get_state

    def __reduce__(self):
        return (_rebuild_generator, (str(self._device), self.get_state()))

    def __repr__(self):
        return f"<torch._C.Generator object at {hex(id(self))}>"


def _rebuild_generator(device, state):
    return Generator(device).set_state(state)


default_generator = Generator()


def check_generator(gen):
    """The generator an op draws from: ``gen``, or the default one."""
    if gen is None:
        return default_generator
    if not isinstance(gen, Generator):
        raise TypeError(f"expected a torch.Generator, but got {type(gen).__name__}")
    return gen
