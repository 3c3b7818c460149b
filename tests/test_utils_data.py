"""kindling.utils.data against torch.utils.data: every scenario is built once per library
(datasets, samplers, collation, DataLoader with and without workers) and what it yields,
its warnings and its errors (type and text) must be the same."""
import collections
import importlib
import random
import time

import numpy as np
import pytest

import kindling
from _parity import call_outcome

torch = pytest.importorskip("torch")
importlib.import_module("torch.utils.data")

LIBS = (kindling, torch)


def _data(T):
    return importlib.import_module(T.__name__ + ".utils.data")


def _plain(r):
    """A library-independent picture of a result: tensors as (dtype, shape, values)."""
    if isinstance(r, (kindling.Tensor, torch.Tensor)):
        return ("tensor", str(r.dtype).replace("kindling.", "torch."), tuple(r.shape), r.tolist())
    if isinstance(r, np.ndarray):
        return ("ndarray", str(r.dtype), r.tolist())
    if isinstance(r, tuple) and hasattr(r, "_fields"):
        return (type(r).__name__, [_plain(x) for x in r])
    if isinstance(r, (tuple, list)):
        return (type(r).__name__, [_plain(x) for x in r])
    if isinstance(r, collections.abc.Mapping):
        return (type(r).__name__, {k: _plain(v) for k, v in r.items()})
    if isinstance(r, (kindling.utils.data.Subset, torch.utils.data.Subset)):
        return ("Subset", list(r.indices))
    if type(r) is object:
        return "object()"
    return r


def same(case):
    """Run ``case(T, D)`` on both libraries; returns the (equal) outcome."""
    got = [call_outcome(lambda T=T: case(T, _data(T)), _plain) for T in LIBS]
    assert got[0] == got[1]
    return got[0]


def both_raise(case):
    out = same(case)
    assert out[0] == "raised", out
    return out


def _xy(T, n=10):
    return T.arange(2.0 * n).reshape(n, 2), T.arange(n)


# ---------------------------------------------------------------- datasets

def test_tensor_dataset():
    assert same(lambda T, D: [D.TensorDataset(*_xy(T))[i] for i in (0, 3, -1)])[0] == "returned"
    same(lambda T, D: len(D.TensorDataset(*_xy(T))))
    same(lambda T, D: D.TensorDataset(*_xy(T))[T.tensor([1, 2])])
    both_raise(lambda T, D: D.TensorDataset(T.zeros(3), T.zeros(4)))


def test_concat_and_chain_and_add():
    def concat(T, D):
        ds = D.TensorDataset(T.arange(3)) + D.TensorDataset(T.arange(10, 14))
        return [len(ds), ds.cumulative_sizes, [ds[i] for i in range(-7, 7)]]
    same(concat)
    both_raise(lambda T, D: D.ConcatDataset([D.TensorDataset(T.arange(3))])[-4])
    both_raise(lambda T, D: D.ConcatDataset([]))
    same(lambda T, D: D.ConcatDataset([range(3), range(2)]).cummulative_sizes)

    def make_iter(D, lo, hi):
        class Stream(D.IterableDataset):
            def __iter__(self):
                return iter(range(lo, hi))

            def __len__(self):
                return hi - lo
        return Stream()
    both_raise(lambda T, D: D.ConcatDataset([make_iter(D, 0, 3)]))
    same(lambda T, D: list(make_iter(D, 0, 3) + make_iter(D, 5, 7)))
    same(lambda T, D: len(D.ChainDataset([make_iter(D, 0, 3), make_iter(D, 5, 7)])))
    both_raise(lambda T, D: list(D.ChainDataset([make_iter(D, 0, 3), range(3)])))
    both_raise(lambda T, D: len(D.ChainDataset([range(3)])))


