"""`all` and `any` compiled with their simple leaves tested inline.

Most leaves under an `all` or `any` read one answer and compare it with options from the
definition (`equals`, `one_of`, `includes_any`, `excludes`). Calling a closure per leaf costs
more than the test itself, and the scoring hot path runs about 200 leaves per assessment, so
such a leaf becomes a *step*: a tuple the connective's loop tests without a call. Any other
child stays a compiled closure, called from the same loop, in the same order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from service.questionnaires.conditions import UNKNOWN, Leaf, Operator, Source, Tri

Truth = Callable[[Mapping[str, Any], Mapping[str, Any]], Tri]

EQUALS_TEXT, EQUALS_BOOL, MEMBER, CALL = range(4)
"""Step kinds: `answer == option`, `answer is True/False`, membership in a set of options
(with `wanted` False for `excludes`), or a compiled child condition."""

Step = tuple[bool, str, int, Any, bool]
"""(reads the client's facts, question, kind, operand, wanted)."""


def simple_step(leaf: Leaf) -> Step | None:
    """The leaf as an inline step, or None when it needs a closure of its own."""
    from_client, operator, operand = leaf.source is Source.CLIENT, leaf.operator, leaf.operand
    if operator is Operator.EQUALS and isinstance(operand, bool):
        return (from_client, leaf.subject, EQUALS_BOOL, operand, True)
    if operator is Operator.EQUALS and isinstance(operand, str):
        return (from_client, leaf.subject, EQUALS_TEXT, operand, True)
    if operator in (Operator.ONE_OF, Operator.INCLUDES_ANY, Operator.EXCLUDES):
        wanted = operator is not Operator.EXCLUDES
        return (from_client, leaf.subject, MEMBER, frozenset(operand), wanted)
    return None


def call_step(truth: Truth) -> Step:
    return (False, "", CALL, truth, True)


def all_of(steps: tuple[Step, ...]) -> Truth:
    """False if any step is false, else unknown if any is unknown, else true."""
    return junction(steps, stop=False)


def any_of(steps: tuple[Step, ...]) -> Truth:
    """True if any step is true, else unknown if any is unknown, else false."""
    return junction(steps, stop=True)


def junction(steps: tuple[Step, ...], stop: bool, unknown: bool = False) -> Truth:
    """The loop both connectives share: the first step whose value is `stop` decides (False
    for `all`, True for `any`). `unknown`: a child already known to be unknown was left out."""
    otherwise: Tri = None if unknown else not stop

    def decide(answers: Mapping[str, Any], client: Mapping[str, Any]) -> Tri:
        result = otherwise
        for from_client, subject, kind, operand, wanted in steps:
            value: Tri
            if kind == CALL:
                value = operand(answers, client)
            else:
                answer = (client if from_client else answers).get(subject)
                if answer is None or answer == UNKNOWN:
                    value = None
                elif kind == EQUALS_TEXT:
                    value = answer == operand
                elif kind == EQUALS_BOOL:
                    value = answer is operand
                elif isinstance(answer, list):
                    value = operand.isdisjoint(answer) is not wanted
                else:
                    value = (answer in operand) is wanted
            if value is stop:
                return stop
            if value is None:
                result = None
        return result

    return decide
