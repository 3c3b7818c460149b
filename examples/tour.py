"""A short tour of what kindling does today. Run with ``make demo``.

Every line below is PyTorch code with ``torch`` bound to kindling.
"""
import kindling as torch
from kindling._dispatcher.trace import dispatch_trace


def section(title):
    print(f"\n=== {title} " + "=" * (60 - len(title)))


section("tensor math, dtypes and promotion")
a = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
b = torch.arange(3)
print(a + b)                       # int64 + float32 -> float32, broadcast over rows
print(a * 2, (a / 4).dtype)
print(torch.tensor([1, 2, 3]) / 2)  # integer true division gives the default float dtype
print(a.sum(), a.sum(dim=0), a.sum(1, keepdim=True).shape)
print(torch.promote_types(torch.int8, torch.uint8), torch.result_type(b, 2.5))

section("views share storage and a version counter")
t = a.transpose(0, 1)
print(t.shape, t.stride(), t.is_contiguous(), t._base is a)
v = a.view(3, 2)
v.mul_(10)                         # in-place on a view: the base sees it, versions bump
print(a)
print("versions:", a._version, v._version, t._version)
row = a[1]
row[0] = -1.0
print(a[1], a[:, 1:].shape, a[None, ..., 0].shape)

section("printing")
print(torch.tensor(3))
print(torch.tensor([1e-5, 1.0, 1e5]))
print(torch.zeros(2, 3, dtype=torch.float64))
print(torch.ones(2, 2, device="meta"))
print(torch.arange(2000.0))

section("torch.ops and the dispatcher")
op = torch.ops.aten.add.Tensor
print(op, repr(op), op.name(), op._schema)
print(torch._C._dispatch_keys(a))
print(torch._C._dispatch_keys(torch.ones(1, device="meta")))
with dispatch_trace() as calls:
    a + 1                          # Autograd (nothing requires grad) redispatches to CPU
    torch.zeros(2, device="meta")  # BackendSelect picks Meta from device=
    a.add_(1)                      # ADInplaceOrView bumps the version, then CPU
for c in calls:
    print(c)
try:
    torch.ones(2) + torch.ones(3)
except RuntimeError as e:
    print("RuntimeError:", e)

section("autograd: a dispatcher layer")
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = (x * x).sum()
print(y, y.grad_fn.name(), [f[0].name() if f[0] else None for f in y.grad_fn.next_functions])
y.backward()
print("x.grad:", x.grad)


class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 2

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * x * g


x.grad = None
Square.apply(x).sum().backward()
print("custom Function grad:", x.grad)

section("Python dispatch: modes see every aten op")
from kindling.testing._internal.logging_tensor import LoggingTensorMode, capture_logs  # noqa: E402

with capture_logs(is_mode=True) as logs, LoggingTensorMode():
    w = torch.ones(2, 3)
    (w @ w.t()).relu()
print("\n".join(logs))


@torch.library.custom_op("tour::scale", mutates_args=())
def scale(t: torch.Tensor, factor: float) -> torch.Tensor:
    return t * factor


print(torch.ops.tour.scale(torch.ones(2), 3.0))

section("fork/wait run in parallel, with the caller's thread-local state")
import warnings  # noqa: E402

warnings.simplefilter("ignore", DeprecationWarning)  # PyTorch deprecates jit.fork; we keep it


def chain(m, n):
    for _ in range(n):
        m = m @ m
    return m


m = torch.full((64, 64), 1 / 64)
futs = [torch.jit.fork(chain, m, n=5) for _ in range(4)]
print([round(torch.jit.wait(f).sum().item(), 3) for f in futs])
with torch.no_grad():
    print("grad mode inside a forked task:",
          torch.jit.wait(torch.jit.fork(torch.is_grad_enabled)))

section("torch.nn, torch.optim and torch.utils.data: a model trained as in PyTorch")
from kindling import nn  # noqa: E402
from kindling.utils.data import DataLoader, TensorDataset  # noqa: E402

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1))
print(model)
xs = torch.rand(256, 2) * 2 - 1
ys = (xs[:, :1] * xs[:, 1:]).sign()  # (the XOR of the signs)
loader = DataLoader(TensorDataset(xs, ys), batch_size=32, shuffle=True)
opt = torch.optim.Adam(model.parameters(), lr=0.05)
for epoch in range(30):
    for x, y in loader:
        loss = nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
with torch.no_grad():
    acc = ((model(xs).sign() == ys).float().mean().item())
print(f"final loss {loss.item():.3f}, accuracy {acc:.2f}")
