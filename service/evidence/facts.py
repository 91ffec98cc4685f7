"""Facts: what one evidence file states about one question, and where it says so.

Pure data. A fact's `value` is in the question's own terms (an option id, a boolean, a version
string); for multiple-choice questions it is one member of the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Fact:
    question: str
    value: Any
    location: str
    """`line 12` or a JSON pointer such as `/components/3/name`."""
    excerpt: str
    """What the file says there, shortened: `torch==2.1.2`, `auto_map`."""
    subject: str = ""
    """For a version: the framework or runtime option it is the version of."""
    file: str = ""
    """The evidence file's name; filled in when the file's facts are read back."""
    kind: str = ""
    """The evidence file's kind; filled in with `file`."""

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "value": self.value,
            "location": self.location,
            "excerpt": self.excerpt[:300],
            "subject": self.subject,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], file: str, kind: str) -> Fact:
        return cls(
            data["question"],
            data["value"],
            data["location"],
            data["excerpt"],
            data.get("subject", ""),
            file,
            kind,
        )


def line(number: int | None) -> str:
    return f"line {number}" if number else "line ?"


FRAMEWORK_PACKAGES: dict[str, str] = {
    "torch": "pytorch",
    "pytorch": "pytorch",
    "tensorflow": "tensorflow",
    "tensorflow-cpu": "tensorflow",
    "tensorflow-gpu": "tensorflow",
    "jax": "jax",
    "scikit-learn": "scikit_learn",
    "sklearn": "scikit_learn",
    "keras": "keras",
    "xgboost": "xgboost",
    "lightgbm": "lightgbm",
    "catboost": "catboost",
    "mlx": "mlx",
}
"""Distribution names (normalised as in PEP 503) that pin a framework (`framework.primary`)."""

FRAMEWORK_PRIORITY = (
    "pytorch",
    "tensorflow",
    "jax",
    "keras",
    "mlx",
    "xgboost",
    "lightgbm",
    "catboost",
    "scikit_learn",
)
"""When one file pins several frameworks, the one suggested as primary (deep learning first:
scikit-learn is installed next to nearly everything)."""

RUNTIME_PACKAGES: dict[str, str] = {
    "vllm": "vllm",
    "sglang": "sglang",
    "tensorrt-llm": "tensorrt_llm",
    "lmdeploy": "lmdeploy",
    "torchserve": "torchserve",
    "tritonclient": "",
    "text-generation": "",
    "ray": "ray_serve",
    "bentoml": "bentoml",
    "onnxruntime": "onnx_runtime",
    "onnxruntime-gpu": "onnx_runtime",
    "openvino": "openvino",
    "llama-cpp-python": "llama_cpp",
    "kserve": "kserve",
    "ai-dynamo": "dynamo",
}
"""Packages that are a serving runtime; "" means a client library, which proves nothing."""

IMAGES: tuple[tuple[str, str], ...] = (
    ("vllm/vllm-openai", "vllm"),
    ("vllm/vllm", "vllm"),
    ("lmsysorg/sglang", "sglang"),
    ("huggingface/text-generation-inference", "tgi"),
    ("huggingface/text-embeddings-inference", "tei"),
    ("nvidia/tritonserver", "triton"),
    ("nvidia/tensorrt-llm", "tensorrt_llm"),
    ("nvidia/ai-dynamo", "dynamo"),
    ("nvcr.io/nim/", "nim"),
    ("pytorch/torchserve", "torchserve"),
    ("tensorflow/serving", "tf_serving"),
    ("ollama/ollama", "ollama"),
    ("llama.cpp", "llama_cpp"),
    ("openmmlab/lmdeploy", "lmdeploy"),
    ("openvino/model_server", "openvino"),
    ("rayproject/ray", "ray_serve"),
    ("kserve/", "kserve"),
    ("bentoml/", "bentoml"),
)
"""Image names (a part of `registry/repository`) that name a serving runtime."""

WEIGHT_SUFFIXES: tuple[tuple[str, str], ...] = (
    (".safetensors", "safetensors"),
    (".gguf", "gguf"),
    (".onnx", "onnx"),
    ("saved_model.pb", "tf_savedmodel"),
    (".skops", "skops"),
    (".joblib", "joblib_pickle"),
    (".pkl", "joblib_pickle"),
    (".pickle", "joblib_pickle"),
    ("pytorch_model.bin", "pytorch_bin"),
    (".pt", "pytorch_bin"),
    (".pth", "pytorch_bin"),
    (".ckpt", "pytorch_bin"),
    (".bin", "pytorch_bin"),
    (".ubj", "xgboost_native"),
    (".xgb", "xgboost_native"),
    (".engine", "tensorrt_engine"),
    (".plan", "tensorrt_engine"),
)
"""File names of weights; `.bin`, `.pt`, `.pth`, `.ckpt`, `.pkl` and `.joblib` are pickles,
which run code when they are loaded."""

PICKLE_FORMATS = frozenset({"pytorch_bin", "joblib_pickle"})

GPU_RESOURCES: dict[str, str] = {
    "nvidia.com/gpu": "nvidia",
    "amd.com/gpu": "amd",
    "gpu.intel.com/i915": "intel",
    "gpu.intel.com/xe": "intel",
    "google.com/tpu": "google_tpu",
    "aws.amazon.com/neuron": "aws_neuron",
    "aws.amazon.com/neuroncore": "aws_neuron",
}
"""Kubernetes extended resources requested by accelerator workloads."""


def weight_format(name: str) -> str | None:
    lowered = name.lower()
    for suffix, option in WEIGHT_SUFFIXES:
        if lowered.endswith(suffix):
            return option
    return None


def runtime_of_image(image: str) -> str | None:
    lowered = image.lower()
    for part, option in IMAGES:
        if part in lowered:
            return option
    return None


_PERMISSIVE = {
    "apache-2.0",
    "mit",
    "bsd",
    "bsd-2-clause",
    "bsd-3-clause",
    "isc",
    "unlicense",
    "cc0-1.0",
    "cc-by-4.0",
    "cc-by-sa-4.0",
    "openrail",
    "bigscience-openrail-m",
    "creativeml-openrail-m",
    "openrail++",
    "mpl-2.0",
    "afl-3.0",
    "artistic-2.0",
    "bsl-1.0",
    "ecl-2.0",
    "wtfpl",
    "zlib",
    "pddl",
    "odc-by",
    "cc-by-3.0",
    "cc-by-2.0",
}
_RESTRICTED_PREFIXES = (
    "llama",
    "gemma",
    "deepseek",
    "qwen",
    "falcon",
    "bigcode-openrail",
    "apple-ascl",
    "intel-research",
    "lgpl",
    "gpl",
    "agpl",
    "h-research",
)


def licence_option(licence: str) -> str | None:
    """A licence id (the Hub's, or SPDX) as a `portability.weights_licence` option."""
    lowered = licence.strip().lower()
    if "-nc" in lowered or "noncommercial" in lowered or "non-commercial" in lowered:
        return "non_commercial"
    if lowered in _PERMISSIVE:
        return "permissive"
    if lowered.startswith(_RESTRICTED_PREFIXES):
        return "open_restricted"
    return None
