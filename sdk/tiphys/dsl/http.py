"""``@http``: a template that sends one HTTP request from Argo's agent (an ``http`` template).

The URL and header values may name the function's parameters as ``{param}``; the body runs once
at compile time with symbolic parameters (as a ``@container`` body does) and returns the request
body. ``task.result`` is the response body.

Code: ``C125`` a request setting Argo cannot use (method, header, timeout, success condition).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, Unpack

from tiphys.argo.expr_check import expression_problem
from tiphys.dsl._keywords import checked_decorator, mapping_of
from tiphys.dsl._location import definition_location, fail
from tiphys.dsl.container import SymbolicRun, run_symbolic
from tiphys.dsl.fields import FieldText, parse_fields, signature_names
from tiphys.dsl.leaf import KindTemplate, RequestOptionsKw
from tiphys.dsl.options import ConfigMap, Duration, Secret, seconds
from tiphys.dsl.refs import Ref
from tiphys.dsl.response import ResponseValue, SuccessCondition
from tiphys.errors import Location

P = ParamSpec("P")

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT")
"""The standard HTTP methods; other upper-case tokens (``PURGE``) are accepted too."""
DEFAULT_TIMEOUT = 30
"""Seconds; Argo's agent applies no timeout at all when ``timeoutSeconds`` is unset."""
_METHOD_RE = re.compile(r"[A-Z][A-Z0-9_-]*\Z")
_HEADER_RE = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")

HeaderValue = str | Secret
Success = SuccessCondition | str


class HttpTemplate(KindTemplate[P, str]):
    """An ``http`` template; see :func:`http`.

    Attributes:
        url: The URL, split into text and ``{param}`` fields.
        method: The HTTP method.
        headers: ``(name, value)`` pairs; a value is parsed text or a :class:`Secret`.
        success: The success condition (expr-lang text), or ``None`` for Argo's 2xx default.
        timeout: Request timeout in seconds (``timeoutSeconds``), or ``None`` for none.
        insecure_skip_verify: Skip TLS certificate verification.
    """

    kind = "http"
    scopes = frozenset({"node"})
    refusal = "an HTTP request is sent by Argo's agent, not from a pod of this template"

    def __init__(
        self,
        fn: Callable[P, Any],
        *,
        url: str,
        method: str,
        headers: Mapping[str, HeaderValue] | None,
        success: Success | None,
        timeout: Duration | None,
        insecure_skip_verify: bool,
        name: str | None,
        inline: bool,
        options: RequestOptionsKw,
    ) -> None:
        super().__init__(fn, name=name, inline=inline, options=options)
        where = definition_location(fn)
        names = signature_names(fn)
        what = f"@http {self.name!r}"
        if not isinstance(url, str) or not url:
            raise fail("C125", f"{what}: url must be a non-empty string, not {url!r}", where)
        self.url: FieldText = parse_fields(url, names, f"{what} url", where)
        if not isinstance(method, str) or not _METHOD_RE.match(method):
            hint = f" Did you mean {method.upper()!r}?" if isinstance(method, str) else ""
            raise fail(
                "C125",
                f"{what}: method {method!r} is not an HTTP method (upper case, such as "
                f"{', '.join(METHODS[:5])}...): HTTP methods are case-sensitive.{hint}",
                where,
            )
        self.method = method
        self.headers: list[tuple[str, FieldText | Secret]] = []
        given = mapping_of(headers or {}, f"{what}: headers", "header name -> value", where)
        for key, value in given.items():
            if not isinstance(key, str) or not _HEADER_RE.match(key):
                raise fail(
                    "C125",
                    f"{what}: {key!r} is not an HTTP header name (letters, digits and "
                    "!#$%&'*+-.^_`|~; no spaces or colons)",
                    where,
                )
            if isinstance(value, Secret):
                self.headers.append((key, value))
            elif isinstance(value, str):
                parsed = parse_fields(value, names, f"{what} header {key!r}", where)
                self.headers.append((key, parsed))
            else:
                hint = (
                    ": Argo's HTTP headers take values from Secrets only; put it in a Secret "
                    "or pass it as a parameter"
                    if isinstance(value, ConfigMap)
                    else ""
                )
                raise fail(
                    "C125",
                    f"{what}: header {key!r} must be text or Secret('name', 'key'), not "
                    f"{value!r}{hint}",
                    where,
                )
        self.success = self._success(success, what, where)
        self.timeout = None if timeout is None else seconds(timeout, f"{what} timeout", where)
        if self.timeout is not None and self.timeout <= 0:
            raise fail("C125", f"{what}: timeout must be at least 1 second, not {timeout!r}", where)
        if not isinstance(insecure_skip_verify, bool):
            raise fail(
                "C125",
                f"{what}: insecure_skip_verify must be True or False, not {insecure_skip_verify!r}",
                where,
            )
        self.insecure_skip_verify = insecure_skip_verify

    @staticmethod
    def _success(success: object, what: str, where: Location) -> str | None:
        if success is None or isinstance(success, str):
            if success == "":
                raise fail("C125", f"{what}: success must not be empty", where)
            problem = expression_problem(success) if success is not None else None
            if problem:
                raise fail("C125", f"{what}: success {success!r}: {problem}", where)
            return success
        if isinstance(success, SuccessCondition):
            return success.text
        if isinstance(success, ResponseValue) and success.type in (bool, None):
            return success.text
        raise fail(
            "C125",
            f"{what}: success must be a condition built from tiphys.response (e.g. "
            f"response.status_code == 201) or an expr-lang string, not {success!r}",
            where,
        )

    @property
    def result_type(self) -> Any:
        """The result is the response body, a string."""
        return str

    def body(self) -> SymbolicRun:
        """Run the body symbolically; its value is the request body.

        Returns:
            The run: ``value`` is ``None``, a string (possibly holding parameters), a ref, or
            a dict/list of JSON values.

        Raises:
            CompileError: ``C126`` the body returned anything else.
        """
        run = run_symbolic(self)
        if run.value is not None and not isinstance(run.value, str | Ref | dict | list | tuple):
            raise fail(
                "C126",
                f"@http {self.name!r} must return the request body: a dict or list (sent as "
                f"JSON), a str (sent as is) or None (no body), not {run.value!r}",
                self.location,
            )
        return run


