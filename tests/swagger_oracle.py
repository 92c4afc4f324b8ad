"""A contract oracle for Argo Server requests and responses: Argo v4.1.2's ``swagger.json``.

``swagger.json`` (in ``../shared/argo/``, found and skipped/failed by
:func:`schema_oracle.shared_argo`) is Swagger 2.0, so bodies are validated with ``jsonschema``'s
``Draft4Validator`` against ``{"$ref": "#/definitions/<Name>", "definitions": ...}``, with these
adjustments:

- ``IntOrString`` accepts a string or an integer (the file types it as string only; NOTES.md);
- every object definition (and inline operation schema, such as a stream message) that declares
  ``properties`` and no ``additionalProperties`` gets
  ``additionalProperties: false``, so misspelt fields are errors (request wrappers such as
  ``WorkflowCreateRequest`` included: ``{"namespace", "workflow", "serverDryRun", ...}``), except
  ``google.protobuf.Any``, whose JSON form is ``{"@type": ..., <fields>}``;
- in **responses** only, an ``array`` may be ``null``: Go marshals a nil slice as ``null`` and
  Swagger 2.0 cannot say "nullable", so the real server's empty list ``{"items": null}`` is valid
  although ``WorkflowList`` requires ``items`` of type array. Likewise a k8s ``Time`` or
  ``MicroTime`` may be ``null`` (a zero ``metav1.Time`` marshals as ``null``: a running
  workflow's ``"status": {"finishedAt": null}``). Requests stay strict;
- ``/artifact-files/``'s ``idDiscriminator`` is ``workflows`` or ``archived-workflows``, what
  the server's handler accepts, not the proto enum (:data:`ARTIFACT_ID_DISCRIMINATORS`).

Query values are strings, as on the wire: ``boolean`` must be ``true``/``false``, ``integer``
and ``string``/``int64`` a decimal integer, enums one of their values; a parameter given as a
list must be an ``array`` (``collectionFormat: multi``) parameter.

Stream endpoints (``(streaming responses)``: workflow events, logs, ...) declare one message of
the stream, ``{"result": ..., "error": StreamError}``, as their 200 schema;
:func:`response_problems` checks one such message and requires ``result`` or ``error``.

Problems are ``"<where>: <message>"`` strings, where ``<where>`` is ``path.<param>``,
``query.<name>``, ``body[.<field path>]`` (the request body) or ``response[.<field path>]``.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import functools
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import unquote

from schema_oracle import INT_OR_STRING, shared_argo
from tiphys.argo.paths import format_path

PROTOBUF_ANY = "google.protobuf.Any"
K8S_TIMES = (
    "io.k8s.apimachinery.pkg.apis.meta.v1.Time",
    "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime",
)
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_INTEGER = re.compile(r"-?[0-9]+")


class UnknownOperation(LookupError):
    """No operation of ``swagger.json`` matches a method and a concrete path."""


@dataclasses.dataclass(frozen=True)
class Operation:
    """One Swagger operation matched to a concrete path.

    Attributes:
        method: Upper-case HTTP method (``"GET"``).
        template: The Swagger path template (``/api/v1/workflows/{namespace}/{name}``).
        operation_id: Swagger ``operationId`` (``WorkflowService_GetWorkflow``).
        path_params: The concrete path's values by template name (percent-decoded).
        stream: Whether the 200 response is a stream of ``{"result", "error"}`` messages.
    """

    method: str
    template: str
    operation_id: str
    path_params: Mapping[str, str]
    stream: bool

    @property
    def spec(self) -> Mapping[str, Any]:
        """The raw Swagger operation object."""
        spec: Mapping[str, Any] = _swagger()["paths"][self.template][self.method.lower()]
        return spec


#: The ``idDiscriminator`` values the Argo Server really serves on ``/artifact-files/...``.
#: That route is a plain HTTP handler (``server/artifacts/artifact_server.go``
#: GetArtifactFile: ``switch archiveDiscriminator { case "workflows": ... case
#: "archived-workflows": ... default: 400 }``), not the gateway: the proto enum in
#: swagger.json (``workflow``) is refused with 400 by the server, and the UI sends ``workflows``.
ARTIFACT_ID_DISCRIMINATORS = ["workflows", "archived-workflows"]


@functools.cache
def _swagger() -> dict[str, Any]:
    swagger: dict[str, Any] = json.loads((shared_argo() / "swagger.json").read_text())
    for item in swagger.get("paths", {}).values():
        op = item.get("get") or {}
        if op.get("operationId") == "ArtifactService_GetArtifactFile":
            for param in op.get("parameters", []):
                if param.get("name") == "idDiscriminator":
                    param["enum"] = list(ARTIFACT_ID_DISCRIMINATORS)
    return swagger


def _nullable_arrays(node: Any) -> None:
    """Let every ``type: array`` schema under ``node`` also be ``null`` (in place)."""
    if isinstance(node, dict):
        if node.get("type") == "array":
            node["type"] = ["array", "null"]
        for value in node.values():
            _nullable_arrays(value)
    elif isinstance(node, list):
        for value in node:
            _nullable_arrays(value)


@functools.cache
def _definitions(response: bool) -> dict[str, Any]:
    """The definitions with the module's adjustments (``response`` adds nullable arrays)."""
    definitions: dict[str, Any] = copy.deepcopy(_swagger()["definitions"])
    definitions[INT_OR_STRING] = {**definitions[INT_OR_STRING], "type": ["string", "integer"]}
    for name, definition in definitions.items():
        loose = "properties" in definition and "additionalProperties" not in definition
        if loose and name != PROTOBUF_ANY:
            definition["additionalProperties"] = False
    if response:
        _nullable_arrays(definitions)
        for name in K8S_TIMES:
            definitions[name] = {**definitions[name], "type": ["string", "null"]}
    return definitions


