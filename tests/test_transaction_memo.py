"""Reads shared by the events of one consumer transaction (shared/storage/transaction_memo.py)."""

from shared.storage.transaction_memo import forget_all, remembered, transaction_memo


async def test_within_a_memo_a_key_is_read_once_and_forgetting_reads_again():
    reads = []

    async def read() -> int:
        reads.append(1)
        return len(reads)

    with transaction_memo():
        assert [await remembered("staff", read), await remembered("staff", read)] == [1, 1]
        forget_all()
        assert await remembered("staff", read) == 2
    assert await remembered("staff", read) == 3, "outside a memo, every call reads"
