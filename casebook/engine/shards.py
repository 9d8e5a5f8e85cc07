"""Shards: one slice of the cases per CI runner. Each runner executes its slice into the
execution cache (``casebook build --shard I/K``); the merged cache then builds the site
without executing any case (``casebook build --assemble``)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from casebook.domain.errors import UserError


@dataclass(frozen=True)
class Shard:
    """Slice ``index`` of ``count`` (1-based): the cases whose id hashes to it.

    By a hash of the case id, not by position in the sorted list, so a case stays in its
    slice when other cases are added or removed.
    """

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"I/K"`` with whole numbers 1 ≤ I ≤ K."""
        index, slash, count = text.partition("/")
        if slash and index.strip().isdigit() and count.strip().isdigit():
            shard = cls(int(index), int(count))
            if 1 <= shard.index <= shard.count:
                return shard
        raise UserError(
            f"Ogiltigt värde för --shard: {text!r}. Ange I/K med heltal där 1 ≤ I ≤ K, "
            "t.ex. --shard 1/4 för den första av fyra delar."
        )

    def contains(self, case_id: str) -> bool:
        digest = hashlib.sha256(case_id.encode("utf-8")).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1

    @property
    def label(self) -> str:
        return f"{self.index}/{self.count}"
