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
    a + 1                          # one kernel: autograd falls through, CPU runs
    torch.zeros(2, device="meta")  # BackendSelect picks Meta from device=
    a.add_(1)                      # ADInplaceOrView bumps the version, then CPU
for c in calls:
    print(c)
try:
    torch.ones(2) + torch.ones(3)
except RuntimeError as e:
    print("RuntimeError:", e)