def test_subset_and_stack_dataset():
    same(lambda T, D: [D.Subset(range(10, 20), [4, 2, 7])[i] for i in range(3)])
    same(lambda T, D: D.Subset(D.TensorDataset(*_xy(T)), [4, 2, 7]).__getitems__([0, 2]))
    same(lambda T, D: D.Subset(D.Subset(range(10), [9, 8, 7, 6]), [3, 0]).__getitems__([1, 0]))

    def bad_subclass(T, D):
        class Mine(D.Subset):
            def __getitem__(self, idx):
                return 0
        Mine(range(3), [0])
    both_raise(bad_subclass)

    same(lambda T, D: D.StackDataset(range(3), D.TensorDataset(T.arange(3)))[1])
    same(lambda T, D: D.StackDataset(a=range(3), b=[7, 8, 9])[2])
    same(lambda T, D: D.StackDataset(a=D.Subset(range(5), [4, 3, 2]), b=[7, 8, 9])
         .__getitems__([2, 0]))
    same(lambda T, D: D.StackDataset(D.Subset(range(5), [4, 3, 2]), [7, 8, 9])
         .__getitems__([2, 0]))
    both_raise(lambda T, D: D.StackDataset(range(3), b=range(3)))
    both_raise(lambda T, D: D.StackDataset(range(3), range(4)))
    both_raise(lambda T, D: D.StackDataset(a=range(3), b=range(4)))
    both_raise(lambda T, D: D.StackDataset())
    both_raise(lambda T, D: D.Dataset()[0])


@pytest.mark.parametrize("lengths", [[3, 7], [0.3, 0.3, 0.4], [0.5, 0.5], [1 / 3] * 3,
                                     [0.05, 0.95], [0.0, 1.0], [4, 4], [1.2, -0.2]])
def test_random_split(lengths):
    def case(T, D):
        g = T.Generator().manual_seed(42)
        return D.random_split(range(10), lengths, generator=g)
    same(case)

    def global_rng(T, D):
        T.manual_seed(3)
        return [D.random_split(range(10), lengths), T.rand(2)]
    same(global_rng)


# ---------------------------------------------------------------- samplers

@pytest.mark.parametrize("kwargs", [{}, {"replacement": True}, {"num_samples": 25},
                                    {"num_samples": 4}, {"replacement": True, "num_samples": 70}])
def test_random_sampler_orders(kwargs):
    def with_generator(T, D):
        s = D.RandomSampler(range(10), generator=T.Generator().manual_seed(7), **kwargs)
        return [list(s), list(s), len(s)]
    same(with_generator)

    def global_seed(T, D):
        T.manual_seed(11)
        s = D.RandomSampler(range(10), **kwargs)
        return [list(s), list(s), T.rand(1)]
    same(global_seed)


def test_sampler_errors_and_others():
    both_raise(lambda T, D: D.RandomSampler(range(3), replacement=1))
    both_raise(lambda T, D: D.RandomSampler(range(3), num_samples=0))
    both_raise(lambda T, D: D.RandomSampler(range(0)))
    both_raise(lambda T, D: D.RandomSampler(range(3), num_samples=2.0))
    same(lambda T, D: [list(D.SequentialSampler(range(4))), len(D.SequentialSampler("abc"))])
    same(lambda T, D: list(D.SubsetRandomSampler([5, 9, 1, 3],
                                                 generator=T.Generator().manual_seed(1))))

    def weighted(T, D):
        T.manual_seed(0)
        w = [0.1, 0.9, 0.4, 0.7, 3.0, 0.6]
        a = list(D.WeightedRandomSampler(w, 20))
        b = list(D.WeightedRandomSampler(w, 5, replacement=False,
                                         generator=T.Generator().manual_seed(4)))
        c = D.WeightedRandomSampler(T.tensor(w), 3)
        return [a, b, len(c), c.weights]
    same(weighted)
    both_raise(lambda T, D: D.WeightedRandomSampler([1.0, 2.0], 0))
    both_raise(lambda T, D: D.WeightedRandomSampler([1.0, 2.0], True))
    both_raise(lambda T, D: D.WeightedRandomSampler([1.0, 2.0], 2, replacement=None))
    both_raise(lambda T, D: D.WeightedRandomSampler([[1.0, 2.0]], 2))

    for n, bs, drop in [(10, 3, False), (10, 3, True), (9, 3, True), (2, 5, True), (0, 2, False)]:
        same(lambda T, D: [list(D.BatchSampler(range(n), bs, drop)),
                           len(D.BatchSampler(range(n), bs, drop))])
    both_raise(lambda T, D: D.BatchSampler(range(3), 0, False))
    both_raise(lambda T, D: D.BatchSampler(range(3), True, False))
    both_raise(lambda T, D: D.BatchSampler(range(3), 2, 0))
    both_raise(lambda T, D: iter(D.Sampler()).__next__())