@functools.cache
def _validator(method: str, template: str, where: str, response: bool) -> Any:
    """A cached Draft 4 validator for one operation's body (``where="body"``) or response code."""
    from jsonschema import Draft4Validator

    op = _swagger()["paths"][template][method]
    if where == "body":
        schema = next(p["schema"] for p in op.get("parameters", []) if p["in"] == "body")
    else:
        schema = op["responses"][where]["schema"]
    schema = copy.deepcopy(schema)
    if "properties" in schema and "additionalProperties" not in schema:
        schema["additionalProperties"] = False  # inline stream messages
    if response:
        _nullable_arrays(schema)
    root = {"allOf": [schema], "definitions": _definitions(response)}
    return Draft4Validator(root, format_checker=Draft4Validator.FORMAT_CHECKER)


@functools.cache
def _templates() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Path templates split into segments, most specific (most literal segments) first."""
    split = [(t, tuple(t.strip("/").split("/"))) for t in _swagger()["paths"]]
    return tuple(
        sorted(split, key=lambda ts: (-sum(not _is_param(s) for s in ts[1]), -len(ts[1]), ts[0]))
    )


def _is_param(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


def _match(segments: Sequence[str], pattern: Sequence[str]) -> dict[str, str] | None:
    if len(segments) != len(pattern):
        return None
    params: dict[str, str] = {}
    for got, want in zip(segments, pattern, strict=True):
        if _is_param(want):
            if not got:
                return None
            params[want[1:-1]] = unquote(got)
        elif got != want:
            return None
    return params


def _candidates(path: str, segments: Sequence[str]) -> list[str]:
    """Up to three ``METHOD template`` strings that look like ``path``."""
    filled: dict[str, str] = {}
    for template, pattern in _templates():
        shown = [
            segments[i] if _is_param(p) and i < len(segments) else p for i, p in enumerate(pattern)
        ]
        filled["/" + "/".join(shown)] = template
    close = difflib.get_close_matches(path, list(filled), n=3, cutoff=0.6)
    paths = _swagger()["paths"]
    return [f"{'|'.join(m.upper() for m in paths[filled[c]])} {filled[c]}" for c in close]


def operation_for(method: str, path: str) -> Operation:
    """Find the Swagger operation a request targets.

    Args:
        method: HTTP method, any case (``"put"``).
        path: The concrete path as the server sees it, without query string or base href
            (``/api/v1/workflows/argo/my-wf/resubmit``); segments may be percent-encoded.

    Returns:
        The operation of the most specific matching template (most literal segments first)
        that has ``method``, as the gateway's router does.

    Raises:
        UnknownOperation: No template matches the path, or none that matches has the method;
            the message lists close candidates (``METHODS template``).
        ValueError: ``path`` holds a ``?`` or does not start with ``/``.
    """
    if "?" in path or not path.startswith("/"):
        raise ValueError(f"{path!r}: give the path alone, starting with '/' (query separately)")
    verb = method.lower()
    segments = path[1:].split("/")
    paths = _swagger()["paths"]
    allowed: list[str] = []
    for template, pattern in _templates():
        params = _match(segments, pattern)
        if params is None:
            continue
        if verb not in paths[template]:
            allowed += [f"{m.upper()} {template}" for m in paths[template] if m in METHODS]
            continue
        op = paths[template][verb]
        description = str(op["responses"].get("200", {}).get("description", ""))
        return Operation(
            method=verb.upper(),
            template=template,
            operation_id=str(op.get("operationId", "")),
            path_params=params,
            stream="(streaming responses)" in description,
        )
    if allowed:
        raise UnknownOperation(
            f"{method.upper()} {path}: method not allowed; this path takes " + ", ".join(allowed)
        )
    close = _candidates(path, segments)
    hint = "; close: " + ", ".join(close) if close else "; no close candidates"
    raise UnknownOperation(f"{method.upper()} {path}: no such path in swagger.json{hint}")


def _schema_problems(validator: Any, doc: Any, where: str) -> Iterator[str]:
    for error in validator.iter_errors(doc):
        parts = list(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
            known = error.schema.get("properties", {})
            for key in (k for k in error.instance if k not in known):
                yield f"{format_path([where, *parts, key])}: unknown field"
        else:
            yield f"{format_path([where, *parts])}: {error.message}"


def _query_value_problem(spec: Mapping[str, Any], value: str) -> str | None:
    kind = spec.get("type")
    if kind == "array":
        kind = spec.get("items", {}).get("type", "string")
    if kind == "boolean" and value not in ("true", "false"):
        return f"{value!r} is not a boolean ('true' or 'false')"
    integer = kind == "integer" or (kind == "string" and spec.get("format") == "int64")
    if integer and not _INTEGER.fullmatch(value):
        return f"{value!r} is not a decimal integer"
    if "enum" in spec and value not in spec["enum"]:
        return f"{value!r} is not one of {spec['enum']}"
    return None


def request_problems(
    method: str,
    path: str,
    query: Mapping[str, str | list[str]],
    body: Any | None,
) -> list[str]:
    """Check one request against its Swagger operation.

    Args:
        method: HTTP method, any case.
        path: Concrete path, as for :func:`operation_for`.
        query: Query parameters as sent (flattened dotted names, ``listOptions.labelSelector``);
            a list means the name is repeated.
        body: The decoded JSON body, ``None`` when there is none.

    Returns:
        Problems as ``"<where>: <message>"`` in the order path, query (sorted), body; ``[]`` when
        the request conforms. A top-level body field named like a path parameter must agree
        with the path (the gateway overwrites it with the path's value).

    Raises:
        UnknownOperation: As :func:`operation_for`.
    """
    op = operation_for(method, path)
    params = op.spec.get("parameters", [])
    found: list[str] = []
    for spec in (p for p in params if p["in"] == "path"):
        value = op.path_params[spec["name"]]
        if "enum" in spec and value not in spec["enum"]:
            found.append(f"path.{spec['name']}: {value!r} is not one of {spec['enum']}")
    by_name = {p["name"]: p for p in params if p["in"] == "query"}
    for name in sorted(query):
        values = query[name]
        if name not in by_name:
            close = difflib.get_close_matches(name, list(by_name), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            found.append(f"query.{name}: unknown query parameter{hint}")
            continue
        spec = by_name[name]
        many = [values] if isinstance(values, str) else list(values)
        if len(many) != 1 and spec.get("type") != "array":
            found.append(f"query.{name}: given {len(many)} values, takes one")
        for value in many:
            problem = _query_value_problem(spec, value)
            if problem:
                found.append(f"query.{name}: {problem}")
    body_spec = next((p for p in params if p["in"] == "body"), None)
    if body_spec is None:
        if body is not None:
            found.append(f"body: {op.method} {op.template} takes no body")
        return found
    if body is None:
        if body_spec.get("required"):
            found.append(f"body: required by {op.method} {op.template}")
        return found
    validator = _validator(op.method.lower(), op.template, "body", False)
    found += sorted(_schema_problems(validator, body, "body"))
    if isinstance(body, Mapping):
        for name, value in op.path_params.items():
            if name in body and body[name] != value:
                found.append(f"body.{name}: {body[name]!r} differs from the path's {value!r}")
    return found


def response_problems(method: str, path: str, status: int, body: Any) -> list[str]:
    """Check one response fixture against its Swagger operation.

    Args:
        method: HTTP method, any case.
        path: Concrete path, as for :func:`operation_for`.
        status: HTTP status; 200 uses the ``200`` schema, any other the ``default`` one
            (``grpc.gateway.runtime.Error``, ``{"code": 5, "message": "..."}``).
        body: The decoded JSON body; for a stream endpoint with status 200, ONE message of
            the stream (``{"result": {...}}`` or ``{"error": {...}}``); for a binary 200
            (artifact files), ``bytes`` or ``str``.

    Returns:
        Problems as ``"response[.<field path>]: <message>"``, sorted; ``[]`` when valid.

    Raises:
        UnknownOperation: As :func:`operation_for`.
    """
    op = operation_for(method, path)
    code = "200" if status == 200 else "default"
    schema = op.spec["responses"][code]["schema"]
    if schema.get("format") == "binary":
        ok = isinstance(body, bytes | str)
        return [] if ok else [f"response: expected bytes or str, got {type(body).__name__}"]
    validator = _validator(op.method.lower(), op.template, code, True)
    found = sorted(_schema_problems(validator, body, "response"))
    message = op.stream and code == "200" and isinstance(body, Mapping)
    if message and "result" not in body and "error" not in body:
        found.append("response: a stream message holds 'result' or 'error'")
    return found
