"""The README and docs/ stay true: a short README with the two commands first, links that resolve, a module map
that names every module, generated tables current, numbers from the scripts that make them."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from image_resizer.variants import DEFAULT_KEY_TEMPLATE, DEFAULT_QUALITY

from tests.conftest import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
DOCS = REPO_ROOT / "docs"
GUIDES = (
    "architecture.md",
    "negotiation.md",
    "deploy.md",
    "configuration.md",
    "operations.md",
    "delivery.md",
    "cropping.md",
    "performance.md",
    "development.md",
)
PAGES = [REPO_ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
PACKAGE = REPO_ROOT / "lambda_src" / "image_resizer"


def doc(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def test_the_readme_is_short_and_every_guide_exists():
    assert len(README.encode()) <= 12 * 1024
    assert sorted(p.name for p in DOCS.glob("*.md")) == sorted(GUIDES)
    for guide in GUIDES:
        assert f"(docs/{guide})" in README, f"README does not point to docs/{guide}"


def test_quick_start_is_the_first_code_block_with_exactly_two_commands():
    first = re.search(r"```sh\n(.*?)```", README, re.DOTALL).group(1)
    commands = [line.split("#")[0].strip() for line in first.strip().splitlines()]
    assert commands == ["make demo", "make test"]


def test_the_readme_shows_the_seeds_two_tests_with_terraforms_outputs():
    assert "**Test 1, console.**" in README and "**Test 2, command line**" in README
    assert "terraform output -raw api_start_url" in README and "terraform output -raw commands" in README


def github_anchor(heading: str) -> str:
    """GitHub's heading ids: lower case, punctuation dropped except hyphens, spaces to hyphens."""
    text = re.sub(r"`", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL)
    return {github_anchor(h) for h in re.findall(r"^#{1,6} (.+)$", text, re.MULTILINE)}


def relative_links(page: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL)
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    return [t for t in targets if not re.match(r"[a-z]+:", t)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(REPO_ROOT).as_posix())
def test_every_relative_link_resolves(page):
    for link in relative_links(page):
        path, _, anchor = link.partition("#")
        target = (page.parent / path).resolve() if path else page
        assert target.exists(), f"{page.name}: {link} does not exist"
        if anchor:
            assert target.suffix == ".md", f"{page.name}: {link} has an anchor into a file that is not Markdown"
            assert anchor in anchors(target), f"{page.name}: {link} names no heading of {target.name}"


def test_a_broken_link_is_caught(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n[a](missing.md) [b](#title) [c](#nowhere)\n", encoding="utf-8")
    assert relative_links(page) == ["missing.md", "#title", "#nowhere"]
    assert "title" in anchors(page) and "nowhere" not in anchors(page)


def test_the_architecture_page_names_every_module_and_terraform_module():
    architecture = doc("architecture.md")
    modules = sorted(p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)
    assert len(modules) > 30
    missing = [m for m in modules if f"`{m}`" not in architecture]
    assert not missing, f"docs/architecture.md does not name {missing}"
    terraform_modules = sorted(p.name for p in (REPO_ROOT / "modules").iterdir() if (p / "main.tf").exists())
    assert "cdn" in terraform_modules
    assert not [m for m in terraform_modules if f"`modules/{m}`" not in architecture]


def test_every_make_target_mentioned_exists():
    makefile = (REPO_ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z-]+):", makefile, re.MULTILINE))
    mentioned = {t for page in PAGES for t in re.findall(r"`make ([a-z-]+)", page.read_text(encoding="utf-8"))}
    assert mentioned and mentioned <= targets


def test_cost_tables_are_what_the_cost_model_prints():
    table = subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "scripts" / "cost_model.py"),
            "--durations",
            str(REPO_ROOT / "benchmarks" / "results" / "bench_resize.json"),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert table in doc("performance.md")


def test_variant_defaults_match_the_code():
    configuration = doc("configuration.md")
    assert f"| {DEFAULT_QUALITY} |" in configuration and f"`{DEFAULT_KEY_TEMPLATE}` |" in configuration


def test_documented_provider_version_is_the_validated_one():
    from pipeline_dev.provider_schema import PROVIDER_VERSION

    assert f"hashicorp/aws **{PROVIDER_VERSION}** provider schema" in doc("development.md")


def test_every_error_type_is_documented():
    from image_resizer import errors

    for cls in (*errors.PERMANENT_ERRORS, *errors.RETRYABLE_ERRORS):
        assert f"`{cls.__name__}`" in doc("operations.md"), cls.__name__
