"""Which images the host backend can stand in for, and how their commands map to this machine.

Rules (issue 5, contract §4): ``busybox``, ``alpine``, ``debian`` and ``ubuntu`` (any tag, any
registry) run their commands with this machine's shell and tools; ``python:*`` runs
``python``/``python3`` commands with this interpreter; ``argoproj/argosay:*`` runs
``python -m tiphys.local.argosay``. Any other image cannot run on the host.

``argoproj/argosay:v1`` is not the argosay program: it is ubuntu with ``cowsay`` in
``/usr/games``, on its PATH, and ``CMD ["cowsay"]`` (``test/e2e/images/argosay/v1/Dockerfile``
in argoproj/argo-workflows), so it runs as a shell image whose ``cowsay`` is
:func:`tiphys.local.argosay.cowsay`; ``busybox`` and ``alpine`` get busybox's ``nc``
(:func:`tiphys.local.argosay.nc`), see :func:`standins`.

When a template gives no ``command``, the image's own ENTRYPOINT/CMD apply as Docker applies
them: ``args`` replace CMD (these images have no ENTRYPOINT, except argosay whose ENTRYPOINT is
``/argosay``); with neither, CMD runs (``sh`` for busybox, ``/bin/sh`` for alpine, ``bash`` for
debian, ``/bin/bash`` for ubuntu, ``python3`` for python).
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from collections.abc import Mapping, Sequence

SHELL_IMAGES = ("busybox", "alpine", "debian", "ubuntu")
"""Images whose commands run with this machine's shell and tools."""

_DEFAULT_CMD = {
    "busybox": ["sh"],
    "alpine": ["/bin/sh"],
    "debian": ["bash"],
    "ubuntu": ["/bin/bash"],
    "python": ["python3"],
}

ARGOSAY_MODULE = "tiphys.local.argosay"


def image_name(image: str) -> str:
    """The repository name of an image reference, without registry, tag or digest.

    Args:
        image: e.g. ``"docker.io/library/alpine:3.7"``, ``"argoproj/argosay:v2"``.

    Returns:
        ``"alpine"``, ``"argoproj/argosay"``.
    """
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)
    if ":" in last[-1]:
        name = name[: len(name) - len(last[-1])] + last[-1].split(":", 1)[0]
    parts = name.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]
    if len(parts) > 1 and parts[0] == "library":
        parts = parts[1:]
    return "/".join(parts)


def image_tag(image: str) -> str:
    """The tag of an image reference (``""`` when none): ``"v1"`` for ``"argoproj/argosay:v1"``."""
    return image.split("@", 1)[0].rsplit("/", 1)[-1].partition(":")[2]


def is_cowsay_image(image: str) -> bool:
    """Whether ``image`` is ``argoproj/argosay:v1`` (ubuntu with ``cowsay``)."""
    return image_name(image) == "argoproj/argosay" and image_tag(image) == "v1"


_NC_WORD = re.compile(r"(?<![-\w./])nc(?![-\w.])")


def standins(
    image: str, texts: Sequence[str], argosay: Sequence[str] | None = None
) -> dict[str, str]:
    """Programs an image has that this machine may lack or have in another flavour.

    ``argoproj/argosay:v1`` gets ``cowsay``; ``busybox`` and ``alpine`` get busybox's ``nc``
    (``-l -k -p -e``; the host's nc, if any, is often another one) when ``texts`` (the
    container's command, args and script source) name ``nc``. The host backend binds them at
    ``/usr/games`` (see :func:`host_env`).

    Args:
        image: The container's image.
        texts: Its command, args and script source.
        argosay: The argv that runs :mod:`tiphys.local.argosay` (default
            ``[sys.executable, "-m", "tiphys.local.argosay"]``).

    Returns:
        ``{program name: /bin/sh script text}``, empty when none are needed.
    """
    found = {}
    runner = " ".join(shlex.quote(a) for a in argosay or (sys.executable, "-m", ARGOSAY_MODULE))
    if is_cowsay_image(image):
        found["cowsay"] = f'#!/bin/sh\nexec {runner} --cowsay "$@"\n'
    if image_name(image) in ("busybox", "alpine") and any(_NC_WORD.search(t) for t in texts):
        found["nc"] = f'#!/bin/sh\nexec {runner} --nc "$@"\n'
    return found


def image_kind(image: str) -> str | None:
    """``"shell"``, ``"python"``, ``"argosay"``, or None for an image the host cannot run."""
    name = image_name(image)
    if name in SHELL_IMAGES or is_cowsay_image(image):
        return "shell"
    if name == "python":
        return "python"
    if name == "argoproj/argosay":
        return "argosay"
    return None


def unsupported_message(image: str) -> str:
    """The node message for an image the host backend cannot run."""
    return (
        f"image '{image}' cannot run on this machine's host backend: run with --backend docker "
        "(or podman), or mock the template with --mock TEMPLATE=outputs.json"
    )


def _is_python(program: str) -> bool:
    base = os.path.basename(program)
    return base in ("python", "python3") or (base.startswith("python3.") and base[8:].isdigit())


def host_argv(image: str, command: Sequence[str], args: Sequence[str]) -> list[str] | None:
    """The argv that stands in for a container of ``image`` on this machine.

    Args:
        image: The container's image.
        command: Its ``command`` (empty when not given).
        args: Its ``args``.

    Returns:
        The argv to execute, or None when the image cannot run on the host backend.
    """
    kind = image_kind(image)
    if kind is None:
        return None
    name = image_name(image)
    if command:
        argv = [*command, *args]
    elif kind == "argosay":
        argv = ["/argosay", *args]
    elif args:
        argv = list(args)
    else:
        argv = list(_DEFAULT_CMD.get(name, ["cowsay"]))
    program = argv[0]
    if kind == "argosay" and os.path.basename(program) == "argosay":
        return [sys.executable, "-m", ARGOSAY_MODULE, *argv[1:]]
    if kind == "python" and _is_python(program):
        return [sys.executable, *argv[1:]]
    if kind == "shell" and os.path.basename(program) == "ash":
        return ["sh", *argv[1:]]
    return argv


def host_env(image: str, env: Mapping[str, str], games: str | None = None) -> dict[str, str]:
    """Extra environment for the stand-in of ``image`` given the container's ``env``.

    ``argoproj/argosay:v1`` has ``/usr/games`` at the end of its PATH (its Dockerfile); with
    a busybox ``nc`` stand-in (:func:`standins`) it comes first. Others need none.

    Args:
        image: The container's image.
        env: The container's environment so far.
        games: Where the stand-ins are on this machine (default ``/usr/games``).
    """
    games = games or "/usr/games"
    path = env.get("PATH") or "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    if is_cowsay_image(image):
        return {"PATH": f"{path}:{games}"}
    if image_name(image) in ("busybox", "alpine"):
        return {"PATH": f"{games}:{path}"}
    return {}
