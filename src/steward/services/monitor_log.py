"""The log of ingested predictions (ids and scores), kept so that late labels can be joined."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from steward.domain.errors import InvalidInputError
from steward.domain.windows import window_text


class PredictionLog:
    """Ids and scores of ingested rows, kept so that labels arriving later can be joined. Each
    batch is written at once as compressed Parquet, so what stays in memory is the compressed
    log (a few bytes a row), not the rows."""

    _SCHEMA = pa.schema([("id", pa.string()), ("score", pa.float64()), ("window", pa.string())])

    def __init__(self) -> None:
        import pyarrow.parquet as pq

        self._sink = io.BytesIO()
        self._writer = pq.ParquetWriter(self._sink, self._SCHEMA, compression="zstd")
        self.rows = 0

    def add(self, ids: pa.ChunkedArray, scores: Any, window: str) -> None:
        table = pa.table(
            {
                "id": pc.cast(ids, pa.string()),
                "score": pa.array(scores, type=pa.float64()),
                "window": pa.array([window] * len(scores), type=pa.string()),
            },
            schema=self._SCHEMA,
        )
        self._writer.write_table(table)
        self.rows += table.num_rows

    def piece_adder(self, id_column: str | None) -> Callable[[int, pa.Table, Any], None]:
        """What logs each window's piece of a batch: its ids and scores."""
        assert id_column is not None

        def add(start: int, piece: pa.Table, scores: Any) -> None:
            self.add(piece.column(id_column), scores, window_text(start))

        return add

    def parquet(self) -> bytes:
        self._writer.close()
        return self._sink.getvalue()


def check_extras(batch: pa.Table, extras: Sequence[str]) -> None:
    for name in extras:
        if name not in batch.column_names:
            raise InvalidInputError(f"column {name!r} is not in the data")