@pytest.mark.parametrize("drop_last,shuffle", [(False, False), (True, True), (False, True)])
def test_distributed_sampler(drop_last, shuffle):
    def case(T, D):
        out = []
        for rank in range(3):
            s = D.DistributedSampler(range(10), num_replicas=3, rank=rank, shuffle=shuffle,
                                     seed=5, drop_last=drop_last)
            s.set_epoch(2)
            out.append([list(s), len(s)])
        return out
    same(case)
    both_raise(lambda T, D: D.DistributedSampler(range(10), num_replicas=2, rank=2))


# ---------------------------------------------------------------- collation

Point = collections.namedtuple("Point", "x y")


class Tagged(dict):
    pass


class Frozen(collections.abc.Mapping):
    def __init__(self, d):
        self._d = dict(d)

    def __getitem__(self, k):
        return self._d[k]

    def __iter__(self):
        return iter(self._d)

    def __len__(self):
        return len(self._d)


COLLATE_CASES = {
    "ints": lambda T: [0, 1, 2, 3],
    "bools": lambda T: [True, False],
    "floats": lambda T: [0.5, 1.5],
    "strings": lambda T: ["a", "b"],
    "bytes": lambda T: [b"a", b"b"],
    "tensors": lambda T: [T.ones(2, 3), T.zeros(2, 3)],
    "int_tensors": lambda T: [T.tensor(3), T.tensor(4)],
    "half_tensors": lambda T: [T.ones(2, dtype=T.float16)] * 3,
    "np_arrays": lambda T: [np.arange(4, dtype=np.float32), np.ones(4, dtype=np.float32)],
    "np_int_arrays": lambda T: [np.arange(3), np.arange(3)],
    "np_scalars": lambda T: [np.float32(1.5), np.float32(2.5)],
    "np_int_scalars": lambda T: [np.int16(1), np.int16(2)],
    "np_bools": lambda T: [np.bool_(True), np.bool_(False)],
    "dicts": lambda T: [{"A": 0, "B": 1.0}, {"A": 100, "B": 2.0}],
    "dict_subclass": lambda T: [Tagged(a=T.ones(2)), Tagged(a=T.zeros(2))],
    "frozen_mapping": lambda T: [Frozen({"a": 1}), Frozen({"a": 2})],
    "namedtuples": lambda T: [Point(0, 0.5), Point(1, 1.5)],
    "tuples": lambda T: [(0, "x"), (1, "y")],
    "lists": lambda T: [[0, 1], [2, 3]],
    "nested": lambda T: [{"img": T.ones(2), "meta": [(1, "a"), Point(1.0, T.tensor(2))]},
                         {"img": T.zeros(2), "meta": [(3, "b"), Point(2.0, T.tensor(5))]}],
    "tensor_tuples": lambda T: [(T.ones(2), 1), (T.zeros(2), 2)],
    "ranges": lambda T: [range(2), range(2)],
    "unequal_lists": lambda T: [[0, 1], [2]],
    "shape_mismatch": lambda T: [T.ones(2), T.ones(3)],
    "np_strings": lambda T: [np.array(["a"]), np.array(["b"])],
    "np_objects": lambda T: [np.array([None]), np.array([None])],
    "objects": lambda T: [object(), object()],
    "none": lambda T: [None, None],
}


@pytest.mark.parametrize("name", sorted(COLLATE_CASES))
def test_default_collate(name):
    make = COLLATE_CASES[name]
    out = same(lambda T, D: D.default_collate(make(T)))
    if name in ("objects", "none", "np_strings", "np_objects"):
        assert out[0] == "raised" and out[1] == "TypeError"


@pytest.mark.parametrize("name", sorted(COLLATE_CASES))
def test_default_convert(name):
    make = COLLATE_CASES[name]
    same(lambda T, D: D.default_convert(make(T)))
    same(lambda T, D: D.default_convert(make(T)[0]))


def test_collate_with_custom_map():
    def case(T, D):
        collate = importlib.import_module(T.__name__ + ".utils.data._utils.collate")

        def tensors_as_sum(batch, *, collate_fn_map=None):
            return sum(batch)

        def ints_as_list(batch, *, collate_fn_map=None):
            return ("ints", batch)
        fn_map = {T.Tensor: tensors_as_sum, (int, float): ints_as_list}
        return [collate.collate([(T.ones(2), 1, 2.5), (T.ones(2), 3, 0.5)], collate_fn_map=fn_map),
                collate.collate([{"k": True}], collate_fn_map=fn_map),
                collate.collate([[T.ones(1)], [T.zeros(1)]],
                                collate_fn_map=dict(collate.default_collate_fn_map))]
    same(case)
    both_raise(lambda T, D: importlib.import_module(T.__name__ + ".utils.data._utils.collate")
               .collate([1, 2]))


