"""The one device resolver: auto/cpu/cuda/cuda:N, refused before any work when the machine lacks it."""

from __future__ import annotations

import pytest
import torch

from studio.devices import DEVICE_CHOICES, resolve_device, torch_device
from studio.errors import DependencyError, InputError

HAS_CUDA = torch.cuda.is_available()


def test_cpu_and_auto():
    assert resolve_device("cpu") == "cpu" and resolve_device(" CPU ") == "cpu"
    assert resolve_device("auto") == ("cuda" if HAS_CUDA else "cpu")
    assert torch_device("cpu") == torch.device("cpu")
    assert DEVICE_CHOICES == ("auto", "cpu", "cuda")


@pytest.mark.parametrize("bad", ["tpu", "gpu", "cuda:x", "cuda0", ""])
def test_unknown_names_are_refused(bad):
    with pytest.raises(InputError, match="Unknown device"):
        resolve_device(bad)


@pytest.mark.skipif(HAS_CUDA, reason="checks the no-CUDA message")
@pytest.mark.parametrize("name", ["cuda", "cuda:1"])
def test_cuda_without_a_gpu_is_a_dependency_error(name):
    with pytest.raises(DependencyError, match="no GPU"):
        resolve_device(name)


@pytest.mark.skipif(not HAS_CUDA, reason="needs CUDA")
def test_cuda_with_a_gpu():
    assert resolve_device("cuda") == "cuda" and resolve_device("cuda:0") == "cuda:0"
    with pytest.raises(DependencyError, match="does not exist"):
        resolve_device(f"cuda:{torch.cuda.device_count()}")


def test_every_caller_uses_the_one_resolver():
    from studio.compliance import embed
    from studio.splat import pipeline, train

    assert pipeline.resolve_device is resolve_device
    assert train.torch_device is torch_device
    assert embed.resolve_device is resolve_device
