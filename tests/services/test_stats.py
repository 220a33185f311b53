"""Percentiles by group computed by the database: PostgreSQL's percentile_cont, and the same
interpolation between ranks on SQLite."""

from __future__ import annotations

import pytest
from sqlalchemy import Float, literal, select, union_all

from app.db import session_factory, transaction
from app.services.stats import grouped_percentiles
from tests.databases import Database


def test_grouped_percentiles_interpolate_between_ranks_like_percentile_cont(database: Database) -> None:
    data = [("a", 1.0), ("a", 2.0), ("a", 3.0), ("a", 4.0), ("a", 10.0), ("b", 7.0), ("c", None)]
    values = union_all(*(select(literal(g).label("g"), literal(v, Float).label("v")) for g, v in data)).subquery()
    with transaction(session_factory(database.engine), writing=False) as session:
        found = grouped_percentiles(session, values, ["g"], "v", [0.5, 0.9])
    # a: median the 3rd value; p90 at rank 0.9 × 4 = 3.6: 4 + 0.6 × (10 - 4). A single value is every percentile.
    assert found[("a",)] == [pytest.approx(3.0), pytest.approx(7.6)]
    assert found[("b",)] == [pytest.approx(7.0), pytest.approx(7.0)]
    assert ("c",) not in found