# ---------------------------------------------------------------- DataLoader, one process

def _loader_batches(T, D, n=10, seed=0, **kwargs):
    T.manual_seed(seed)
    x, y = _xy(T, n)
    batches = list(D.DataLoader(D.TensorDataset(x, y), **kwargs))
    return [batches, T.rand(2)]  # the global RNG afterwards must agree too


@pytest.mark.parametrize("kwargs", [
    {}, {"batch_size": 3}, {"batch_size": 3, "shuffle": True},
    {"batch_size": 4, "shuffle": True, "drop_last": True}, {"batch_size": 4, "drop_last": True},
    {"batch_size": None}, {"batch_size": None, "shuffle": True}, {"batch_size": 20},
    {"batch_size": 20, "drop_last": True},
])
def test_dataloader_map_style(kwargs):
    same(lambda T, D: _loader_batches(T, D, **kwargs))

    def with_generator(T, D):
        g = T.Generator().manual_seed(123)
        return _loader_batches(T, D, generator=g, **kwargs)
    same(with_generator)
    same(lambda T, D: len(D.DataLoader(D.TensorDataset(*_xy(T)), **kwargs)))


def test_dataloader_samplers_and_collate_fn():
    same(lambda T, D: _loader_batches(T, D, batch_sampler=[[3, 1], [0], [9, 8, 7]]))
    same(lambda T, D: _loader_batches(
        T, D, batch_sampler=D.BatchSampler(D.RandomSampler(range(10)), 4, False)))
    same(lambda T, D: _loader_batches(T, D, sampler=[9, 0, 4], batch_size=2))
    same(lambda T, D: _loader_batches(T, D, batch_size=3, collate_fn=lambda b: len(b)))
    same(lambda T, D: _loader_batches(T, D, batch_size=None, collate_fn=lambda s: s[1] * 2))
    same(lambda T, D: list(D.DataLoader([{"a": np.float64(i), "b": str(i)} for i in range(5)],
                                        batch_size=2)))
    same(lambda T, D: list(D.DataLoader([np.arange(i, i + 2) for i in range(3)],
                                        batch_size=None)))
    same(lambda T, D: len(D.DataLoader(range(10), batch_sampler=[[1], [2, 3]])))

    def epochs_differ(T, D):
        T.manual_seed(1)
        dl = D.DataLoader(range(8), batch_size=4, shuffle=True)
        return [list(dl), list(dl)]
    same(epochs_differ)


def _stream(D, lo, hi, length=None):
    class Stream(D.IterableDataset):
        def __iter__(self):
            info = D.get_worker_info()
            if info is None:
                return iter(range(lo, hi))
            return iter(range(lo + info.id, hi, info.num_workers))

        def __repr__(self):
            return "Stream"
    if length is not None:
        Stream.__len__ = lambda self: length
    return Stream()


@pytest.mark.parametrize("kwargs", [{}, {"batch_size": 3}, {"batch_size": 3, "drop_last": True},
                                    {"batch_size": None}, {"batch_size": 2,
                                                           "collate_fn": lambda b: b[::-1]}])
def test_dataloader_iterable(kwargs):
    same(lambda T, D: list(D.DataLoader(_stream(D, 3, 10), **kwargs)))
    same(lambda T, D: len(D.DataLoader(_stream(D, 3, 10, length=7), **kwargs)))


def test_iterable_length_warning():
    def case(T, D):
        dl = D.DataLoader(_stream(D, 0, 5, length=3), batch_size=None)
        n = len(dl)
        return [n, list(dl)]
    out = same(case)
    assert out[2], "expected the length warning"


