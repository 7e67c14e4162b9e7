"""The layers point one way (docs/architecture.md), checked by import-linter like `make lint` does,
and the reactions between them are connected once, by the app factory."""
from pathlib import Path

import grimp
from importlinter import api  # noqa: F401  (configures import-linter's adapters)
from importlinter.application.use_cases import lint_imports

from app import create_app
from app.common import signals, signoff

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_in_pyproject_are_kept(capsys):
    kept = lint_imports(config_filename=str(ROOT / "pyproject.toml"), cache_dir=None, no_logo=True)
    assert kept, capsys.readouterr().out


def test_only_the_entry_points_import_the_app_factory():
    """`app` itself is the factory: the domains are built by it, never the other way round."""
    graph = grimp.build_graph("app", "bench", cache_dir=None)
    assert {module for module in graph.find_modules_that_directly_import("app")
            if not module.startswith("bench.")} == set()


def test_building_the_app_again_connects_each_reaction_once(app):
    create_app("testing")
    create_app("testing")
    assert {signal.name: len(signal.receivers) for signal in (
        signals.challenge_closed, signals.challenge_followers, signals.proposal_selected, signals.language_chosen)} \
        == {"challenge-closed": 1, "challenge-followers": 1, "proposal-selected": 1, "language-chosen": 1}
    assert {name for name in signoff._actions if name.startswith("proposal.")} == {
        "proposal.shortlist", "proposal.decline", "proposal.request_revision", "proposal.select"}
    assert {"award.approve", "tranche.release"} <= set(signoff._actions)
