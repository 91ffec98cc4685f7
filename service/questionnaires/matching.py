"""Tests that compare one answer with another, or with the knowledge base, for the rule packs.

They back the operators that need more than one fact: a version graded against its project's
own support window, a version below a security fix, the accelerators a vendor supports against
the ones a client has, and the GPU memory a vendor needs against what the client can give.
Pure: plain values in, three-valued truth out (None when the answer cannot settle it).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, Protocol

UNKNOWN = "unknown"
OTHER = "other"
OTHER_NAME_SUFFIX = ".other_name"

# What each client accelerator option means as a hardware family. `cloud_accelerators` (not
# saying which) could be either cloud family, so it matches a vendor on either one.
CLIENT_FAMILIES: dict[str, frozenset[str]] = {
    "nvidia_inference": frozenset({"nvidia"}),
    "nvidia_datacentre": frozenset({"nvidia"}),
    "amd": frozenset({"amd"}),
    "intel": frozenset({"intel"}),
    "google_tpu": frozenset({"google_tpu"}),
    "aws_neuron": frozenset({"aws_neuron"}),
    "cloud_accelerators": frozenset({"google_tpu", "aws_neuron"}),
}
VENDOR_FAMILIES: dict[str, frozenset[str]] = {
    "nvidia": frozenset({"nvidia"}),
    "amd": frozenset({"amd"}),
    "intel": frozenset({"intel"}),
    "google_tpu": frozenset({"google_tpu"}),
    "aws_neuron": frozenset({"aws_neuron"}),
    "apple_silicon": frozenset({"apple_silicon"}),
    "cloud_accelerators": frozenset({"google_tpu", "aws_neuron"}),
}


class EntryKnowledge(Protocol):
    """What these tests ask the knowledge base (see service.scoring.knowledge)."""

    def resolve(self, value: str, other_name: str | None) -> str | None: ...

    def grade_of(self, entry_id: str, version: str) -> str | None: ...

    def exposed(self, entry_id: str, version: str) -> bool | None: ...


def other_name_question(choice_question: str) -> str:
    """`framework.primary` -> `framework.other_name` (where "Other" is named)."""
    return choice_question.split(".", 1)[0] + OTHER_NAME_SUFFIX


def known(value: object) -> bool:
    return value is not None and value != UNKNOWN


def entry_of(answers: Mapping[str, Any], question: str, knowledge: EntryKnowledge) -> str | None:
    """The knowledge-base entry an answer names, reading the typed name behind "Other"."""
    value = answers.get(question)
    if not isinstance(value, str) or not known(value):
        return None
    other = answers.get(other_name_question(question)) if value == OTHER else None
    return knowledge.resolve(value, other if isinstance(other, str) and known(other) else None)


def shares_no_accelerator(vendor: object, client: object) -> bool | None:
    """True when the vendor supports none of the accelerator families the client has."""
    if not isinstance(vendor, list | tuple) or not isinstance(client, list | tuple):
        return None
    if OTHER in vendor or OTHER in client:
        return None  # "other" on either side cannot be compared
    theirs = _families(client, CLIENT_FAMILIES)
    ours = _families(vendor, VENDOR_FAMILIES)
    if not theirs or not ours:
        return None
    return ours.isdisjoint(theirs)


def _families(options: Collection[Any], families: Mapping[str, frozenset[str]]) -> frozenset[str]:
    return frozenset(f for option in options for f in families.get(str(option), frozenset()))


def memory_shortfall(needed: object, available: object) -> float | None:
    """The share of the vendor's GPU memory the client cannot give (0 when it fits)."""
    if not isinstance(needed, int | float) or not isinstance(available, int | float):
        return None
    if isinstance(needed, bool) or isinstance(available, bool):
        return None
    if needed <= 0:
        return 0.0
    return max(0.0, (needed - available) / needed)
