"""Forked tasks beyond this process: a process pool and a Dask LocalCluster (2 worker
processes on loopback).  Results, errors and thread-local grad mode cross the boundary;
tensors travel as NumPy buffers."""
import logging
import pickle
import sys

import numpy as np
import pytest

import kindling
from kindling._dispatcher import tls
from kindling.futures import DaskExecutor, ProcessExecutor, set_executor

pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.(fork|wait)` is deprecated")


# Module-level task functions (shipped by value with cloudpickle, see the fixtures).
def grad_enabled():
    return kindling.is_grad_enabled()


def chain(a, b, *, n=3):
    for _ in range(n):
        a = kindling.matmul(a, b)
    return a


def broadcast_fail(x):
    return x + kindling.ones(4)


def nested(x):
    futs = [kindling.jit.fork(kindling.mul, x, i) for i in range(3)]
    return [kindling.jit.wait(f) for f in futs]


def _ship_by_value():
    cloudpickle = pytest.importorskip("cloudpickle")
    cloudpickle.register_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    _ship_by_value()
    # dashboard_address=None would still bind the scheduler's HTTP server to port 8787 (and
    # warn when a parallel test process got there first): ":0" takes any free port.
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=":0", silence_logs=logging.ERROR, worker_dashboard_address=None)
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


@pytest.fixture(scope="module")
def process_executor():
    _ship_by_value()
    ex = ProcessExecutor(2)
    yield ex
    ex.shutdown()


@pytest.fixture(params=["dask", "processes"])
def remote(request):
    if request.param == "dask":
        return request.getfixturevalue("dask_client")
    return request.getfixturevalue("process_executor")


def _mats(seed=0, n=3):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((8, 8)).astype(np.float32) / 3 for _ in range(n)]


# ---- serialisation -----------------------------------------------------------------------------
def test_tensor_pickles_as_one_numpy_buffer():
    t = kindling.from_numpy(np.arange(4096, dtype=np.float32))
    buffers = []
    payload = pickle.dumps(t, protocol=5, buffer_callback=buffers.append)
    assert len(buffers) == 1 and buffers[0].raw().nbytes == 4096 * 4
    assert len(payload) < 512                    # metadata only, no element list
    back = pickle.loads(payload, buffers=[bytes(b.raw()) for b in buffers])   # read-only bytes
    back.add_(1)                                 # still writable
    np.testing.assert_array_equal(back.numpy(), np.arange(4096, dtype=np.float32) + 1)
    np.testing.assert_array_equal(t.numpy(), np.arange(4096, dtype=np.float32))
    # in-band protocols keep working, non-contiguous tensors too
    tt = kindling.from_numpy(np.arange(12, dtype=np.float64).reshape(3, 4)).t()
    for proto in (2, 4, 5):
        u = pickle.loads(pickle.dumps(tt, protocol=proto))
        np.testing.assert_array_equal(u.numpy(), tt.numpy())


def test_dask_serialises_tensors_as_buffers():
    protocol = pytest.importorskip("distributed.protocol")
    t = kindling.from_numpy(np.ones((256, 256), np.float32))
    header, frames = protocol.serialize(t, serializers=("pickle",))
    assert max(memoryview(f).nbytes for f in frames) >= t.numel() * 4
    assert sum(memoryview(f).nbytes for f in frames) < t.numel() * 4 + 1024
    back = protocol.deserialize(header, frames)
    np.testing.assert_array_equal(back.numpy(), t.numpy())


# ---- results, errors, grad mode ----------------------------------------------------------------
def test_results_come_back_as_futures(remote):
    a, b, c = _mats()
    with set_executor(remote) as ex:
        assert isinstance(ex, (DaskExecutor, ProcessExecutor))
        futs = [kindling.jit.fork(chain, kindling.from_numpy(a), kindling.from_numpy(m), n=2)
                for m in (b, c)]
        futs.append(kindling.jit.fork(lambda x, y: x - y, kindling.from_numpy(a), y=1.0))
    assert all(isinstance(f, kindling.futures._future.Future) for f in futs)
    got = [r.numpy() for r in kindling.futures.wait_all(futs)]
    np.testing.assert_allclose(got[0], a @ b @ b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[1], a @ c @ c, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[2], a - 1, rtol=1e-6)
    assert futs[0].then(lambda f: f.value().shape).wait() == (8, 8)


def test_errors_cross_the_boundary(remote, torch):
    expected = str(pytest.raises(RuntimeError, torch.ones(3).__add__, torch.ones(4)).value)
    with set_executor(remote):
        fut = kindling.jit.fork(broadcast_fail, kindling.ones(3))
        line = sys._getframe().f_lineno - 1
    with pytest.raises(RuntimeError) as info:
        kindling.jit.wait(fut)
    e = info.value
    assert str(e) == expected
    assert f'forked at "{__file__}", line {line}' in e.__notes__[-1]
    assert "broadcast_fail" in str(e.__cause__)            # the remote traceback


@pytest.mark.parametrize("enabled", [False, True])
def test_grad_mode_crosses_the_boundary(remote, enabled):
    if not hasattr(kindling, "set_grad_enabled"):
        pytest.skip("kindling.set_grad_enabled is not built yet")
    with kindling.set_grad_enabled(enabled), set_executor(remote):
        futs = [kindling.jit.fork(grad_enabled) for _ in range(4)]
    assert kindling.futures.wait_all(futs) == [enabled] * 4
    # the worker threads went back to their own state afterwards
    with set_executor(remote):
        futs = [kindling.jit.fork(grad_enabled) for _ in range(4)]
    assert kindling.futures.wait_all(futs) == [True] * 4


def test_nested_forks_on_a_dask_worker(dask_client):
    with set_executor(dask_client):
        fut = kindling.jit.fork(nested, kindling.ones(2))
    assert [r.numpy().tolist() for r in fut.wait()] == [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]


def test_lambdas_travel_to_dask(dask_client):
    k = 5.0
    with set_executor(dask_client):
        fut = kindling.jit.fork(lambda x: x * k, kindling.ones(3))
    assert fut.wait().numpy().tolist() == [5.0] * 3


def test_active_modes_refuse_to_cross(dask_client):
    saved = tls.snapshot()
    try:
        tls.state.dispatch_modes.append(object())
        with set_executor(dask_client), pytest.raises(RuntimeError, match="dispatch_modes"):
            kindling.jit.fork(grad_enabled)
    finally:
        tls.restore(saved)
