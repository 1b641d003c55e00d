"""The house shape, checked as `test_every_route_is_guarded` checks roles (issue 10).

Every service has exactly the shared package shape; no module imports another service
or ``tools``; ``domain/`` reaches no I/O library, not even through ``shared``; the
models have no import cycle; tests mirror the source. The checker is tested on trees of
its own with a misplaced module, so a green run means the rules were really applied.
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("intake", "dispatch", "complaints", "billing", "survey")

# What a service folder holds, and nothing else. "models"/"schemas" are a module or a
# package; pages/templates/static hold the department console (issue 12).
REQUIRED = {"__init__.py", "__main__.py", "app.py", "handlers.py", "api", "service", "domain",
            "models", "schemas", "migrations"}
OPTIONAL = {"pages", "templates", "static", "translations", "README.md"}
PACKAGES = {"api", "service", "domain", "pages"}
IO_LIBRARIES = {"sqlalchemy", "fastapi", "starlette", "faststream", "nats", "httpx",
                "aiosqlite", "asyncpg", "alembic", "uvicorn", "aiosmtplib", "requests"}
TEST_DIRS = {"domain", "service", "api", "pages"}
TEST_FILES = {"__init__.py", "conftest.py", "support.py"}


@dataclass(frozen=True)
class Finding:
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def _entries(folder: Path) -> dict[str, Path]:
    return {p.stem if p.suffix == ".py" and p.stem in {"models", "schemas"} else p.name: p
            for p in folder.iterdir() if p.name != "__pycache__"}


def check_shape(root: Path, service: str) -> list[Finding]:
    """The service folder has exactly the shared shape."""
    folder = root / "services" / service
    found: list[Finding] = []
    entries = _entries(folder)
    for name in sorted(REQUIRED - entries.keys()):
        found.append(Finding(f"services/{service}", f"missing {name}"))
    for name in sorted(entries.keys() - REQUIRED - OPTIONAL):
        found.append(Finding(f"services/{service}/{entries[name].name}",
                             "not part of the service shape (move it into api/, service/, "
                             "domain/, models or schemas)"))
    for name in sorted(PACKAGES & entries.keys()):
        path = entries[name]
        if not (path.is_dir() and (path / "__init__.py").exists()):
            found.append(Finding(f"services/{service}/{name}", "must be a package"))
    return found


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(root: Path, path: Path, *, top_level_only: bool = False) -> set[str]:
    """Absolute names of the modules ``path`` imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_name(root, path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    names: set[str] = set()
    nodes = tree.body if top_level_only else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                prefix = ".".join([*base, node.module] if node.module else base)
            else:
                prefix = node.module or ""
            names.add(prefix)
            names.update(f"{prefix}.{a.name}" for a in node.names)
    return names


def _source_of(root: Path, module: str) -> Path | None:
    base = root.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def reaches(root: Path, path: Path, forbidden: set[str]) -> list[str]:
    """The import chains from ``path`` (through the repository's own modules) that end in
    a forbidden top-level package."""
    chains: list[str] = []
    seen: set[Path] = set()
    stack: list[tuple[Path, list[str]]] = [(path, [_module_name(root, path)])]
    while stack:
        current, chain = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        for name in sorted(imports_of(root, current)):
            top = name.split(".")[0]
            if top in forbidden:
                chains.append(" -> ".join([*chain, name]))
            elif top in {"shared", "services"}:
                source = _source_of(root, name)
                if source is not None and source not in seen:
                    stack.append((source, [*chain, name]))
    return chains


def check_imports(root: Path, service: str) -> list[Finding]:
    """No other service, no tools; the pure domain reaches no I/O library."""
    folder = root / "services" / service
    found: list[Finding] = []
    for path in sorted(folder.rglob("*.py")):
        rel = str(path.relative_to(root))
        wrong: set[str] = set()
        for name in imports_of(root, path):
            parts = name.split(".")
            if parts[0] == "tools":
                wrong.add("tools: no service imports tools/")
            if parts[0] == "services" and len(parts) > 1 and parts[1] != service:
                wrong.add(f"services.{parts[1]}: a service never imports another")
        found.extend(Finding(rel, f"imports {w}") for w in sorted(wrong))
    for path in sorted((folder / "domain").rglob("*.py")):
        for chain in reaches(root, path, IO_LIBRARIES):
            found.append(Finding(str(path.relative_to(root)), f"domain reaches I/O: {chain}"))
    return found


def check_no_cycles(root: Path, package: Path) -> list[Finding]:
    """No import cycle among a package's modules (module-level imports)."""
    modules = {_module_name(root, p): p for p in package.rglob("*.py")}
    graph = {m: {n for n in imports_of(root, p, top_level_only=True) if n in modules and n != m}
             for m, p in modules.items()}
    found: list[Finding] = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = [*trail[trail.index(nxt):], nxt] if nxt in trail else [node, nxt]
                found.append(Finding(str(package.relative_to(root)),
                                     "import cycle " + " -> ".join(cycle)))
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    return found


def check_tests(root: Path, service: str) -> list[Finding]:
    """``tests/<service>/`` mirrors the source: domain/, service/, api/ and one support."""
    folder = root / "tests" / service
    found: list[Finding] = []
    for entry in sorted(p for p in folder.iterdir() if p.name != "__pycache__"):
        rel = str(entry.relative_to(root))
        if entry.is_dir():
            if entry.name not in TEST_DIRS:
                found.append(Finding(rel, "tests live in domain/, service/ or api/"))
        elif entry.name not in TEST_FILES:
            found.append(Finding(rel, "move into domain/, service/ or api/ (support code: "
                                      "support.py)"))
    for sub in TEST_DIRS - {"pages"}:  # pages/ only where the service has a console
        if not (folder / sub).is_dir():
            found.append(Finding(f"tests/{service}", f"missing {sub}/"))
    return found


def check_service(root: Path, service: str) -> list[Finding]:
    folder = root / "services" / service
    found = check_shape(root, service) + check_imports(root, service)
    models = folder / "models"
    if models.is_dir():
        found += check_no_cycles(root, models)
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_service_has_the_house_shape(service: str) -> None:
    findings = check_service(ROOT, service)
    assert not findings, "\n".join(map(str, findings))


@pytest.mark.parametrize("service", SERVICES)
def test_tests_mirror_the_source(service: str) -> None:
    findings = check_tests(ROOT, service)
    assert not findings, "\n".join(map(str, findings))


def test_shared_and_tools_stay_apart() -> None:
    findings = []
    for path in sorted((ROOT / "shared").rglob("*.py")):
        for name in imports_of(ROOT, path):
            if name.split(".")[0] in {"services", "tools"}:
                findings.append(Finding(str(path.relative_to(ROOT)), f"imports {name}"))
    assert not findings, "\n".join(map(str, findings))


# --- the checker itself -------------------------------------------------------------

def _tree(tmp: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp


def _good_service(name: str) -> dict[str, str]:
    base = f"services/{name}"
    files = {f"{base}/{f}": "" for f in ("__init__.py", "__main__.py", "app.py", "handlers.py",
                                         "models.py", "schemas.py", "migrations/env.py")}
    for pkg in ("api", "service", "domain"):
        files[f"{base}/{pkg}/__init__.py"] = ""
    files[f"{base}/domain/rules.py"] = "from shared.rules import RuleBroken\n"
    files["services/__init__.py"] = ""
    files["shared/__init__.py"] = ""
    files["shared/rules.py"] = "class RuleBroken(Exception): ...\n"
    files["shared/db.py"] = "import sqlalchemy\n"
    return files


def test_checker_passes_a_well_shaped_service(tmp_path: Path) -> None:
    root = _tree(tmp_path, _good_service("alpha"))
    assert check_service(root, "alpha") == []


def test_checker_finds_a_misplaced_module(tmp_path: Path) -> None:
    root = _tree(tmp_path, {**_good_service("alpha"), "services/alpha/store.py": ""})
    assert [f.where for f in check_service(root, "alpha")] == ["services/alpha/store.py"]


def test_checker_finds_a_missing_package(tmp_path: Path) -> None:
    files = {k: v for k, v in _good_service("alpha").items() if "/service/" not in k}
    root = _tree(tmp_path, files)
    assert [f.what for f in check_service(root, "alpha")] == ["missing service"]


def test_checker_finds_io_reached_from_the_domain_through_shared(tmp_path: Path) -> None:
    root = _tree(tmp_path, {**_good_service("alpha"),
                            "services/alpha/domain/rules.py": "from shared.db import x\n"})
    findings = check_service(root, "alpha")
    assert len(findings) == 1 and "shared.db -> sqlalchemy" in findings[0].what


def test_checker_finds_a_service_importing_another(tmp_path: Path) -> None:
    root = _tree(tmp_path, {**_good_service("alpha"), **_good_service("beta"),
                            "services/alpha/api/__init__.py": "from services.beta import app\n",
                            "services/beta/service/__init__.py": "import tools.launcher\n"})
    assert [f.where for f in check_service(root, "alpha")] == ["services/alpha/api/__init__.py"]
    assert [f.where for f in check_service(root, "beta")] == ["services/beta/service/__init__.py"]


def test_checker_finds_a_models_cycle(tmp_path: Path) -> None:
    files = {k: v for k, v in _good_service("alpha").items() if not k.endswith("models.py")}
    files.update({"services/alpha/models/__init__.py": "from .a import A\n",
                  "services/alpha/models/a.py": "from .b import B\n",
                  "services/alpha/models/b.py": "from .a import A\n"})
    root = _tree(tmp_path, files)
    assert any("import cycle" in f.what for f in check_service(root, "alpha"))


def test_checker_finds_a_test_outside_the_mirror(tmp_path: Path) -> None:
    files = {f"tests/alpha/{d}/__init__.py": "" for d in TEST_DIRS}
    files["tests/alpha/test_loose.py"] = ""
    files["tests/alpha/support.py"] = ""
    root = _tree(tmp_path, files)
    assert [f.where for f in check_tests(root, "alpha")] == ["tests/alpha/test_loose.py"]
