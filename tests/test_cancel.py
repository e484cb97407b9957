"""The one cancellation token: one-way, with a reason, parent -> child, raising ``Cancelled`` at safe points."""

from __future__ import annotations

import threading

import pytest

from studio.cancel import CancelToken, check
from studio.errors import Cancelled, StudioError


def test_a_new_token_is_not_cancelled_and_check_passes():
    token = CancelToken()
    assert not token.cancelled and token.reason == ""
    token.raise_if_cancelled()
    check(token)
    check(None)  # None means "cannot be cancelled"


def test_cancel_is_one_way_and_keeps_the_first_reason():
    token = CancelToken()
    token.cancel("the batch was stopped")
    token.cancel("a later reason")
    assert token.cancelled and token.reason == "the batch was stopped"


def test_raise_names_the_job_and_the_reason():
    token = CancelToken()
    token.cancel("Stop was pressed")
    with pytest.raises(Cancelled) as info:
        check(token, "The spin render")
    assert isinstance(info.value, StudioError)
    assert "The spin render was cancelled (Stop was pressed)" in info.value.one_line()


def test_cancelling_the_parent_cancels_every_child_not_the_reverse():
    parent = CancelToken()
    first, second = parent.child(), parent.child()
    first.cancel("only this job")
    assert first.cancelled and not second.cancelled and not parent.cancelled
    parent.cancel("the whole batch")
    assert second.cancelled and second.reason == "the whole batch"
    assert first.reason == "only this job"  # its own reason wins
    grandchild = second.child()
    assert grandchild.cancelled and grandchild.reason == "the whole batch"
    with pytest.raises(Cancelled):
        check(grandchild)


def test_wait_wakes_on_cancel_from_another_thread():
    for token in (CancelToken(), CancelToken().child()):
        thread = threading.Thread(target=token.cancel)
        thread.start()
        assert token.wait(60.0) is True  # woken by the cancel, not the 60 s timeout
        thread.join()


def test_a_child_wakes_when_its_parent_is_cancelled():
    parent = CancelToken()
    child = parent.child()
    thread = threading.Thread(target=parent.cancel)
    thread.start()
    assert child.wait(60.0) is True
    thread.join()


def test_wait_times_out_false_when_not_cancelled():
    assert CancelToken().wait(0.01) is False
    assert CancelToken().child().wait(0.01) is False
