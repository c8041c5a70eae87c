"""AttributeValue conversion round-trips every value the items store, and agrees with boto3's."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from hypothesis import given
from hypothesis import strategies as st

from core.attributes import deserialize, serialize

scalars = st.none() | st.booleans() | st.text() | st.integers(-(10**30), 10**30)
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=20,
)


@given(values)
def test_values_round_trip(value: Any) -> None:
    assert deserialize(serialize(value)) == value


@given(values)
def test_the_wire_format_is_boto3s(value: Any) -> None:
    assert serialize(value) == TypeSerializer().serialize(value)
    assert deserialize(serialize(value)) == TypeDeserializer().deserialize(serialize(value))


def test_fractions_stay_exact_and_floats_are_refused() -> None:
    assert deserialize({"N": "1.10"}) == Decimal("1.10")
    assert deserialize({"N": "-7"}) == -7
    with pytest.raises(TypeError):
        serialize(0.1)


def test_sets_keep_their_kind() -> None:
    assert deserialize(serialize({"a", "b"})) == {"a", "b"}
    assert deserialize(serialize({1, 2})) == {1, 2}
