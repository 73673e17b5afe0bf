"""``sandbox.memo.Memo``: a dict that empties itself when full."""

from __future__ import annotations

from sandbox.memo import Memo


def test_remember_keeps_and_returns_the_value() -> None:
    memo: Memo[str, int] = Memo(3)
    assert memo.remember("a", 1) == 1
    assert memo["a"] == 1


def test_a_full_memo_empties_before_keeping_the_next_value() -> None:
    memo: Memo[int, int] = Memo(3)
    for n in range(3):
        memo.remember(n, n)
    assert len(memo) == 3
    memo.remember(9, 9)
    assert memo == {9: 9}
