"""CycloneDX (1.5 and later, SBOM or ML-BOM) and SPDX JSON documents.

Read as plain JSON within limits: the document's format and version, the Python packages and
container images it lists (as pins), model components (an ML-BOM) with their licences and
files.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from packaging.version import InvalidVersion, Version

from service.evidence.facts import PICKLE_FORMATS, Fact, licence_option, weight_format
from service.evidence.limits import EvidenceLimit, json_document
from service.evidence.parsers.deployment import image_facts
from service.evidence.parsers.pins import pin_facts

_ML_TYPES = {"machine-learning-model"}


def cyclonedx(text: str) -> Iterator[Fact]:
    data = json_document(text)
    if not isinstance(data, dict) or data.get("bomFormat") != "CycloneDX":
        raise EvidenceLimit('no "bomFormat": "CycloneDX": this is not a CycloneDX JSON document')
    spec = str(data.get("specVersion", ""))
    if not _at_least(spec, "1.5"):
        raise EvidenceLimit(
            f"CycloneDX {spec or '(no specVersion)'} is not read: ML-BOM fields (models, "
            "datasets, model cards) exist from 1.5 on; export CycloneDX 1.5 or later"
        )
    yield Fact("maintenance.sbom", "cyclonedx", "/bomFormat", f"CycloneDX {spec}")
    stack: list[tuple[Any, str]] = [(data.get("components"), "/components")]
    while stack:
        components, pointer = stack.pop()
        for index, component in enumerate(components if isinstance(components, list) else []):
            if isinstance(component, dict):
                where = f"{pointer}/{index}"
                yield from _component(component, where)
                stack.append((component.get("components"), f"{where}/components"))


def _at_least(spec: str, floor: str) -> bool:
    try:
        return Version(spec) >= Version(floor)
    except InvalidVersion:
        return False


def _component(component: dict[str, Any], where: str) -> Iterator[Fact]:
    kind, name = component.get("type"), str(component.get("name", ""))
    version = component.get("version")
    purl = str(component.get("purl", ""))
    if kind in _ML_TYPES or "modelCard" in component:
        yield Fact("maintenance.ml_bom", True, f"{where}/type", f"model component {name}")
        yield from _licences(component.get("licenses"), f"{where}/licenses", name)
    if kind == "library" and isinstance(version, str) and purl.startswith("pkg:pypi/"):
        yield from pin_facts(name, version, where, f"{name} {version} ({purl})")
    if kind == "container" and name:
        image = f"{name}:{version}" if isinstance(version, str) and ":" not in name else name
        yield from image_facts(image, where, f"container {image}")
    if kind in {"file", "data"} or kind in _ML_TYPES:
        option = weight_format(name)
        if option:
            note = " (pickle: runs code when loaded)" if option in PICKLE_FORMATS else ""
            yield Fact("hf.weight_formats", option, f"{where}/name", name + note)


def _licences(licences: Any, where: str, name: str) -> Iterator[Fact]:
    for index, entry in enumerate(licences if isinstance(licences, list) else []):
        licence = entry.get("license") if isinstance(entry, dict) else None
        if isinstance(licence, dict):
            value = licence.get("id") or licence.get("name")
        else:
            value = entry.get("expression") if isinstance(entry, dict) else None
        option = licence_option(str(value)) if value else None
        if option:
            excerpt = f"{name}: licence {value}"
            yield Fact("portability.weights_licence", option, f"{where}/{index}", excerpt)


def spdx(text: str) -> Iterator[Fact]:
    data = json_document(text)
    if not isinstance(data, dict):
        raise EvidenceLimit("an SPDX JSON document is an object; this is not one")
    version = data.get("spdxVersion")
    if isinstance(version, str) and version.startswith("SPDX-"):
        yield Fact("maintenance.sbom", "spdx", "/spdxVersion", version)
        yield from _spdx2_packages(data.get("packages"))
        return
    context = str(data.get("@context", ""))
    if "spdx" not in context.lower():
        raise EvidenceLimit('no "spdxVersion" (SPDX 2) or SPDX "@context" (SPDX 3)')
    yield Fact("maintenance.sbom", "spdx", "/@context", "SPDX 3 JSON-LD")
    for index, element in enumerate(data.get("@graph") or []):
        if isinstance(element, dict) and element.get("type") == "ai_AIPackage":
            name = str(element.get("name", ""))
            yield Fact("maintenance.ml_bom", True, f"/@graph/{index}", f"AI package {name}")


def _spdx2_packages(packages: Any) -> Iterator[Fact]:
    for index, package in enumerate(packages if isinstance(packages, list) else []):
        if not isinstance(package, dict):
            continue
        name, version = package.get("name"), package.get("versionInfo")
        refs = " ".join(
            str(r.get("referenceLocator", ""))
            for r in package.get("externalRefs") or []
            if isinstance(r, dict)
        )
        if isinstance(name, str) and isinstance(version, str) and "pkg:pypi/" in refs:
            yield from pin_facts(name, version, f"/packages/{index}", f"{name} {version}")
