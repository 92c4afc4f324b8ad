"""``convert_text``: an Argo YAML stream -> a tiphys Python module.

Steps: parse the stream (:mod:`tiphys.compile.yaml_in`, which keeps line numbers); validate each
Argo document (schema and semantic checks; invalid documents are refused with the validator's
diagnostics); write one decorated function per template and one workflow object per document
(other kinds become ``RawDocument({...})``); then *verify*: run the generated module, compile
each workflow and compare it with the YAML. Whatever the typed forms did not reproduce exactly
goes to ``patch=`` (reported), and a ``dag``/``steps`` body that cannot be written as calls is
written into ``patch=`` whole. The loop ends when the output equals the input.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import itertools
import linecache
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tiphys.argo.names import kebab
from tiphys.compile.yaml_in import LoadedDocument, load_documents
from tiphys.convert.graph import REF as REF_PREFIX
from tiphys.convert.graph import graph_body, graph_calls, register_refs
from tiphys.convert.model import Block, Conversion, DocContext, Module
from tiphys.convert.pywriter import Names, identifier, literal
from tiphys.convert.residual import combine, residual
from tiphys.convert.server import without_server_fields
from tiphys.convert.templates import CALL_NAMES, convert_template, scalar_text
from tiphys.convert.volumes import plan_volumes
from tiphys.convert.workflow import KIND_CLASSES, workflow_code
from tiphys.errors import CompileError, ConvertError, Diagnostic, Location, TiphysError

__all__ = ["convert_text", "run_source"]

ARGO_KINDS = ("Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow")
_MAX_PASSES = 8
VOLUMES = "#volumes"  # the block key of a document's Volume objects
REFS = "#refs"  # the block key of a document's template_ref(...) variables
_counter = itertools.count()


def _error(code: str, file: str, line: int, path: str, message: str) -> ConvertError:
    return ConvertError(Diagnostic(code, message, location=Location(file, line), path=path))


def _kind(doc: Mapping[str, Any]) -> str:
    kind = doc.get("kind")
    return kind if isinstance(kind, str) else ""


def _workflow_spec(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    """The spec holding the templates (``spec``, or a CronWorkflow's ``spec.workflowSpec``)."""
    spec = doc.get("spec")
    spec = spec if isinstance(spec, Mapping) else {}
    if _kind(doc) == "CronWorkflow":
        inner = spec.get("workflowSpec")
        return inner if isinstance(inner, Mapping) else {}
    return spec


_YAML_TYPES = {bool: "boolean", int: "number", float: "number", list: "list", dict: "mapping"}


def _check_shape(loaded: LoadedDocument) -> None:
    """Refuse what the writer cannot read at all (before validation, which assumes shapes)."""
    doc = loaded.doc
    base = "spec"
    spec = doc.get("spec")
    if isinstance(spec, Mapping) and _kind(doc) == "CronWorkflow":
        base, spec = "spec.workflowSpec", spec.get("workflowSpec")
    if not isinstance(spec, Mapping):
        raise _error("C164", loaded.file, loaded.line_of(base), base, f"{base} must be a mapping")
    templates = spec.get("templates", [])
    if not isinstance(templates, list):
        path = f"{base}.templates"
        raise _error("C164", loaded.file, loaded.line_of(path), path, f"{path} must be a list")
    for i, template in enumerate(templates):
        path = f"{base}.templates[{i}]"
        name = template.get("name") if isinstance(template, Mapping) else None
        if name is not None and not isinstance(name, str):
            path += ".name"
            raise _error(
                "C164",
                loaded.file,
                loaded.line_of(path),
                path,
                "template name must be a string (quote it); YAML reads this one as the "
                f"{_YAML_TYPES.get(type(name), type(name).__name__)}"
                + ("" if isinstance(name, Mapping | list) else f" {scalar_text(name)}"),
            )
        if not isinstance(template, Mapping) or not isinstance(name, str):
            raise _error(
                "C164",
                loaded.file,
                loaded.line_of(path),
                path,
                "each template must be a mapping with a name",
            )


def _validate(loaded: LoadedDocument) -> None:
    from tiphys.validate import validate_document

    try:
        found = validate_document(loaded.doc, file=loaded.file, line_of=loaded.line_of)
    except Exception as exc:  # a validator bug must not become a traceback here
        raise _error(
            "C164",
            loaded.file,
            loaded.line,
            "",
            f"the document could not be validated ({type(exc).__name__}: {exc}); check its "
            "shape with tiphys lint",
        ) from None
    problems = [d for d in found if d.severity == "error"]
    if problems:
        raise ConvertError(problems)


def _reachable(ctx: DocContext, roots: list[str]) -> set[str]:
    seen: set[str] = set()
    stack = [r for r in roots if r in ctx.templates]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in ctx.fallback:
            continue
        stack += [c for c in graph_calls(ctx.templates[name]) if c in ctx.templates]
    return seen


def _register_inline(ctx: DocContext, module: Module) -> None:
    """Give each task's ``inline`` template a name and a variable, as if it were declared."""
    taken = set(ctx.templates)
    for parent, template in list(ctx.templates.items()):
        tasks: list[tuple[str, Any]] = []
        dag = template.get("dag")
        if isinstance(dag, Mapping) and isinstance(dag.get("tasks"), list):
            tasks = [(f"dag.tasks[{i}]", t) for i, t in enumerate(dag["tasks"])]
        elif isinstance(template.get("steps"), list):
            for g, group in enumerate(template["steps"]):
                for i, step in enumerate(group if isinstance(group, list) else []):
                    tasks.append((f"steps[{g}][{i}]", step))
        for where, task in tasks:
            body = task.get("inline") if isinstance(task, Mapping) else None
            if not isinstance(body, Mapping) or not isinstance(task.get("name"), str):
                continue
            name, n = str(task["name"]), 1
            while name in taken:
                n += 1
                name = f"{task['name']}-{n}"
            taken.add(name)
            ctx.templates[name] = {"name": name, **body}
            ctx.paths[name] = f"{ctx.paths[parent]}.{where}.inline"
            ctx.variables[name] = module.names.take(name, fallback="template")
            ctx.inline[name] = parent
            ctx.inline_of[id(task)] = name


BODY_IMPORTS = frozenset(
    {"parallel", "Sequence", "Artifact", "ArtifactGC", "Param", "Annotated", "Literal"}
)
"""Imported names a ``dag``/``steps`` function (body or signature) may read."""


def _reserve_body_names(ctx: DocContext) -> None:
    """Fill ``ctx.reserved``: the names each ``dag``/``steps`` body reads (the variables of the
    templates it calls, and :data:`BODY_IMPORTS`), which its parameters must not shadow."""
    for name, template in ctx.templates.items():
        if "dag" not in template and "steps" not in template:
            continue
        called = {ctx.variables[c] for c in graph_calls(template) if c in ctx.variables}
        called |= {ctx.variables[n] for n, parent in ctx.inline.items() if parent == name}
        called |= {ref[len(REF_PREFIX) :] for ref in ctx.ref_of.values()}
        ctx.reserved[name] = called | BODY_IMPORTS | CALL_NAMES


def _document_variable(module: Module, doc: Mapping[str, Any]) -> str:
    found = doc.get("metadata")
    meta: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    kind_word = re.sub(r"(?<!^)(?=[A-Z])", "_", str(doc.get("kind") or "document")).lower()
    base = str(meta.get("name") or meta.get("generateName") or kind_word).rstrip("-")
    if not module.names.free(identifier(base, fallback="document")):
        # Named like one of its templates (often the entrypoint): say what it is instead.
        base = f"{base}_{kind_word}"
    return module.names.take(base, fallback="document")


def _write_document(module: Module, loaded: LoadedDocument, state: dict[str, Any]) -> DocContext:
    doc = loaded.doc
    ctx = DocContext(
        index=loaded.index,
        file=loaded.file,
        line_of=loaded.line_of,
        base="spec",
        module=module,
        residual=state.setdefault("residual", {}),
        fallback=state.setdefault("fallback", set()),
        fallback_why=state.setdefault("why", {}),
    )
    spec = _workflow_spec(doc)
    ctx.base = "spec.workflowSpec" if _kind(doc) == "CronWorkflow" else "spec"
    templates = spec.get("templates") or []
    for i, template in enumerate(templates):
        name = template["name"]
        ctx.templates[name] = template
        ctx.paths[name] = f"{ctx.base}.templates[{i}]"
        ctx.variables[name] = module.names.take(name, fallback="template")
    _register_inline(ctx, module)
    state["writing"] = "spec"
    ctx.volumes = plan_volumes(ctx, spec, bool(state.get("untyped_volumes")))
    if ctx.volumes.code:
        text = "".join(ctx.volumes.code.values())
        module.blocks.append(Block((loaded.index, VOLUMES), text))
    if not state.get("untyped_refs"):
        hooks = spec.get("hooks")
        refs = register_refs(ctx, list(hooks.values()) if isinstance(hooks, Mapping) else [])
        if refs:
            module.blocks.append(Block((loaded.index, REFS), "\n".join(refs) + "\n"))
    _reserve_body_names(ctx)
    for name, template in ctx.templates.items():
        if ctx.inline.get(name, "") in ctx.fallback:
            continue  # the task that runs it is written in its parent's patch=
        state["writing"] = ctx.paths[name]
        code = convert_template(ctx, template, ctx.paths[name], graph_body)
        if not code.raw and kebab(code.variable) == name:
            code.kwargs = [kw for kw in code.kwargs if kw != ("name", literal(name))]
        module.blocks.append(Block((loaded.index, name), code.text(ctx)))
    roots = [spec.get("entrypoint"), spec.get("onExit")]
    reached = _reachable(ctx, [r for r in roots if isinstance(r, str)])
    missing = state.get("missing", set())
    extra = [
        ctx.variables[n]
        for n in ctx.templates
        if (n not in reached or n in missing) and n not in ctx.inline
    ]
    state["writing"] = "spec"
    variable = _document_variable(module, doc)
    state["variable"] = variable
    module.blocks.append(Block((loaded.index, ""), workflow_code(ctx, doc, variable, extra)))
    return ctx


def _header(file: str) -> str:
    """The module docstring: one line, or a short first line and the file name apart."""
    line = f"Converted from {file} by tiphys convert."
    if len(line) <= HEADER_WIDTH:
        return line
    return f"Converted by tiphys convert.\n\nFrom {file}\n"


HEADER_WIDTH = 72
"""The longest one-line module docstring (without quotes) the converter writes."""


def _write(
    documents: list[LoadedDocument], states: dict[int, dict[str, Any]], file: str
) -> tuple[Module, list[DocContext]]:
    module = Module(header=_header(file))
    import tiphys

    module.names = Names([*tiphys.__all__, "Annotated", "Literal"])
    contexts: list[DocContext] = []
    for loaded in documents:
        state = states.setdefault(loaded.index, {})
        if _kind(loaded.doc) in KIND_CLASSES:
            try:
                contexts.append(_write_document(module, loaded, state))
            except TiphysError:
                raise
            except Exception as exc:  # a shape the validator let through
                path = state.get("writing", "spec")
                raise _error(
                    "C164",
                    loaded.file,
                    loaded.line_of(path),
                    path,
                    f"cannot read this field ({type(exc).__name__}: {exc}); fix its shape",
                ) from None
        else:
            variable = _document_variable(module, loaded.doc)
            state["variable"] = variable
            module.use("RawDocument")
            module.blocks.append(
                Block((loaded.index, ""), f"{variable} = RawDocument({literal(loaded.doc)})\n")
            )
    return module, contexts


def run_source(source: str, filename: str) -> dict[str, Any]:
    """Run generated source as a module registered in ``linecache``; return its namespace.

    Args:
        source: Python source.
        filename: The name it runs under (errors and tracebacks show it).

    Returns:
        The module's globals.
    """
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    code = compile(source, filename, "exec")
    namespace: dict[str, Any] = {"__name__": f"_tiphys_converted_{next(_counter)}"}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(code, namespace)
    return namespace


def _templates_of(manifest: Mapping[str, Any]) -> list[Any]:
    return list(_workflow_spec(manifest).get("templates") or [])


def _as_emitted(task: Any) -> Any:
    """A task or step written as tiphys writes it, where Argo reads both forms the same way:
    ``dependencies: [a, b]`` as ``depends: a && b``, ``onExit: x`` as ``hooks.exit.template``,
    an empty ``arguments`` (``{}``, empty lists) as none."""
    if not isinstance(task, Mapping):
        return task
    arguments = task.get("arguments")
    if isinstance(arguments, Mapping) and not any(arguments.values()):
        task = {k: v for k, v in task.items() if k != "arguments"}  # {} or empty lists
    deps = task.get("dependencies")
    if isinstance(deps, list) and "depends" not in task:
        task = {k: v for k, v in task.items() if k != "dependencies"}
        if deps:
            task["depends"] = " && ".join(str(d) for d in deps)
    hooks = task.get("hooks")
    if (
        isinstance(task.get("onExit"), str)
        and (hooks is None or isinstance(hooks, Mapping))
        and "exit" not in (hooks or {})
    ):
        exit_hook = {"exit": {"template": task["onExit"]}}
        task = {k: v for k, v in task.items() if k != "onExit"}
        task["hooks"] = {**(hooks or {}), **exit_hook}
    return task


ARGO_DEFAULTS: dict[str, dict[str, Any]] = {"http": {"method": "GET"}}
"""Fields of a template kind that Argo fills in when absent (``http.method``: the agent sends a
``GET``); tiphys writes them, so the comparison fills them in too."""


def _with_defaults(template: Mapping[str, Any]) -> Mapping[str, Any]:
    """The template with :data:`ARGO_DEFAULTS` filled in where absent."""
    for kind, defaults in ARGO_DEFAULTS.items():
        body = template.get(kind)
        if isinstance(body, Mapping) and any(k not in body for k in defaults):
            template = {**template, kind: {**defaults, **body}}
    return template


def _with_depends(template: Mapping[str, Any]) -> Mapping[str, Any]:
    """The template with its tasks and steps :func:`_as_emitted`, and Argo's defaults filled
    in (:func:`_with_defaults`)."""
    template = _with_defaults(template)
    dag = template.get("dag")
    if isinstance(dag, Mapping) and isinstance(dag.get("tasks"), list):
        return {**template, "dag": {**dag, "tasks": [_as_emitted(t) for t in dag["tasks"]]}}
    steps = template.get("steps")
    if isinstance(steps, list):
        groups = [[_as_emitted(s) for s in g] if isinstance(g, list) else g for g in steps]
        return {**template, "steps": groups}
    return template


def _without_templates(manifest: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(manifest)
    spec = out.get("spec")
    if not isinstance(spec, Mapping):
        return out
    if _kind(manifest) == "CronWorkflow" and isinstance(spec.get("workflowSpec"), Mapping):
        inner = {k: v for k, v in spec["workflowSpec"].items() if k != "templates"}
        out["spec"] = {**spec, "workflowSpec": inner}
    else:
        out["spec"] = {k: v for k, v in spec.items() if k != "templates"}
    return out


def _verify(
    source: str,
    spans: list[tuple[int, int, tuple[int, str]]],
    documents: list[LoadedDocument],
    states: dict[int, dict[str, Any]],
    filename: str,
) -> bool:
    """Run and compare; update ``states`` with residual patches and fallbacks.

    Returns:
        True when the generated module reproduces every document.
    """

    def block_of(diagnostic: Diagnostic) -> tuple[int, str] | None:
        if diagnostic.location.file != filename:
            return None
        for first, last, key in spans:
            if first <= diagnostic.location.line <= last:
                return key
        return None

    try:
        namespace = run_source(source, filename)
    except CompileError as exc:
        return _handle(exc, block_of, documents, states)
    except Exception as exc:
        raise _unexpected(exc, documents, spans, filename) from None
    changed = False
    for loaded in documents:
        state = states[loaded.index]
        obj = namespace.get(state["variable"])
        if _kind(loaded.doc) not in KIND_CLASSES or obj is None:
            continue
        try:
            compiled = obj.to_dict()
        except CompileError as exc:
            return _handle(exc, block_of, documents, states)
        except Exception as exc:
            raise _unexpected(exc, [loaded], spans, filename) from None
        originals = {t["name"]: t for t in _templates_of(loaded.doc)}
        produced = {t.get("name"): t for t in _templates_of(compiled)}
        for name, original in originals.items():
            if name not in produced:
                state.setdefault("missing", set()).add(name)
                continue
            gap = residual(produced[name], _with_depends(original), "template")
            if _tasks_differ(gap) and name not in state["fallback"]:
                # Calls whose tasks need patching would do nothing: write the list whole.
                state["fallback"].add(name)
                state.setdefault("why", {})[name] = _task_gap(produced[name], original)
                changed = True
                continue
            if gap:
                current = state["residual"].get(name, {})
                state["residual"][name] = combine(current, gap)
                changed = True
        has_templates = "templates" in _workflow_spec(loaded.doc)
        mine = _without_templates(compiled) if has_templates else compiled
        gap = residual(mine, _without_templates(loaded.doc))
        if gap:
            state["residual"][""] = combine(state["residual"].get("", {}), gap)
            changed = True
    return not changed


def _tasks_differ(gap: Mapping[str, Any]) -> bool:
    """Whether a template's residual touches its task list (``steps`` or ``dag.tasks``)."""
    dag = gap.get("dag")
    return "steps" in gap or (isinstance(dag, Mapping) and "tasks" in dag)


def _task_gap(produced: Mapping[str, Any], original: Mapping[str, Any]) -> str:
    """Which task the calls did not reproduce, and its differing fields (for the comment)."""

    def tasks(template: Mapping[str, Any]) -> list[Any]:
        dag = template.get("dag")
        if isinstance(dag, Mapping):
            return list(dag.get("tasks") or [])
        steps = template.get("steps") or []
        return [s for g in steps if isinstance(g, list) for s in g]

    mine, theirs = tasks(produced), tasks(_with_depends(original))
    for got, want in zip(mine, theirs, strict=False):
        if isinstance(got, Mapping) and isinstance(want, Mapping):
            fields = sorted(residual(got, want))
            if fields:
                return f"task {want.get('name')!r} compiles with a different {', '.join(fields)}"
    return f"the calls give {len(mine)} tasks for {len(theirs)}"


def _unexpected(
    exc: Exception,
    documents: list[LoadedDocument],
    spans: list[tuple[int, int, tuple[int, str]]],
    filename: str,
) -> ConvertError:
    """A non-tiphys exception while running the generated code: name the template it came
    from (the innermost generated line of the traceback)."""
    line = 0
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    key = next((k for first, last, k in spans if first <= line <= last), None)
    loaded = documents[0] if documents else None
    path = ""
    if key is not None:
        loaded = next((d for d in documents if d.index == key[0]), loaded)
        templates = _templates_of(loaded.doc) if loaded else []
        names = [t.get("name") for t in templates if isinstance(t, Mapping)]
        if key[1] in names and loaded is not None:
            base = "spec.workflowSpec" if _kind(loaded.doc) == "CronWorkflow" else "spec"
            path = f"{base}.templates[{names.index(key[1])}]"
    file = loaded.file if loaded else ""
    where = loaded.line_of(path) if loaded else 0
    return _error(
        "C165",
        file,
        where,
        path,
        f"the converted code fails ({type(exc).__name__}: {exc}); tiphys convert cannot write "
        "this document: keep it in YAML, and please report it",
    )


def _handle(
    exc: CompileError,
    block_of: Any,
    documents: list[LoadedDocument],
    states: dict[int, dict[str, Any]],
) -> bool:
    by_index = {d.index: d for d in documents}
    progressed = False
    for diagnostic in exc.diagnostics:
        key = block_of(diagnostic)
        if key is None or not key[1]:
            continue
        index, name = key
        if name in (VOLUMES, REFS):
            flag = "untyped_volumes" if name == VOLUMES else "untyped_refs"
            progressed = progressed or not states[index].get(flag)
            states[index][flag] = True
            continue
        fallback = states[index].setdefault("fallback", set())
        if name not in fallback:
            fallback.add(name)
            states[index].setdefault("why", {})[name] = diagnostic.message.rstrip(".")
            progressed = True
    if not progressed:
        first = exc.diagnostics[0]
        loaded = documents[0]
        for d in exc.diagnostics:
            key = block_of(d)
            if key is not None:
                loaded = by_index[key[0]]
                break
        raise _error(
            "C165",
            loaded.file,
            loaded.line,
            "",
            f"the converted document does not compile: {first.message}. This is a limit of "
            "tiphys convert: please report it with the YAML",
        )
    return False


def convert_documents(documents: list[LoadedDocument], file: str) -> tuple[str, list[Any]]:
    """Write and verify the module for parsed documents; return (source, report)."""
    for loaded in documents:
        kind = _kind(loaded.doc)
        if kind in ARGO_KINDS:
            _check_shape(loaded)
            _validate(loaded)
            if kind not in KIND_CLASSES:
                raise _error(
                    "C166",
                    loaded.file,
                    loaded.line_of("kind"),
                    "kind",
                    f"tiphys convert cannot write a {kind} yet; keep this document in YAML",
                )
    states: dict[int, dict[str, Any]] = {}
    filename = f"<tiphys-convert {file}>"
    source = ""
    report: list[Any] = []
    for _ in range(_MAX_PASSES):
        module, contexts = _write(documents, states, file)
        source, spans = module.render()
        report = [use for ctx in contexts for use in ctx.report]
        try:
            if _verify(source, spans, documents, states, filename):
                break
        except ConvertError:
            raise
        except TiphysError as exc:
            raise _error("C165", file, 0, "", f"the converted module failed: {exc}") from None
    return source, report


def format_source(source: str, path: str) -> tuple[str, bool]:
    """Format with ruff when it is installed, with the settings that apply to ``path`` (the
    project's ``pyproject.toml``/``ruff.toml`` found from there, ruff's defaults without
    one); return (source, formatted).

    Args:
        source: Python source.
        path: Where the source goes (the output file, or the input file for stdout); ruff
            reads its configuration from there and applies its ``exclude``.
    """
    import importlib.util
    import subprocess

    if importlib.util.find_spec("ruff") is None:
        return source, False
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--stdin-filename", path, "-"],
        input=source,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return source, False
    return done.stdout, True


def format_path(file: str, output: str | None) -> str:
    """The path whose ruff settings format the output: ``output``, else ``file`` as ``.py``
    (``stdin.py`` in the working directory for ``-``)."""
    if output and output != "-":
        return output
    if file in ("-", "<stdin>", "<string>"):
        return "stdin.py"
    return str(Path(file).with_suffix(".py"))


def convert_text(
    text: str, file: str = "<string>", *, format: bool = True, output: str | None = None
) -> Conversion:
    """Convert an Argo YAML stream to a tiphys Python module.

    Args:
        text: The YAML text (one or more documents).
        file: The file name used in errors and in the module's docstring.
        format: Format the result with ruff when ruff is installed, with the settings of
            :func:`format_path` (the project's own ruff configuration applies).
        output: Where the module will be written (``None``: stdout).

    Returns:
        The module source, the report of every field written as ``patch=``, and notes (the
        server-populated fields dropped from a ``kubectl get -o yaml`` output).

    Raises:
        ConvertError: A document is invalid (the validator's diagnostics), or cannot be
            converted (C162-C169), each located at the YAML file:line with a field path; the
            text holds no document (C168).
        CompileError: The text is not YAML (Y001) or a document is not a mapping (Y002).
    """
    documents, notes = _cleaned(load_documents(text, file), file)
    if not documents:
        raise ConvertError(
            Diagnostic(
                "C168",
                f"no documents in {file}: write an Argo manifest (apiVersion, kind, metadata, "
                "spec)",
                location=Location(file, 1),
            )
        )
    source, report = convert_documents(documents, file)
    formatted = False
    if format:
        source, formatted = format_source(source, format_path(file, output))
    return Conversion(source, report, formatted, notes)


def _cleaned(documents: list[LoadedDocument], file: str) -> tuple[list[LoadedDocument], list[str]]:
    """The workflow documents without what the API server adds (:mod:`tiphys.convert.server`),
    documents of other kinds as they are (they are emitted unchanged), and one note naming the
    server-populated fields dropped (none when there were none)."""
    out: list[LoadedDocument] = []
    dropped: list[str] = []
    for loaded in documents:
        kind = loaded.doc.get("kind")
        if not isinstance(kind, str) or kind not in KIND_CLASSES:
            out.append(loaded)
            continue
        doc, gone = without_server_fields(loaded.doc)
        out.append(dataclasses.replace(loaded, doc=doc))
        dropped += [g for g in gone if g not in dropped]
    if not dropped:
        return out, []
    return out, [
        f"{file}: note: dropped the fields the API server fills in (a manifest does not set "
        f"them): {', '.join(dropped)}"
    ]
