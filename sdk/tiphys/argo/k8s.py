"""Kubernetes rules for values Argo passes on: label and annotation keys, label values, quantities.

Rules (``k8s.io/apimachinery``: ``util/validation`` IsQualifiedName and IsValidLabelValue,
``api/resource`` ParseQuantity):

* a label or annotation key is ``[prefix/]name``: the optional prefix a DNS-1123 subdomain of at
  most 253 characters, the name at most 63 characters of ``[-A-Za-z0-9_.]`` that starts and ends
  with a letter or digit;
* a label value is empty, or like a key's name (at most 63 characters);
* a quantity is a number with an optional suffix: binary (``Ki Mi Gi Ti Pi Ei``), decimal
  (``n u m k M G T P E``) or an exponent (``e3``, ``E-2``), e.g. ``500m``, ``1Gi``, ``0.5``,
  ``1e3``; ``1GB`` and ``1K`` are refused. Resource requests and limits may not be negative;
* a container name is a DNS-1123 label (``IsDNS1123Label``): at most 63 lower-case letters,
  digits and ``-``, starting and ending with a letter or digit;
* a port is a number from 1 to 65535, or (where a named port may stand, ``IntOrString``) an
  IANA service name (``IsValidPortName``): at most 15 lower-case letters, digits and ``-``, with
  at least one letter, no ``--`` and no ``-`` at either end.
"""

from __future__ import annotations

import re

__all__ = [
    "container_name_problem",
    "label_key_problem",
    "label_value_problem",
    "port_problem",
    "quantity_problem",
]

LABEL_NAME_MAX = 63
KEY_PREFIX_MAX = 253

_NAME_RE = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\Z")
_DNS1123_SUBDOMAIN_RE = re.compile(
    r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\Z"
)
_DNS1123_LABEL_RE = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")
_PORT_NAME_RE = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")
PORT_NAME_MAX = 15
PORT_MAX = 65535
_QUANTITY_RE = re.compile(
    r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]+)?\Z"
)
_NAME_RULE = (
    "at most 63 characters: letters, digits, '-', '_' and '.', starting and ending with a "
    "letter or digit"
)


def label_key_problem(key: str) -> str | None:
    """Say why ``key`` cannot be a label or annotation key, or return ``None``.

    Args:
        key: The candidate key, e.g. ``app.kubernetes.io/name``.

    Returns:
        A sentence describing the broken rule, or ``None`` when the key is valid.
    """
    if key.count("/") > 1:
        return f"key {key!r} has more than one '/' (the form is [prefix/]name)"
    prefix, slash, name = key.rpartition("/")
    if slash and (
        not prefix or len(prefix) > KEY_PREFIX_MAX or not _DNS1123_SUBDOMAIN_RE.match(prefix)
    ):
        return (
            f"the prefix {prefix!r} of key {key!r} is not a DNS subdomain (lower-case letters, "
            "digits, '-' and '.', at most 253 characters)"
        )
    if len(name) > LABEL_NAME_MAX or not _NAME_RE.match(name):
        what = f"the name {name!r} of key {key!r}" if slash else f"key {key!r}"
        return f"{what} must be {_NAME_RULE}"
    return None


def label_value_problem(value: str) -> str | None:
    """Say why ``value`` cannot be a label value, or return ``None``.

    Args:
        value: The candidate value; empty is valid.

    Returns:
        A sentence describing the broken rule, or ``None`` when the value is valid.
    """
    if value and (len(value) > LABEL_NAME_MAX or not _NAME_RE.match(value)):
        return f"label value {value!r} must be empty or {_NAME_RULE}"
    return None


def quantity_problem(value: str | int | float) -> str | None:
    """Say why ``value`` cannot be a resource request or limit, or return ``None``.

    Args:
        value: A quantity as written (``"500m"``, ``"1Gi"``, or a YAML number).

    Returns:
        A sentence describing the broken rule, or ``None`` when the quantity is valid.
    """
    text = str(value)
    if isinstance(value, str):
        match = _QUANTITY_RE.match(text)
        if match is None:
            return (
                f"{text!r} is not a Kubernetes quantity (a number with an optional suffix: Ki, "
                "Mi, Gi, Ti, Pi, Ei, m, k, M, G, T, P, E or an exponent such as e3)"
            )
        negative = text.startswith("-") and float(match.group(1)) != 0
    else:
        negative = value < 0
    if negative:
        return f"{text!r} is negative; requests and limits must be 0 or more"
    return None


def container_name_problem(name: str) -> str | None:
    """Say why ``name`` cannot be a container name, or return ``None``.

    Args:
        name: The candidate name (``containers[].name``).

    Returns:
        A sentence describing the broken rule, or ``None`` when the name is valid.
    """
    if len(name) > LABEL_NAME_MAX or not _DNS1123_LABEL_RE.match(name):
        return (
            f"{name!r} is not a valid container name: at most {LABEL_NAME_MAX} lower-case "
            "letters, digits and '-', starting and ending with a letter or digit"
        )
    return None


def port_problem(port: object, *, named: bool = True) -> str | None:
    """Say why ``port`` cannot be a container port, or return ``None``.

    Args:
        port: A port number, or a port name where ``named`` allows one.
        named: Whether a name (an ``IntOrString`` field such as a probe's port) is allowed.

    Returns:
        A sentence describing the broken rule, or ``None`` when the port is valid.
    """
    if isinstance(port, int) and not isinstance(port, bool):
        if 1 <= port <= PORT_MAX:
            return None
        return f"port {port} is not between 1 and {PORT_MAX}"
    if named and isinstance(port, str):
        if (
            len(port) <= PORT_NAME_MAX
            and _PORT_NAME_RE.match(port)
            and "--" not in port
            and any(c.isalpha() for c in port)
        ):
            return None
        return (
            f"port name {port!r} is not an IANA service name: at most {PORT_NAME_MAX} lower-case "
            "letters, digits and '-', with a letter, starting and ending with a letter or digit"
        )
    kinds = "a number (1 to 65535) or a port name" if named else "a number (1 to 65535)"
    return f"port {port!r} is not {kinds}"
