"""`stackvet score`, `stackvet rules test` and `stackvet rescore`."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from service.catalog.schemas import QuestionnaireRef
from service.config import get_settings
from service.db import create_db_engine, create_session_factory
from service.questionnaires.answers import check_answers
from service.questionnaires.catalog import Catalog
from service.questionnaires.loader import DefinitionError
from service.questionnaires.schema import Questionnaire
from service.scores.presenters import unstored
from service.scores.rescore import AssessmentChanges, RescoreSummary, count_scored, rescore_all
from service.scores.schemas import ScoreRead
from service.scoring.cases import load_cases, run_case
from service.scoring.library import Library

Definitions = Callable[[], tuple[Catalog, Library]]


def register(main: click.Group, definitions: Definitions) -> None:
    main.add_command(_score_command(definitions))
    main.add_command(_rules_group(definitions))
    main.add_command(_rescore_command(definitions))


def _score_command(definitions: Definitions) -> click.Command:
    @click.command("score")
    @click.argument("answers", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option(
        "--client",
        "client_file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="The client's environment (answers to client-environment) as JSON.",
    )
    @click.option("--questionnaire", default="ai-framework", show_default=True)
    @click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON.")
    def score(answers: Path, client_file: Path | None, questionnaire: str, as_json: bool) -> None:
        """Score an answers file offline (no database) and print a table or JSON."""
        catalog, library = definitions()
        result = score_files(catalog, library, questionnaire, answers, client_file)
        if as_json:
            click.echo(result.model_dump_json(indent=2))
        else:
            click.echo(score_table(result))

    return score


def score_files(
    catalog: Catalog,
    library: Library,
    questionnaire: str,
    answers_file: Path,
    client_file: Path | None,
) -> ScoreRead:
    definition = catalog.latest(questionnaire)
    key = f"{definition.slug}@{definition.version}" if definition else questionnaire
    loaded, engine = library.pack_for(key), library.engine(key)
    if definition is None or loaded is None or engine is None:
        raise click.ClickException(f"No questionnaire with a rule pack called '{questionnaire}'.")
    answers, client = _read_json(answers_file), _read_json(client_file) if client_file else {}
    problems = _answer_problems(engine.vendor, answers) + _answer_problems(engine.client, client)
    if problems:
        raise click.ClickException("invalid answers:\n  " + "\n  ".join(problems))
    environment = catalog.latest(loaded.pack.environment.split("@")[0])
    assert environment is not None
    return unstored(
        engine.score(answers, client),
        engine,
        library,
        QuestionnaireRef(
            slug=definition.slug, version=definition.version, content_hash=definition.content_hash
        ),
        QuestionnaireRef(
            slug=environment.slug,
            version=environment.version,
            content_hash=environment.content_hash,
        ),
        answers,
        client,
    )


def _answer_problems(questionnaire: Questionnaire, answers: dict[str, Any]) -> list[str]:
    return [f"{p.question}: {p.message}" for p in check_answers(questionnaire, answers)]


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"{path}: {exc}") from exc
    if not isinstance(data, dict):
        raise click.ClickException(f"{path}: expected a JSON object of answers by question id")
    return data


def score_table(result: ScoreRead) -> str:
    currency, risk = result.technical_currency, result.integration_risk
    lines = [
        f"Technical currency  {currency.score:>3}/100  {currency.band}",
        f"Integration risk    {risk.score:>3}/100  {risk.band}",
        f"Recommendation      {result.recommendation.value.replace('_', ' ')}",
        f"Completeness        {result.completeness.ratio:.0%} of visible questions known",
        "",
    ]
    lines += _root_lines(result) + _to_confirm_lines(result)
    if result.client_profile is not None and not result.client_profile.complete:
        assumed = ", ".join(a.label for a in result.client_profile.assumed)
        lines += ["", f"{result.client_profile.summary} (not counted): {assumed}"]
    if result.improvement_paths:
        lines += ["", "Improvement paths"]
        lines += [f"  - {path.summary}" for path in result.improvement_paths]
    return "\n".join(lines)


def _root_lines(result: ScoreRead) -> list[str]:
    """Verified findings, one line per root with its contributing rules."""
    if not result.root_findings:
        return ["No verified findings: no confirmed answer counts against this vendor."]
    lines = [f"{'Dimension':<10} {'Severity':<9} {'Points':>6}  Finding"]
    for root in result.root_findings:
        dimension = "currency" if root.dimension == "technical_currency" else "risk"
        rules = ", ".join(root.rule_ids)
        lines.append(
            f"{dimension:<10} {root.severity.value:<9} {root.points:>6g}  {root.title} [{rules}]"
        )
    return lines


def _to_confirm_lines(result: ScoreRead) -> list[str]:
    if not result.to_confirm:
        return []
    lines = ["", "To confirm (unknown answers, counted against the vendor until answered)"]
    for item in result.to_confirm:
        flag = "  could decide the verdict" if item.blocking else ""
        lines.append(f"  - {item.label} [{item.question}]{flag}")
    return lines


def _rules_group(definitions: Definitions) -> click.Group:
    @click.group("rules")
    def rules() -> None:
        """Rule packs."""

    @rules.command("test")
    def test_rules() -> None:
        """Run every rule pack's own cases; exit 1 if any fails."""
        _, library = definitions()
        root = get_settings().definitions_dir
        failures = 0
        for key, loaded in library.packs.items():
            engine = library.engine(key)
            assert engine is not None
            try:
                cases = load_cases(root, loaded)
            except DefinitionError as exc:
                raise click.ClickException(str(exc)) from exc
            for case in cases:
                result = run_case(engine, case)
                failures += not result.passed
                click.echo(f"{'PASS' if result.passed else 'FAIL'}  {key}  {case.name}")
                for failure in result.failures:
                    click.echo(f"        {failure}")
        click.echo("all cases pass" if not failures else f"{failures} case(s) failed")
        sys.exit(1 if failures else 0)

    return rules