@checked_decorator
def http(
    url: str,
    *,
    method: str = "GET",
    headers: Mapping[str, HeaderValue] | None = None,
    success: Success | None = None,
    timeout: Duration | None = DEFAULT_TIMEOUT,
    insecure_skip_verify: bool = False,
    name: str | None = None,
    inline: bool = False,
    **options: Unpack[RequestOptionsKw],
) -> Callable[[Callable[P, Any]], HttpTemplate[P]]:
    """Make an ``http`` template: Argo's agent sends one request; its body is the result.

    The function's parameters are the template's inputs. ``url`` and header values may name
    them as ``{param}`` (checked against the signature; Argo pastes the value as is, without
    URL-encoding); ``{{...}}`` Argo tags are left as they are. The body runs once at compile
    time with symbolic parameters and returns the request body:

    * a dict or list: sent as JSON. It is compiled to ``{{=toJson(...)}}`` (an expr-lang
      literal), so any parameter value -- quotes, backslashes, newlines included -- gives valid
      JSON; ``int``/``float``/``bool`` parameters become JSON numbers/booleans and ``list``/
      ``dict`` parameters JSON arrays/objects. Argo writes object keys sorted. A
      ``Content-Type: application/json`` header is added unless one is given.
    * a str: sent as is, parameters pasted in (``f"tag={tag}"``).
    * None: no body.

    The request runs in the Argo agent pod, which needs RBAC on ``workflowtasksets``; options
    that configure a pod or a container (``env``, ``resources``, ``volumes``...) are refused.
    ``timeout`` here is the request's timeout; the node-level ``timeout`` option can be set
    with ``patch={"timeout": "5m"}``.

    Args:
        url: ``http.url``; may hold ``{param}`` fields.
        method: ``http.method``: ``GET`` (default), ``POST``, ``PUT``, ``PATCH``, ``DELETE``...
        headers: ``http.headers`` by name: text (may hold ``{param}`` fields) or a
            :class:`Secret` (``valueFrom.secretKeyRef``; the Secret holds the whole value,
            e.g. ``Bearer xxx``).
        success: ``http.successCondition``: a condition built from :data:`tiphys.response`
            (``response.status_code == 201``) or an expr-lang string over ``request.*`` and
            ``response.*``. Default (``None``): Argo's, any 2xx status.
        timeout: Request timeout, seconds or ``"30s"``/``"2m"`` (``http.timeoutSeconds``;
            default 30). ``None`` writes no ``timeoutSeconds``: Argo's agent then waits for
            the response forever (``tiphys lint`` warns, V140); for converted YAML that has
            none.
        insecure_skip_verify: Skip TLS verification (``http.insecureSkipVerify``).
        name: Template name; default: the function name in kebab case.
        inline: Emit the template inline in the tasks that use it.
        **options: Common template options that apply to any node: ``retry``,
            ``active_deadline``, ``patch``.

    Returns:
        A decorator producing an :class:`HttpTemplate`; calling it in a ``@dag`` returns a
        ``Task[str]`` whose ``result`` is the response body.

    Raises:
        CompileError: ``C124`` a ``{field}`` that names no parameter; ``C125`` a bad method,
            header, timeout or success condition; ``C123`` an option that does not apply; when
            compiled, ``C126`` a body that is no dict, list, str or None.
    """

    def decorate(fn: Callable[P, Any]) -> HttpTemplate[P]:
        return HttpTemplate(
            fn,
            url=url,
            method=method,
            headers=headers,
            success=success,
            timeout=timeout,
            insecure_skip_verify=insecure_skip_verify,
            name=name,
            inline=inline,
            options=options,
        )

    return decorate