def test_dataloader_argument_errors():
    ds = lambda T, D: D.TensorDataset(*_xy(T))  # noqa: E731
    cases = [
        dict(num_workers=-1), dict(timeout=-1), dict(prefetch_factor=2),
        dict(num_workers=1, prefetch_factor=-1), dict(persistent_workers=True),
        dict(sampler=[0, 1], shuffle=True), dict(batch_sampler=[[0]], batch_size=2),
        dict(batch_sampler=[[0]], shuffle=True), dict(batch_sampler=[[0]], drop_last=True),
        dict(batch_sampler=[[0]], sampler=[0]), dict(batch_size=None, drop_last=True),
        dict(batch_size=0), dict(batch_size=2, drop_last=1),
        dict(multiprocessing_context="fork"),
        dict(num_workers=1, multiprocessing_context="nope"),
        dict(num_workers=1, multiprocessing_context=3),
    ]
    for kw in cases:
        both_raise(lambda T, D: D.DataLoader(ds(T, D), **kw))
    for kw in [dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])]:
        both_raise(lambda T, D: D.DataLoader(_stream(D, 0, 3), **kw))
    both_raise(lambda T, D: len(D.DataLoader(_stream(D, 0, 3))))

    def set_after_init(T, D):
        dl = D.DataLoader(ds(T, D))
        dl.num_workers = 0  # allowed
        dl.batch_size = 3
    both_raise(set_after_init)
    both_raise(lambda T, D: D.DataLoader(ds(T, D), batch_size=2).__iter__().__getstate__())


def test_pin_memory_warns_and_changes_nothing():
    out = same(lambda T, D: list(D.DataLoader(range(4), batch_size=2, pin_memory=True)))
    assert out[2]
    out = same(lambda T, D: list(D.DataLoader(range(4), batch_size=2, pin_memory=True,
                                              pin_memory_device="cpu")))
    assert len(out[2]) == 2


def test_too_many_workers_warning():
    import os
    n = len(os.sched_getaffinity(0)) + 1 if hasattr(os, "sched_getaffinity") else 512
    out = same(lambda T, D: D.DataLoader(range(4), num_workers=n).num_workers)
    assert out[2]


# ---------------------------------------------------------------- DataLoader with workers

def _seeded_dataset(T, D):
    """Each sample reports which worker made it, that worker's seed and draws from the
    library RNG, NumPy's global RNG and Python's random."""
    class Probe(D.Dataset):
        def __len__(self):
            return 12

        def __getitem__(self, i):
            info = D.get_worker_info()
            return {"i": i, "worker": -1 if info is None else info.id,
                    "seed": -1 if info is None else info.seed,
                    "nw": -1 if info is None else info.num_workers,
                    "t": T.randint(0, 1000, (2,)), "np": int(np.random.randint(1 << 30)),
                    "py": random.random()}
    return Probe()


def test_workers_match_single_process_batches():
    for kwargs in [dict(batch_size=3, shuffle=True), dict(batch_size=4), dict(batch_size=None),
                   dict(batch_size=3, shuffle=True, drop_last=True)]:
        def case(T, D, **workers):
            T.manual_seed(5)
            x, y = _xy(T, 11)
            return [list(D.DataLoader(D.TensorDataset(x, y), **workers, **kwargs)), T.rand(2)]
        a = call_outcome(lambda: case(kindling, kindling.utils.data, num_workers=2,
                                      prefetch_factor=1, timeout=20), _plain)
        b = call_outcome(lambda: case(torch, torch.utils.data), _plain)
        assert a == b


def test_worker_seeding_matches_torch_workers():
    def case(T, D):
        g = T.Generator().manual_seed(99)
        dl = D.DataLoader(_seeded_dataset(T, D), batch_size=2, num_workers=2, generator=g,
                          timeout=20)
        return list(dl)
    out = same(case)
    assert out[0] == "returned"
    workers = {w for batch in out[1][1] for w in batch[1]["worker"][3]}
    assert workers == {0, 1}


def test_worker_init_fn_and_iterable_sharding():
    def case(T, D):
        def init(worker_id):
            info = D.get_worker_info()
            info.dataset.offset = 100 * (worker_id + 1)

        class Shifted(D.Dataset):
            offset = 0

            def __len__(self):
                return 6

            def __getitem__(self, i):
                return i + self.offset
        a = list(D.DataLoader(Shifted(), batch_size=2, num_workers=2, worker_init_fn=init,
                              timeout=20))
        b = list(D.DataLoader(_stream(D, 3, 12), batch_size=2, num_workers=2, timeout=20))
        c = list(D.DataLoader(_stream(D, 3, 12), batch_size=None, num_workers=3, timeout=20))
        return [a, b, c, D.get_worker_info()]
    same(case)


