"""Dockerfiles, Helm charts and values, and Kubernetes manifests.

Images name the serving runtime and its version (`vllm/vllm-openai:v0.6.3`); resource requests
and limits name the accelerators and how many (`nvidia.com/gpu: 2`); a chart or a manifest with
a workload shows the product runs on Kubernetes from a container image.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from service.evidence.facts import GPU_RESOURCES, Fact, line, runtime_of_image
from service.evidence.limits import EvidenceLimit, Located, escape, yaml_document, yaml_documents

_FROM = re.compile(r"^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)", re.IGNORECASE)
_WORKLOADS = {
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
    "Pod",
    "ReplicaSet",
    "InferenceService",
    "ServingRuntime",
    "RayService",
    "LeaderWorkerSet",
}


def dockerfile(text: str) -> Iterator[Fact]:
    images = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        match = _FROM.match(raw)
        if match and not match[1].startswith("$"):
            images += 1
            yield from image_facts(match[1], line(number), raw.strip())
    if not images:
        raise EvidenceLimit("no FROM line: this is not a Dockerfile")
    yield Fact("deployment.container_image", True, "line 1", "a Dockerfile builds an image")


def image_facts(image: str, location: str, excerpt: str) -> Iterator[Fact]:
    runtime = runtime_of_image(image)
    if runtime is None:
        return
    yield Fact("serving.stack", runtime, location, excerpt)
    version = _tag_version(runtime, image)
    if version:
        yield Fact("serving.runtime_version", version, location, excerpt, subject=runtime)


def _tag_version(runtime: str, image: str) -> str | None:
    name = image.split("@", 1)[0]
    tag = name.rsplit(":", 1)[1] if ":" in name.rsplit("/", 1)[-1] else ""
    match = re.match(r"v?(\d+(?:\.\d+){1,2})", tag)
    if not match:
        return None
    if runtime == "triton" and re.fullmatch(r"\d{2}\.\d{2}", match[1]):
        return _triton_release(match[1])
    return match[1]


def _triton_release(container: str) -> str:
    """NGC container `yy.mm` to the server release: 24.01 shipped Triton 2.42.0, one minor
    release a month since."""
    year, month = (int(p) for p in container.split("."))
    return f"2.{42 + (year - 24) * 12 + (month - 1)}.0"


def helm_chart(text: str) -> Iterator[Fact]:
    data = yaml_document(text).value
    if not isinstance(data, dict) or "name" not in data or "apiVersion" not in data:
        raise EvidenceLimit("no apiVersion and name: this is not a Helm Chart.yaml")
    yield Fact("deployment.kubernetes", "helm_chart", "line 1", f"Helm chart {data['name']}")
    yield Fact("deployment.container_image", True, "line 1", "a Helm chart deploys images")


def helm_values(text: str) -> Iterator[Fact]:
    document = yaml_document(text)
    if not isinstance(document.value, dict):
        raise EvidenceLimit("Helm values are a YAML mapping; this is not one")
    yield Fact("deployment.kubernetes", "helm_chart", "line 1", "Helm values file")
    yield from _walk(document, document.value, "")


def kubernetes(text: str) -> Iterator[Fact]:
    workloads = 0
    for index, document in enumerate(yaml_documents(text)):
        data = document.value
        if not isinstance(data, dict) or "kind" not in data or "apiVersion" not in data:
            continue
        if data["kind"] in _WORKLOADS:
            workloads += 1
            where = line(document.line(""))
            yield Fact(
                "deployment.kubernetes",
                "manifests",
                where,
                f"kind: {data['kind']} (document {index + 1})",
            )
        yield from _walk(document, data, "")
    if not workloads:
        raise EvidenceLimit(
            "no Kubernetes workload (Deployment, StatefulSet, Job, Pod, InferenceService…) found"
        )
    yield Fact("deployment.container_image", True, "line 1", "Kubernetes workloads run images")


def _walk(document: Located, value: Any, pointer: str) -> Iterator[Fact]:
    """Images and accelerator requests anywhere in a manifest or values tree."""
    stack: list[tuple[Any, str]] = [(value, pointer)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, dict):
            yield from _image_here(document, item, where)
            yield from _resources_here(document, item, where)
            stack.extend((v, f"{where}/{escape(str(k))}") for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((v, f"{where}/{i}") for i, v in enumerate(item))


def _image_here(document: Located, item: dict[str, Any], where: str) -> Iterator[Fact]:
    image = item.get("image")
    if isinstance(image, str) and image:
        yield from image_facts(image, line(document.line(f"{where}/image")), f"image: {image}")
    elif isinstance(image, dict) and isinstance(image.get("repository"), str):
        tag = image.get("tag")
        full = f"{image['repository']}:{tag}" if tag not in (None, "") else image["repository"]
        text = f"image.repository: {image['repository']}, tag: {tag}"
        yield from image_facts(full, line(document.line(f"{where}/image/repository")), text)


def _resources_here(document: Located, item: dict[str, Any], where: str) -> Iterator[Fact]:
    for part in ("limits", "requests"):
        block = item.get(part)
        if not isinstance(block, dict):
            continue
        for resource, count in block.items():
            vendor = GPU_RESOURCES.get(str(resource))
            if vendor is None or str(count).strip() in {"0", ""}:
                continue
            pointer = f"{where}/{part}/{escape(str(resource))}"
            excerpt = f"{part}: {resource}: {count}"
            yield Fact("hardware.gpu_vendors", vendor, line(document.line(pointer)), excerpt)
            yield Fact("hardware.gpu", "required", line(document.line(pointer)), excerpt)
