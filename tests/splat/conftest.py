"""Fixtures shared by the splat tests."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture
def one_thread():
    """Small workloads: intra-op threads only add synchronisation (badly so on a busy machine)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
