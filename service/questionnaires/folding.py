"""Conditions with one client's facts folded in.

Every assessment of one client is scored against the same client profile, and a re-score runs
the whole pack again for each of them. Folding the client's facts into a condition once leaves
a smaller condition over the vendor's answers: a test of a client fact becomes its value, an
`all` with a false client test is false outright (the rule cannot fire for this client), a true
one drops out. Three-valued logic is kept exactly: an unknown client fact stays unknown, so the
folded condition gives the same value as the whole one for every set of vendor answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from service.questionnaires.conditions import AnyOf, Condition, Leaf, Not, Source, Tri
from service.questionnaires.connectives import (
    CALL,
    Step,
    Truth,
    call_step,
    junction,
    simple_step,
)

Folded = Truth | bool | None
"""A condition over the vendor's answers, or its value when the client's facts decide it."""

LeafTruth = Callable[[Leaf], Truth]
"""The compiled test of one leaf (compiled once per pack, reused for every client)."""

_NO_ANSWERS: Mapping[str, Any] = {}


def fold_client(condition: Condition, client: Mapping[str, Any], leaf_truth: LeafTruth) -> Folded:
    """The condition for this client: call the result with (answers, client) unless it is
    already a value. Vendor tests that compare with a client fact still read `client`."""
    if isinstance(condition, Leaf):
        if condition.source is Source.CLIENT:
            return leaf_truth(condition)(_NO_ANSWERS, client)
        return leaf_truth(condition)
    if isinstance(condition, Not):
        return _negated(fold_client(condition.not_, client, leaf_truth))
    stop = isinstance(condition, AnyOf)  # the value that decides: True for any, False for all
    children = condition.any if isinstance(condition, AnyOf) else condition.all
    steps: list[Step] = []
    unknown = False
    for child in children:
        step = _vendor_step(child)
        if step is not None:
            steps.append(step)
            continue
        folded = fold_client(child, client, leaf_truth)
        if folded is stop:
            return stop
        if folded is None:
            unknown = True
        elif callable(folded):
            steps.append(call_step(folded))
    return _joined(tuple(steps), stop, unknown)


def _vendor_step(condition: Condition) -> Step | None:
    """A simple test of a vendor answer, kept as an inline step."""
    if isinstance(condition, Leaf) and condition.source is Source.VENDOR:
        return simple_step(condition)
    return None


def _joined(steps: tuple[Step, ...], stop: bool, unknown: bool) -> Folded:
    if not steps:
        return None if unknown else not stop
    if len(steps) == 1 and not unknown and steps[0][2] == CALL:
        truth: Truth = steps[0][3]  # a lone child needs no loop around it
        return truth
    return junction(steps, stop, unknown)


def _negated(folded: Folded) -> Folded:
    if not callable(folded):
        return None if folded is None else not folded
    inner = folded

    def negate(answers: Mapping[str, Any], client: Mapping[str, Any]) -> Tri:
        value = inner(answers, client)
        return None if value is None else not value

    return negate
