"""Scoring speed: one assessment in-process, and re-scoring 10,000 stored assessments.

    .venv/bin/python benchmarks/scoring.py                 # in-process only
    .venv/bin/python benchmarks/scoring.py --postgres URL  # also the 10,000-assessment rescore

Each figure is printed with a baseline measured in the same run, because this machine is
shared and noisy: absolute times alone mislead.
- In-process baseline: a straightforward recursive interpreter of the same rules and
  show_if conditions (no closures compiled ahead of time).
- Rescore baseline: the input/output floor, i.e. reading the same 10,000 assessments with
  everything scoring needs, without scoring or writing anything.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session, selectinload, sessionmaker

from service import migration
from service.assessments.models import Assessment, AssessmentStatus
from service.auth.models import Organisation
from service.catalog import service as catalog_service
from service.clients.models import Client
from service.db import create_db_engine, create_session_factory, utcnow
from service.questionnaires.answers import merge
from service.questionnaires.catalog import load_catalog
from service.questionnaires.conditions import All, AnyOf, Not, leaves
from service.questionnaires.evaluation import compile_truth
from service.questionnaires.schema import Questionnaire
from service.scores.commands import usable_cpus
from service.scores.rescore import RescoreSummary, rescore_all
from service.scoring.engine import Engine
from service.scoring.library import Library, load_library
from service.scoring.paths import candidate_values, improvement_paths
from service.vendors.models import Vendor

ROOT = Path(__file__).resolve().parent.parent / "questionnaires"
KEY = "ai-framework@2.0"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def answer_sets(engine: Engine, count: int, seed: int = 7) -> list[dict[str, Any]]:
    """Varied, valid answer sets: random answers with some unknown and some unanswered."""
    rng = random.Random(seed)
    pool = candidate_values(engine)
    sets = []
    for _ in range(count):
        answers: dict[str, Any] = {}
        for question, values in pool.items():
            roll = rng.random()
            if roll < 0.08:
                answers[question] = "unknown"
            elif roll < 0.92:
                answers[question] = rng.choice(values)
        sets.append(answers)
    return sets


def interpret(
    condition: Any, answers: Mapping[str, Any], client: Mapping[str, Any], kb: Any
) -> Any:
    """A plain recursive three-valued interpreter of a condition tree."""
    if isinstance(condition, All):
        values = [interpret(c, answers, client, kb) for c in condition.all]
        return False if False in values else (None if None in values else True)
    if isinstance(condition, AnyOf):
        values = [interpret(c, answers, client, kb) for c in condition.any]
        return True if True in values else (None if None in values else False)
    if isinstance(condition, Not):
        value = interpret(condition.not_, answers, client, kb)
        return None if value is None else not value
    return compile_truth(condition, kb)(answers, client)  # one leaf, built on the spot


def naive_score(engine: Engine, answers: Mapping[str, Any], client: Mapping[str, Any]) -> float:
    """The baseline: interpret every show_if and rule condition afresh, list fired facts."""

    def active(questionnaire: Questionnaire, given: Mapping[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for question in questionnaire.questions.values():
            shown = (
                question.show_if is None or interpret(question.show_if, result, {}, None) is True
            )
            if shown and question.id in given:
                result[question.id] = given[question.id]
        return result

    vendor, env = active(engine.vendor, answers), active(engine.client, client)
    total = 0.0
    for rule in engine.pack.rules:
        value = interpret(rule.when, vendor, env, engine.knowledge)
        if value is not False:
            total += rule.points if value else rule.unknown_points
            _ = [(leaf.subject, vendor.get(leaf.subject)) for leaf in leaves(rule.when)]
    return total


def per_call(
    fn: Callable[[dict[str, Any]], object], inputs: list[dict[str, Any]], rounds: int
) -> list[float]:
    """Median seconds per call over `rounds` passes through all inputs."""
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        for answers in inputs:
            fn(answers)
        timings.append((time.perf_counter() - start) / len(inputs))
    return timings


def old_path_search() -> ModuleType:
    """The path search as it was before trials were incremental (kept in the tests as the
    reference the new one must equal); `make bench` runs this file as a script."""
    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    return importlib.import_module("tests.scoring.reference_paths")


def in_process(library: Library) -> None:
    reference_paths = old_path_search()
    engine = library.engine(KEY)
    assert engine is not None
    client = merge(
        {}, __import__("json").loads((ROOT / "examples" / "northwind.environment.json").read_text())
    )
    inputs = answer_sets(engine, 400)
    for answers in inputs[:50]:  # warm caches (version parsing, compiled closures)
        engine.score(answers, client)
    ours = per_call(lambda a: engine.score(a, client), inputs, rounds=7)
    naive = per_call(lambda a: naive_score(engine, a, client), inputs, rounds=7)
    scored = [engine.score(a, client) for a in inputs[:100]]
    paths = per_call(
        lambda a: improvement_paths(engine, a, client, engine.score(a, client)), inputs[:100], 3
    )
    old_paths = per_call(
        lambda a: reference_paths.improvement_paths(engine, a, client, engine.score(a, client)),
        inputs[:100],
        1,
    )
    each = each_call(
        lambda a: improvement_paths(engine, a, client, engine.score(a, client)), inputs[:100]
    )
    each_old = each_call(
        lambda a: reference_paths.improvement_paths(engine, a, client, engine.score(a, client)),
        inputs[:100],
    )
    new_client = first_scores(engine, inputs, client)
    ours_ms, naive_ms = statistics.median(ours) * 1000, statistics.median(naive) * 1000
    print(f"Rules in the pack: {len(engine.pack.rules)}; questions: {len(engine.vendor.questions)}")
    print(
        f"Score one assessment (findings, bands, top reasons): median {ours_ms:.3f} ms "
        f"(min {min(ours) * 1000:.3f}, max {max(ours) * 1000:.3f})  goal <= 0.2 ms"
    )
    print(f"Baseline, recursive interpreter:                     median {naive_ms:.3f} ms")
    print(f"Ratio baseline / ours: {naive_ms / ours_ms:.1f}x")
    print(
        f"Client profile not seen before: first score (whole pack) median "
        f"{statistics.median(new_client[0]) * 1000:.3f} ms, second (pack folded for it, once) "
        f"{statistics.median(new_client[1]) * 1000:.3f} ms"
    )
    print(
        f"Score + improvement paths, mean of 100 answer sets: {min(paths) * 1000:.2f} ms "
        f"(median of the 100: {statistics.median(each) * 1000:.2f} ms); "
        f"{sum(1 for s in scored if s.findings)} of 100 had findings"
    )
    print(
        f"Baseline, the search re-scoring every candidate (tests/scoring/reference_paths.py): "
        f"mean {old_paths[0] * 1000:.2f} ms (median {statistics.median(each_old) * 1000:.2f} ms); "
        f"ratio {old_paths[0] / min(paths):.1f}x"
    )


def each_call(fn: Callable[[dict[str, Any]], object], inputs: list[dict[str, Any]]) -> list[float]:
    """Seconds for each input, once."""
    timings = []
    for answers in inputs:
        start = time.perf_counter()
        fn(answers)
        timings.append(time.perf_counter() - start)
    return timings


def first_scores(
    engine: Engine, inputs: list[dict[str, Any]], client: Mapping[str, Any]
) -> tuple[list[float], list[float]]:
    """Seconds for the first and the second score of client profiles the engine has not seen:
    the first runs the whole pack, the second folds the pack for the profile (once)."""
    first: list[float] = []
    second: list[float] = []
    for i, answers in enumerate(inputs[:200]):
        profile = {**client, "hardware_lead_time_weeks": 1000 + i}  # unique, same meaning
        for timings in (first, second):
            start = time.perf_counter()
            engine.score(answers, profile)
            timings.append(time.perf_counter() - start)
    return first, second


def bench_database(url: str) -> tuple[str, str]:
    """A fresh schema for the benchmark; returns its URL and the server version."""
    schema = "stackvet_bench"
    admin = create_db_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
        version = str(connection.execute(text("SHOW server_version")).scalar())
    admin.dispose()
    sep = "&" if "?" in url else "?"
    bench_url = f"{url}{sep}options=-csearch_path%3D{schema}"
    migration.upgrade(bench_url)
    return bench_url, version


def store_assessments(factory: sessionmaker[Session], scorer: Engine, count: int) -> None:
    """`count` submitted assessments of one client, inserted in bulk, waiting to be scored."""
    catalog = load_catalog(ROOT)
    vendor_definition, client_definition = (
        catalog.latest("ai-framework"),
        catalog.latest("client-environment"),
    )
    assert vendor_definition is not None
    assert client_definition is not None
    environment = json.loads((ROOT / "examples" / "northwind.environment.json").read_text())
    with factory.begin() as session:
        org = Organisation(name="Benchmark Agency")
        session.add(org)
        session.flush()
        vendor_q = catalog_service.publish(session, vendor_definition)
        client_q = catalog_service.publish(session, client_definition)
        client = Client(
            organisation_id=org.id,
            name="Northwind",
            environment=environment,
            environment_questionnaire_id=client_q.id,
        )
        vendor = Vendor(organisation_id=org.id, name="Vendor")
        session.add_all([client, vendor])
        session.flush()
        now = utcnow()
        ids = [uuid.uuid4() for _ in range(count)]
        rows = [
            {
                "id": ids[i],
                "series_id": ids[i],
                "conditions": [],
                "organisation_id": org.id,
                "vendor_id": vendor.id,
                "client_id": client.id,
                "questionnaire_id": vendor_q.id,
                "title": f"Assessment {i}",
                "status": AssessmentStatus.APPROVED,
                "answers": answers,
                "revision": 2,
                "created_at": now,
                "updated_at": now,
                "submitted_at": now,
            }
            for i, answers in enumerate(answer_sets(scorer, count, seed=11))
        ]
        session.execute(insert(Assessment), rows)


def read_floor(factory: sessionmaker[Session]) -> None:
    """Read everything re-scoring reads, and nothing else."""
    with factory() as session:
        query = (
            select(Assessment)
            .options(
                selectinload(Assessment.client).selectinload(Client.environment_questionnaire),
                selectinload(Assessment.questionnaire),
                selectinload(Assessment.latest_score),
            )
            .order_by(Assessment.id)
            .execution_options(yield_per=500)
        )
        for _ in session.scalars(query):
            pass


def timed_rescore(
    factory: sessionmaker[Session], library: Library, *, reuse: bool, workers: int
) -> tuple[float, RescoreSummary]:
    start = time.perf_counter()
    result = rescore_all(factory, library, reuse=reuse, workers=workers)
    return time.perf_counter() - start, result


def rescore(library: Library, url: str, count: int, *, reuse: bool, workers: int) -> None:
    bench_url, version = bench_database(url)
    engine = create_db_engine(bench_url)
    factory = create_session_factory(engine)
    scorer = library.engine(KEY)
    assert scorer is not None
    store_assessments(factory, scorer, count)
    first_s, first = timed_rescore(factory, library, reuse=reuse, workers=workers)
    second_s, second = timed_rescore(
        factory, library_with_torchserve_current(), reuse=reuse, workers=workers
    )
    start = time.perf_counter()
    read_floor(factory)
    floor_s = time.perf_counter() - start
    engine.dispose()
    print(f"PostgreSQL {version}; {count} stored assessments")
    print(f"First scoring of all:               {first_s:.1f} s ({first.rescored} records)")
    print(
        f"Re-score after a knowledge change:  {second_s:.1f} s ({second.rescored} new records, "
        f"{sum(second.band_changes.values())} band changes, "
        f"{second_s / max(second.rescored, 1) * 1000:.2f} ms each; {second.reused} scored once "
        f"for an earlier assessment's same inputs, reuse {'on' if reuse else 'off'}, "
        f"{workers} scoring process(es))  "
        "goal < 15 s for 10,000"
    )
    start = time.perf_counter()
    third = rescore_all(factory, library_with_torchserve_current(), workers=workers)
    third_s = time.perf_counter() - start
    print(
        f"Rerun with nothing changed:         {third_s:.1f} s ({third.unchanged} skipped, "
        f"{third.rescored} re-scored)"
    )
    print(f"Baseline, reading the same inputs:  {floor_s:.1f} s")
    print(f"Ratio re-score / read floor: {second_s / floor_s:.1f}x")


def library_with_torchserve_current() -> Library:
    """The shipped definitions with TorchServe marked current in the knowledge base."""
    folder = Path(tempfile.mkdtemp()) / "questionnaires"
    shutil.copytree(ROOT, folder)
    path = folder / "knowledge-base.yaml"
    data = yaml.safe_load(path.read_text())
    for entry in data["entries"]:
        if entry["id"] == "torchserve":
            entry["status"] = "current"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return load_library(folder, load_catalog(folder))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", help="PostgreSQL URL for the rescore benchmark")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument(
        "--no-reuse",
        action="store_true",
        help="score every assessment, even one with the same inputs as an earlier one of the run",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=usable_cpus(),
        help="rescore: score in this many worker processes (rescore_all(workers=...)); "
        "default: as `stackvet rescore`, the CPUs this process may use (at most 8)",
    )
    parser.add_argument(
        "--only",
        choices=("in-process", "rescore"),
        help="run only that part (rescore needs --postgres)",
    )
    args = parser.parse_args()
    print(f"Machine: {machine()}")
    library = load_library(ROOT, load_catalog(ROOT))
    if args.only != "rescore":
        in_process(library)
    if args.postgres and args.only != "in-process":
        rescore(library, args.postgres, args.count, reuse=not args.no_reuse, workers=args.workers)


if __name__ == "__main__":
    main()