def test_persistent_workers_epochs():
    def case(T, D):
        T.manual_seed(8)
        dl = D.DataLoader(range(10), batch_size=3, shuffle=True, num_workers=2,
                          persistent_workers=True, timeout=20)
        first, second = list(dl), list(dl)
        it = dl._iterator
        it._shutdown_workers()
        return [first, second, all(not w.is_alive() for w in it._workers)]
    same(case)


def _drain(loader):
    """``("returned", batches)`` or ``("raised", type, message)``; the workers are shut down
    while the error is in hand (PyTorch otherwise waits for its workers when the traceback's
    reference cycle is collected)."""
    it = iter(loader)
    try:
        return ("returned", list(it))
    except Exception as e:  # noqa: BLE001 - the error is what is compared
        return ("raised", type(e).__name__, str(e))
    finally:
        it._shutdown_workers()


def test_worker_errors():
    def case(T, D):
        class Bad(D.Dataset):
            def __len__(self):
                return 4

            def __getitem__(self, i):
                if i == 2:
                    raise KeyError("missing")
                return i
        return _drain(D.DataLoader(Bad(), batch_size=1, num_workers=2, timeout=20))
    got = [case(T, _data(T)) for T in LIBS]
    assert got[0][:2] == got[1][:2] == ("raised", "KeyError")
    for g in got:
        assert g[2].startswith("Caught KeyError in DataLoader worker process 0.\n"
                               "Original Traceback (most recent call last):")
        assert g[2].rstrip().endswith("KeyError: 'missing'")

    def init_fails(T, D):
        def init(worker_id):
            raise ValueError("no init")
        return _drain(D.DataLoader(range(4), num_workers=1, worker_init_fn=init, timeout=20))
    got = [init_fails(T, _data(T)) for T in LIBS]
    assert got[0][:2] == got[1][:2] == ("raised", "ValueError")
    assert got[0][2].split("\n")[0] == got[1][2].split("\n")[0]

    def after_error(T, D):  # the iterator goes on after a worker's error, in both
        it = iter(D.DataLoader(range(6), num_workers=2, timeout=20,
                               collate_fn=lambda b: 1 // (b[0] - 2)))
        out = []
        for _ in range(6):
            try:
                out.append(next(it))
            except ZeroDivisionError:
                out.append("error")
        it._shutdown_workers()
        return out
    assert after_error(kindling, kindling.utils.data) == after_error(torch, torch.utils.data)


def test_worker_timeout():
    def case(T, D):
        class Slow(D.Dataset):
            def __len__(self):
                return 2

            def __getitem__(self, i):
                time.sleep(1)
                return i
        return _drain(D.DataLoader(Slow(), num_workers=1, timeout=0.2))
    got = [case(T, _data(T)) for T in LIBS]
    assert got[0] == got[1] == ("raised", "RuntimeError", "DataLoader timed out after 0.2 seconds")


def test_dead_worker_is_reported():
    import os
    import re

    def case(T, D):
        class Dies(D.Dataset):
            def __len__(self):
                return 4

            def __getitem__(self, i):
                if i == 1:
                    os._exit(3)
                return i
        out = _drain(D.DataLoader(Dies(), num_workers=1, timeout=20))
        return out[:2] + (re.sub(r"\d+", "N", out[2]),)
    got = [case(T, _data(T)) for T in LIBS]
    assert got[0] == got[1] == ("raised", "RuntimeError",
                                "DataLoader worker (pid(s) N) exited unexpectedly")


def test_out_of_order_delivery_and_persistent_iterable():
    def unordered(T, D):
        class Slow0(D.Dataset):
            def __len__(self):
                return 6

            def __getitem__(self, i):
                time.sleep(0.2 if i == 0 else 0)
                return i
        return sorted(_drain(D.DataLoader(Slow0(), num_workers=2, in_order=False,
                                          timeout=20))[1])
    same(unordered)

    def persistent_stream(T, D):
        dl = D.DataLoader(_stream(D, 0, 7), num_workers=2, batch_size=2,
                          persistent_workers=True, timeout=20)
        out = [list(dl), list(dl)]
        dl._iterator._shutdown_workers()
        return out
    same(persistent_stream)
