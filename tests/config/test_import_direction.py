"""Coupling is visible (STYLE "Dependencies point one way"): paylater | refunds | logistics →
merchants → config, the three siblings never import each other, and no setting hides an edge by
naming a function with a dotted path. `config/urls.py` and `config/api/*_urls.py` name the apps in
`include("…")` strings and settings name them in INSTALLED_APPS: that is the composition root,
not an import."""
import ast
import fnmatch
from pathlib import Path

from django.utils.module_loading import import_string

ROOT = Path(__file__).resolve().parents[2]
SIBLINGS = {"paylater", "refunds", "logistics"}
# What each layer must not import.
FORBIDDEN = {
    "config": {"merchants"} | SIBLINGS,
    "merchants": SIBLINGS,
    **{app: SIBLINGS - {app} for app in SIBLINGS},
}
IMPORTING_CALLS = {"import_module", "import_string", "__import__"}


def project_files():
    for layer in FORBIDDEN:
        for path in sorted((ROOT / layer).rglob("*.py")):
            if "migrations" not in path.relative_to(ROOT).parts:
                yield layer, path


def imported_modules(tree: ast.AST):
    """(line, module) for every absolute import, and every module named to import_module() and
    the like (a hidden import is still an import)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in IMPORTING_CALLS and isinstance(node.args[0].value, str):
                yield node.lineno, node.args[0].value


def violations():
    found = []
    for layer, path in project_files():
        for line, module in imported_modules(ast.parse(path.read_text(), filename=str(path))):
            if module.split(".")[0] in FORBIDDEN[layer]:
                found.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return found


def test_imports_point_one_way_and_siblings_never_import_each_other():
    assert violations() == []


def test_the_check_sees_a_backwards_import():
    tree = ast.parse("def f():\n    from paylater.services import x\n    import_module('refunds.tasks')\n")
    assert [m for _line, m in imported_modules(tree)] == ["paylater.services", "refunds.tasks"]


# --- settings that name code ------------------------------------------------------------------
# Standard Django / DRF / drf-spectacular / Celery settings whose very purpose is to name a class
# or function; anything else naming a callable by dotted path hides a dependency from readers.
ALLOWED_SETTINGS = [
    "INSTALLED_APPS", "MIDDLEWARE", "WSGI_APPLICATION", "ROOT_URLCONF", "DEFAULT_AUTO_FIELD", "PASSWORD_HASHERS",
    "TEMPLATES/BACKEND", "TEMPLATES/OPTIONS/context_processors", "AUTH_PASSWORD_VALIDATORS/NAME",
    "STORAGES/*/BACKEND", "LOGGING/handlers/*/class", "CELERY_BEAT_SCHEDULER",
    "REST_FRAMEWORK/DEFAULT_*", "REST_FRAMEWORK/EXCEPTION_HANDLER",
    "SPECTACULAR_SETTINGS/ENUM_NAME_OVERRIDES/*", "SPECTACULAR_SETTINGS/POSTPROCESSING_HOOKS",
    "AUTHENTICATION_BACKENDS", "CACHES/*/BACKEND",
    # django-axes asks for the client-IP function by path; it is config's own (no app edge)
    "AXES_CLIENT_IP_CALLABLE",
]


def setting_strings(node: ast.AST, path: tuple = ()):
    """(setting path, string) for every string literal assigned to an UPPER_CASE setting."""
    if isinstance(node, ast.Module):
        for stmt in node.body:
            yield from setting_strings(stmt, path)
    elif isinstance(node, ast.Assign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if isinstance(target, ast.Name) and target.id.isupper() and node.value is not None:
                yield from setting_strings(node.value, (target.id,))
    elif isinstance(node, ast.If):
        for stmt in node.body + node.orelse:
            yield from setting_strings(stmt, path)
    elif isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values):
            name = key.value if isinstance(key, ast.Constant) else "?"
            yield from setting_strings(value, path + (str(name),))
    elif isinstance(node, ast.List | ast.Tuple | ast.Set):
        for element in node.elts:
            yield from setting_strings(element, path)
    elif isinstance(node, ast.Constant) and isinstance(node.value, str) and path:
        yield "/".join(path), node.value


def names_a_callable(value: str) -> bool:
    if "." not in value or " " in value:
        return False
    try:
        return callable(import_string(value))
    except ImportError:
        return False


def test_no_setting_names_a_function_by_dotted_path():
    hidden = []
    for path in sorted((ROOT / "config" / "settings").glob("*.py")):
        for setting, value in setting_strings(ast.parse(path.read_text())):
            if names_a_callable(value) and not any(fnmatch.fnmatchcase(setting, p) for p in ALLOWED_SETTINGS):
                hidden.append(f"{path.name}: {setting} = {value!r}")
    assert hidden == []


def test_the_settings_check_sees_a_dotted_path_to_a_function():
    tree = ast.parse('CREDIT_METRIC_PROVIDERS = ["logistics.selectors.credit_metrics"]\n'
                     'MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]\n')
    found = [(s, v) for s, v in setting_strings(tree) if names_a_callable(v)
             and not any(fnmatch.fnmatchcase(s, p) for p in ALLOWED_SETTINGS)]
    assert found == [("CREDIT_METRIC_PROVIDERS", "logistics.selectors.credit_metrics")]