def _rescore_command(definitions: Definitions) -> click.Command:
    @click.command("rescore")
    @click.option("--force", is_flag=True, help="Re-score even when no input has changed.")
    @click.option(
        "--workers",
        type=click.IntRange(1, 64),
        default=usable_cpus,
        show_default="the CPUs this process may run on",
        help="Score in this many worker processes (the database work stays in this one).",
    )
    def rescore(force: bool, workers: int) -> None:
        """Re-score every scored assessment with today's rules and knowledge base."""
        _, library = definitions()
        engine = create_db_engine(get_settings().database_url)
        factory = create_session_factory(engine)
        try:
            with factory() as session:
                total = count_scored(session)
            with click.progressbar(length=total, label="Re-scoring") as bar:
                summary = rescore_all(
                    factory, library, force=force, progress=bar.update, workers=workers
                )
        finally:
            engine.dispose()
        click.echo(rescore_report(summary))

    return rescore


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity, e.g. a container's cpuset), at most 8:
    re-scoring 10,000 took 13.5-14.4 s in 2 processes against 21.6-24.1 s in 1 on 2 idle
    cores, and 23.2 against 22.2 s with one core busy elsewhere (README, Performance)."""
    try:
        count = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        count = os.cpu_count() or 1
    return max(1, min(count, 8))


def rescore_report(summary: RescoreSummary) -> str:
    """One line per assessment whose bands or recommendation moved, then the totals."""
    lines = [_assessment_line(entry) for entry in summary.changed]
    if lines:
        lines.append("")
    lines.append(
        f"{summary.examined} scored assessments examined: {summary.rescored} re-scored "
        f"(new score records), {summary.unchanged} unchanged inputs (kept as they were)."
    )
    if not summary.changed:
        lines.append("No band or recommendation changed.")
        return "\n".join(lines)
    lines.append(f"{len(summary.changed)} assessment(s) changed band or recommendation:")
    for (dimension, before, after), count in sorted(summary.band_changes.items()):
        lines.append(f"  {dimension.replace('_', ' ')}: {before} -> {after}: {count}")
    for (before, after), count in sorted(summary.recommendation_changes.items()):
        lines.append(f"  recommendation: {before} -> {after}: {count}")
    return "\n".join(lines)


def _assessment_line(entry: AssessmentChanges) -> str:
    changes = "; ".join(
        f"{c.item.replace('_', ' ')} {c.before} -> {c.after}" for c in entry.changes
    )
    return f"{entry.assessment_id}  {entry.title}: {changes}"
