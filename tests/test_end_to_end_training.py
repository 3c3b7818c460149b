"""A whole training program, written once against the ``torch`` API and run on kindling and on
PyTorch: a small causal transformer (Embedding, LayerNorm, Linear, GELU, dropout,
scaled_dot_product_attention, weight tying), AdamW with two parameter groups, gradient
clipping, a cosine learning-rate schedule, a shuffled DataLoader over a TensorDataset (in the
main process and with two workers), a state_dict round trip through ``save``/``load``, and
sampling with ``multinomial`` - the same losses, gradient norms and sampled tokens."""
import io
import math

import pytest

import kindling

torch = pytest.importorskip("torch")


def _program(T, workers):
    nn, F = T.nn, T.nn.functional

    class Block(nn.Module):
        def __init__(self, d, heads):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
            self.qkv = nn.Linear(d, 3 * d)
            self.proj = nn.Linear(d, d)
            self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d),
                                     nn.Dropout(0.1))
            self.heads = heads

        def forward(self, x):
            b, t, d = x.shape
            q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
            q, k, v = (z.view(b, t, self.heads, d // self.heads).transpose(1, 2)
                       for z in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, dropout_p=0.1 if self.training else 0,
                                               is_causal=True)
            x = x + self.proj(y.transpose(1, 2).contiguous().view(b, t, d))
            return x + self.mlp(self.ln2(x))

    class GPT(nn.Module):
        def __init__(self, vocab=40, d=32, heads=4, layers=2, block=12):
            super().__init__()
            self.tok = nn.Embedding(vocab, d)
            self.pos = nn.Parameter(T.zeros(1, block, d))
            self.blocks = nn.ModuleList([Block(d, heads) for _ in range(layers)])
            self.ln = nn.LayerNorm(d)
            self.head = nn.Linear(d, vocab, bias=False)
            self.head.weight = self.tok.weight  # (weight tying: one parameter, two uses)
            self.apply(self._init)

        @staticmethod
        def _init(m):
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0.0, 0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

        def forward(self, idx, targets=None):
            x = self.tok(idx) + self.pos[:, :idx.shape[1]]
            for blk in self.blocks:
                x = blk(x)
            logits = self.head(self.ln(x))
            if targets is None:
                return logits, None
            return logits, F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.view(-1))

    T.manual_seed(0)
    model = GPT()
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = T.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                         {"params": no_decay, "weight_decay": 0.0}], lr=3e-3, betas=(0.9, 0.95))
    sched = T.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * s / 8)))
    data = T.randint(0, 40, (64, 13))
    ds = T.utils.data.TensorDataset(data[:, :-1], data[:, 1:])
    loader = T.utils.data.DataLoader(ds, batch_size=8, shuffle=True, num_workers=workers,
                                     generator=T.Generator().manual_seed(1))
    log = []
    for step, (x, y) in enumerate(loader):
        _, loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        norm = T.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        log.append((round(loss.item(), 4), round(norm.item(), 4)))
    buf = io.BytesIO()
    T.save(model.state_dict(), buf)
    buf.seek(0)
    fresh = GPT()
    fresh.load_state_dict(T.load(buf))
    fresh.eval()
    idx = T.zeros((1, 1), dtype=T.long)
    with T.no_grad():
        for _ in range(6):
            logits, _ = fresh(idx)
            probs = F.softmax(logits[:, -1, :] / 0.8, dim=-1)
            idx = T.cat((idx, T.multinomial(probs, 1)), dim=1)
    return log, idx.tolist(), sorted(opt.state_dict()["state"].keys())


@pytest.mark.parametrize("workers", [0, 2])
def test_training_program_matches_pytorch(workers):
    k = _program(kindling, workers)
    t = _program(torch, workers)
    assert k[1:] == t[1:]
    for (kl, kn), (tl, tn) in zip(k[0], t[0]):
        assert kl == pytest.approx(tl, abs=2e-4) and kn == pytest.approx(tn, abs=2e-4)
    assert len(k[0]) == len(t[0]) == 8
