"""The container backend: ``docker run`` (or ``podman run``) for one container of a node.

The host backend's sandbox layout is reused: the node's ``/tmp``, volume directories and input
artifact files are bind-mounted into the container at the paths the template names.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping, Sequence


def daemon_answers(program: str, *, timeout: float = 2.0) -> bool:
    """Whether ``<program> version`` reaches a daemon within ``timeout`` seconds.

    Args:
        program: ``"docker"`` or ``"podman"``.
        timeout: Seconds to wait for the answer (default 2).

    Returns:
        True when the client exists and its server part answered.
    """
    exe = shutil.which(program)
    if exe is None:
        return False
    try:
        done = subprocess.run(
            [exe, "version", "--format", "{{.Server.Version}}"],
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and bool(done.stdout.strip())


def run_argv(
    program: str,
    *,
    name: str,
    image: str,
    command: Sequence[str],
    args: Sequence[str],
    env: Mapping[str, str],
    mounts: Sequence[tuple[str, str]],
    working_dir: str | None,
) -> list[str]:
    """The ``docker run`` command line for one container.

    Args:
        program: ``"docker"`` or ``"podman"``.
        name: The container name (``<pod name>-<container name>``).
        image: The image reference.
        command: The template's ``command`` (becomes ``--entrypoint`` plus leading args), or
            empty to keep the image's ENTRYPOINT.
        args: The template's ``args``.
        env: Environment variables, in order.
        mounts: ``(host path, container path)`` bind mounts, in order.
        working_dir: ``workingDir`` of the template, or None.

    Returns:
        The argv, e.g. ``["docker", "run", "--rm", "--name", "p-main", "--network", "host",
        "-v", "/run/x/tmp:/tmp", "-e", "A=1", "--entrypoint", "sh", "alpine", "-c", "echo"]``.
    """
    argv = [program, "run", "--rm", "--name", name, "--network", "host"]
    for source, target in mounts:
        argv += ["-v", f"{source}:{target}"]
    if working_dir:
        argv += ["-w", working_dir]
    for key, value in env.items():
        argv += ["-e", f"{key}={value}"]
    rest = list(args)
    if command:
        argv += ["--entrypoint", command[0]]
        rest = [*command[1:], *args]
    return [*argv, image, *rest]
