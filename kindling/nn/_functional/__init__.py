"""The topic modules of ``torch.nn.functional`` (see ``kindling/nn/functional.py``)."""
