"""Argo's naming rules, and the conversion of Python names to Argo names.

Rules (Argo v4.1.2 ``workflow/validate/validate.go``, Kubernetes DNS-1123):

* template, task and step names: ``[a-zA-Z0-9][-a-zA-Z0-9]*``, at most 128 characters;
* parameter and artifact names: ``[-a-zA-Z0-9_]+``;
* memoize keys, once substituted: ``[a-zA-Z0-9][-a-zA-Z0-9]*``
  (``workflow/controller/cache`` ``cacheKeyRegex``; a key that does not match fails the node);
* object names (``metadata.name``): DNS-1123 subdomain, at most 63 characters (the name is
  copied into a label); CronWorkflow names at most 52 (children are named ``<cron>-<unix ts>``).
"""

from __future__ import annotations

import re

TEMPLATE_NAME_MAX = 128
OBJECT_NAME_MAX = 63
CRON_NAME_MAX = 52

_TEMPLATE_RE = re.compile(r"[a-zA-Z0-9][-a-zA-Z0-9]*\Z")
_PARAM_RE = re.compile(r"[-a-zA-Z0-9_]+\Z")
_DNS1123_RE = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\Z")


def kebab(name: str) -> str:
    """Convert a Python identifier to an Argo template or task name.

    ``run_tests`` becomes ``run-tests``; leading and trailing underscores are dropped and runs of
    underscores collapse to one dash. Case is kept (Argo allows upper case in template names).

    Args:
        name: A Python identifier.

    Returns:
        The converted name (may still break a rule; check it with :func:`template_name_problem`).
    """
    return re.sub(r"_+", "-", name.strip("_"))


def template_name_problem(name: str) -> str | None:
    """Say why ``name`` cannot be a template, task or step name, or return ``None``.

    Args:
        name: The candidate name.

    Returns:
        A sentence describing the broken rule, or ``None`` when the name is valid.
    """
    if not name:
        return "'' is empty"
    if len(name) > TEMPLATE_NAME_MAX:
        return f"{name!r} is {len(name)} characters long; Argo allows at most {TEMPLATE_NAME_MAX}"
    if not _TEMPLATE_RE.match(name):
        return (
            f"{name!r} does not match [a-zA-Z0-9][-a-zA-Z0-9]* (letters, digits and '-', "
            "starting with a letter or digit)"
        )
    return None


def parameter_name_problem(name: str) -> str | None:
    """Say why ``name`` cannot be a parameter or artifact name, or return ``None``.

    Args:
        name: The candidate name.

    Returns:
        A sentence describing the broken rule, or ``None`` when the name is valid.
    """
    if not _PARAM_RE.match(name):
        return f"{name!r} does not match [-a-zA-Z0-9_]+ (letters, digits, '-' and '_')"
    return None


def kubernetes_name_problem(name: str) -> str | None:
    """Say why ``name`` cannot name a Kubernetes object a workflow refers to (a Secret,
    ConfigMap, ServiceAccount, PersistentVolumeClaim: DNS-1123 subdomain), or return ``None``.

    A name holding ``{{...}}`` tags is resolved by Argo at run time: not checked.

    Args:
        name: The candidate name.

    Returns:
        A sentence describing the broken rule, or ``None`` when the name is valid.
    """
    if "{{" in name:
        return None
    if len(name) > 253:
        return f"{name!r} is {len(name)} characters long; a Kubernetes name is at most 253"
    if not _DNS1123_RE.match(name):
        fixed = re.sub(r"[^a-z0-9.-]+", "-", name.lower()).strip("-.")
        hint = f" (e.g. {fixed!r})" if fixed and _DNS1123_RE.match(fixed) else ""
        return (
            f"{name!r} is not a valid Kubernetes name: use lower-case letters, digits, '-' and "
            f"'.', starting and ending with a letter or digit{hint}"
        )
    return None


def object_name_problem(name: str, *, kind: str = "Workflow", generate: bool = False) -> str | None:
    """Say why ``name`` cannot be an object name (``metadata.name``), or return ``None``.

    Args:
        name: The candidate name, or the ``generateName`` prefix when ``generate`` is true.
        kind: The object's kind; ``CronWorkflow`` names are limited to 52 characters.
        generate: Check a ``generateName`` prefix: it may end with ``-`` and Kubernetes
            truncates it to 58 characters before appending 5 random ones.

    Returns:
        A sentence describing the broken rule, or ``None`` when the name is valid.
    """
    limit = CRON_NAME_MAX if kind == "CronWorkflow" else OBJECT_NAME_MAX
    body = name.rstrip("-") if generate else name
    if not body:
        return "'' is empty"
    if not generate and len(name) > limit:
        return f"{name!r} is {len(name)} characters long; a {kind} name is at most {limit}"
    if not _DNS1123_RE.match(body):
        return (
            f"{name!r} is not a valid Kubernetes name: use lower-case letters, digits, '-' and "
            "'.', starting and ending with a letter or digit"
        )
    return None


_TAG_RE = re.compile(r"\{\{.*?\}\}", re.DOTALL)
_KEY_TEXT_RE = re.compile(r"[-a-zA-Z0-9]*\Z")


def memoize_key_problem(key: str) -> str | None:
    """Say why the literal text of a memoize key can never match Argo's cache key rule.

    Only the text outside ``{{...}}`` tags is checked: the values the tags take must fit the
    rule too, which only the running workflow shows.

    Args:
        key: The ``memoize.key`` text, tags included.

    Returns:
        The reason (a clause naming the offending characters), or ``None``.
    """
    text = _TAG_RE.sub("", key)
    bad = sorted({c for c in text if not _KEY_TEXT_RE.match(c)})
    if bad:
        return (
            f"contains {', '.join(repr(c) for c in bad)}, but Argo accepts only letters, digits "
            "and '-' in a cache key (and the values of its {{...}} tags must fit too)"
        )
    if key[:1] == "-":
        return "starts with '-', but a cache key must start with a letter or a digit"
    return None
