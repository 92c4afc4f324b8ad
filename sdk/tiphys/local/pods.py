"""Leaf execution: run ONE template as Argo's executor would, on this machine or in docker.

:class:`Executor` runs ``container``, ``script``, ``containerSet``, ``data`` and ``http``
templates and daemons, and returns a :class:`PodResult` shaped as Argo's node status. Semantics
followed (checked in argoproj/argo-workflows v4.1.2):

* ``outputs.result`` is all of the main container's stdout, one trailing newline trimmed, the
  last 256 KiB kept (``workflow/executor/executor.go`` CaptureScriptResult); stdout is streamed
  and only that tail is held in memory.
* Output parameters ``valueFrom.path``: the file's content with one trailing newline trimmed;
  a missing file takes ``valueFrom.default``, else the wait container fails (SaveParameters) and
  the node is Error ``wait: Error (exit code 1): open /var/run/argo/outputs/parameters<path>:
  no such file or directory`` (the emissary's staging path, as a cluster shows it).
* A main container exiting non-zero: node Failed ``<container>: Error (exit code N)``
  (``workflow/controller/operator.go`` inferFailedReason); the pod deadline
  (``activeDeadlineSeconds``): Failed ``Pod was active on the node longer than the specified
  deadline``.
* Output artifacts are saved in the local :class:`~tiphys.local.artifacts.ArtifactStore` under
  ``<workflow>/<pod>/<artifact>.tgz`` (tar, the default), ``.zip`` (zip) or with no suffix
  (``archive: {none: {}}``); a missing optional artifact is skipped.
* Script templates: the source is written to a file given as the last argument to ``command``
  (Argo's ``/argo/staging/script``, mode 0755 as ``executor.go`` StageFiles writes it, so
  ``command: [sh, -c]`` runs it; on the host backend a ``/proc/self/fd/N`` path to it).
* The working directory is ``workingDir``, else the image's WORKDIR: ``/`` for every image the
  host stands in for. On the host backend ``/`` is given when the node runs chrooted in a
  private copy of ``/`` (it declares a path directly under ``/``), else its private ``/tmp``.
* A node ends when its main process exits, as a container does; processes it left behind are
  killed with its process group.
* ``initContainers`` run one after the other before the main containers (a failure is Failed
  ``<name>: Error (exit code N)``); ``sidecars`` run beside them and are killed once the mains
  end. ``containerSet`` containers start when their ``dependencies`` succeeded; every one of
  them is a main container for the node message; ``outputs`` come from the one named ``main``.
* Environment: this machine's, plus ``ARGO_POD_NAME``, ``ARGO_POD_UID``, ``ARGO_WORKFLOW_NAME``,
  ``ARGO_NODE_ID``, ``ARGO_TEMPLATE``, ``ARGO_CONTAINER_NAME`` and the template's ``env``
  (``value`` with ``$(VAR)`` expansion, ``secretKeyRef``, ``configMapKeyRef``, ``fieldRef``);
  ``$(VAR)`` is expanded in ``command`` and ``args`` too, as the kubelet does.
* Logs: every stdout and stderr line goes to ``<log_dir>/<container>.log`` as
  ``<RFC3339 UTC, 9 fraction digits> <text>`` and to ``on_log``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tiphys.errors import TiphysError

if TYPE_CHECKING:
    from tiphys.local.artifacts import ArtifactStore
    from tiphys.local.store import LocalStore

RESULT_CAP = 256 * 1024
"""Bytes of stdout kept in ``outputs.result`` (Argo keeps the last 256 kB)."""

DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline"
_KILL_GRACE = 2.0
_PIPE_DRAIN = 2.0
_CHUNK = 65536


class PodError(TiphysError):
    """The executor itself was misused (an unknown backend name)."""


@dataclass
class PodSpec:
    """One leaf node to run (contract §4).

    Attributes:
        workflow_name: ``metadata.name`` of the workflow.
        namespace: Its namespace.
        node_id: The node's id.
        pod_name: The pod name Argo would give the node.
        template: The template, already substituted (kind container, script, containerSet,
            data or http); ``inputs.artifacts`` are resolved to a location or optional+missing.
        sandbox: ``<run_dir>/nodes/<node_id>[-<attempt>]/``, created here.
        log_dir: ``<run_dir>/logs/<pod_name>/``; one ``<container>.log`` per container.
        volumes: Workflow ``spec.volumes`` plus template ``volumes``.
        deadline: ``time.monotonic()`` by which the pod must end, or None.
        attempt: Retry attempt number (0 first).
    """

    workflow_name: str
    namespace: str
    node_id: str
    pod_name: str
    template: Mapping[str, Any]
    sandbox: Path
    log_dir: Path
    volumes: Sequence[Mapping[str, Any]] = ()
    deadline: float | None = None
    attempt: int = 0


@dataclass
class PodResult:
    """How a leaf node ended.

    Attributes:
        phase: ``"Succeeded"``, ``"Failed"`` or ``"Error"``.
        message: Argo's node message (``""`` on success).
        exit_code: The main container's exit code, or None when it did not run.
        outputs: Argo ``NodeStatus.outputs``: ``result``, ``exitCode`` (text), ``parameters``,
            ``artifacts``; keys absent when empty.
    """

    phase: str
    message: str
    exit_code: int | None
    outputs: dict[str, Any] = field(default_factory=dict)


_second: tuple[int, str] = (-1, "")


def _timestamp() -> str:
    """Now as RFC3339 with nanoseconds in UTC: ``2026-11-30T01:02:03.123456789Z``."""
    global _second
    ns = time.time_ns()
    seconds, fraction = divmod(ns, 1_000_000_000)
    if _second[0] != seconds:
        stamp = datetime.fromtimestamp(seconds, tz=UTC)
        _second = (seconds, f"{stamp:%Y-%m-%dT%H:%M:%S}")
    return f"{_second[1]}.{fraction:09d}Z"


class _Tail:
    """The last ``RESULT_CAP + 1`` bytes of a stream."""

    def __init__(self) -> None:
        self.data = bytearray()

    def add(self, chunk: bytes) -> None:
        self.data += chunk
        if len(self.data) > 2 * (RESULT_CAP + 1):
            del self.data[: len(self.data) - (RESULT_CAP + 1)]

    def result(self) -> str:
        out = bytes(self.data)
        if out.endswith(b"\n"):
            out = out[:-1]
        if len(out) > RESULT_CAP:
            out = out[-RESULT_CAP:]
        return out.decode("utf-8", errors="replace")


_VAR = re.compile(r"\$\$|\$\(([-._a-zA-Z0-9]+)\)")


def _expand(text: str, env: Mapping[str, str]) -> str:
    """Kubernetes ``$(VAR)`` expansion in env values, command and args (``$$`` escapes)."""

    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1)
        return env.get(name, match.group(0))

    return _VAR.sub(one, text)


def _failed_wait(message: str) -> PodResult:
    return PodResult("Error", f"wait: Error (exit code 1): {message}", None)


class _ExitProtocol(asyncio.subprocess.SubprocessStreamProtocol):
    """The stream protocol, plus a future set as soon as the process exits.

    ``Process.wait()`` (Python 3.11+) also waits for the pipes to close, which a background
    child holding stdout delays for ever; a container ends with its main process.
    """

    def __init__(self, limit: int, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(limit=limit, loop=loop)
        self.exited: asyncio.Future[int] = loop.create_future()
        self._process: Any = None

    def connection_made(self, transport: Any) -> None:
        self._process = transport
        super().connection_made(transport)

    def process_exited(self) -> None:
        code = self._process.get_returncode()
        super().process_exited()
        if not self.exited.done():
            self.exited.set_result(code)


class _Running:
    """One started container process with its output pumps."""

    def __init__(
        self,
        proc: asyncio.subprocess.Process,
        pumps: list[asyncio.Task[None]],
        tail: _Tail,
        log: Any,
        cleanup: list[str] | None = None,
        exited: asyncio.Future[int] | None = None,
    ) -> None:
        self.cleanup = cleanup
        self.proc = proc
        self.exited = exited
        self.pumps = pumps
        self.tail = tail
        self.log = log

    def signal(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, sig)

    async def wait(self) -> int:
        """The process's exit status, as soon as it exits (its pipes may stay open)."""
        if self.exited is None:
            return await self.proc.wait()
        return await asyncio.shield(self.exited)

    async def finish(self) -> int:
        code = await self.wait()
        self.signal(signal.SIGKILL)  # the pod's other processes end with it
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.gather(*self.pumps), _PIPE_DRAIN)
        for pump in self.pumps:
            pump.cancel()
        self.log.close()
        return code if code >= 0 else 128 - code

    async def kill(self) -> int:
        if self.cleanup:
            with contextlib.suppress(OSError):
                remover = await asyncio.create_subprocess_exec(
                    *self.cleanup,
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.DEVNULL,
                )
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(remover.wait(), 10)
        self.signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.wait(), _KILL_GRACE)
        except TimeoutError:
            self.signal(signal.SIGKILL)
        return await self.finish()


@dataclass
class _Container:
    name: str
    argv: list[str]
    env: dict[str, str]
    spec: Mapping[str, Any]
    cwd: str | None
    cleanup: list[str] | None = None  # docker/podman: removes the container on kill


class _Prepared:
    """A node's sandbox, mounts, environment and container command lines."""

    def __init__(self) -> None:
        self.plan: Any = None
        self.containers: list[_Container] = []
        self.inits: list[_Container] = []
        self.sidecars: list[_Container] = []
        self.binds: list[tuple[str, str]] = []
        self.keep_fds: list[int] = []
        self.docker_mounts: list[tuple[str, str]] = []
        self.argosay_fd: int | None = None

    def real(self, path: str) -> Path:
        """Where the node's absolute ``path`` lives on this machine."""
        if self.plan is not None:
            return Path(self.plan.view(path))
        best: tuple[str, str] | None = None
        for source, target in self.docker_mounts:
            inside = path == target or path.startswith(target.rstrip("/") + "/")
            if inside and (best is None or len(target) > len(best[1])):
                best = (source, target)
        if best is None:
            return Path(path)
        rel = os.path.relpath(path, best[1])
        return Path(best[0]) if rel == "." else Path(best[0]) / rel

    def close(self) -> None:
        for fd in self.keep_fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        self.keep_fds = []


class _Problem(Exception):
    def __init__(self, result: PodResult) -> None:
        super().__init__(result.message)
        self.result = result


class Executor:
    """Runs leaf templates on this machine (host backend) or with docker/podman.

    Args:
        backend: ``"auto"`` (docker or podman when a daemon answers ``version`` within 2 s,
            else ``"host"``), ``"host"``, ``"docker"`` or ``"podman"``.
        store: Secrets and ConfigMaps for env, volumes and HTTP headers.
        artifacts: The local artifact repository (input loading, output saving).
        on_log: Called as ``on_log(pod_name, container, "<timestamp> <text>")`` for every log
            line, on the event loop's thread.

    Raises:
        PodError: ``backend`` is not one of the names above.
    """

    def __init__(
        self,
        *,
        backend: str = "auto",
        store: LocalStore,
        artifacts: ArtifactStore,
        on_log: Callable[[str, str, str], None] | None = None,
    ) -> None:
        if backend not in ("auto", "host", "docker", "podman"):
            raise PodError(f"unknown backend '{backend}': use auto, host, docker or podman")
        self._requested = backend
        self._resolved: str | None = None if backend == "auto" else backend
        self.store = store
        self.artifacts = artifacts
        self.on_log = on_log

    @property
    def backend(self) -> str:
        """The backend in use: ``"host"``, ``"docker"`` or ``"podman"`` (auto resolved once)."""
        if self._resolved is None:
            from tiphys.local.docker import daemon_answers

            self._resolved = next((p for p in ("docker", "podman") if daemon_answers(p)), "host")
        return self._resolved

    # --- public ------------------------------------------------------------------------

    async def run(self, pod: PodSpec) -> PodResult:
        """Run one leaf node to its end.

        Args:
            pod: The node to run.

        Returns:
            The node's phase, message, exit code and outputs. A workflow's fault (a failing
            command, a missing file, an image the host cannot run) is a result, not an error.

        Raises:
            asyncio.CancelledError: The run was cancelled; its processes were killed first
                (SIGTERM to the process group, SIGKILL after 2 s).
        """
        template = pod.template
        if "http" in template:
            return await self._run_http(pod)
        if "data" in template:
            return await self._run_data(pod)
        if not any(k in template for k in ("container", "script", "containerSet")):
            kind = next(
                (k for k in ("resource", "plugin", "suspend", "steps", "dag") if k in template),
                "unknown",
            )
            return PodResult(
                "Error",
                f"template '{template.get('name', '')}' is a {kind} template, which needs a "
                "cluster; tiphys runs container, script, containerSet, data and http templates",
                None,
            )
        prepared = _Prepared()
        try:
            self._prepare(pod, prepared)
            return await self._run_pod(pod, prepared)
        except _Problem as problem:
            return problem.result
        except OSError as err:  # the sandbox could not be made (disk full, permissions...)
            return PodResult("Error", self.store.redact(str(err)), None)
        finally:
            prepared.close()

    async def start_daemon(self, pod: PodSpec) -> Daemon:
        """Start a daemon template (``daemon: true``) and return its handle.

        Args:
            pod: The node to start; its template is a container or script template.

        Returns:
            The :class:`Daemon`; call :meth:`Daemon.wait_ready`, then :meth:`Daemon.stop`.
        """
        prepared = _Prepared()
        try:
            self._prepare(pod, prepared)
            running = await self._start(pod, prepared, prepared.containers[0])
        except _Problem as problem:
            prepared.close()
            return Daemon(self, pod, prepared, None, problem.result)
        except OSError as err:
            prepared.close()
            return Daemon(self, pod, prepared, None, PodResult("Error", str(err), None))
        return Daemon(self, pod, prepared, running, None)

    # --- preparation -----------------------------------------------------------------------

    def _declared_paths(self, template: Mapping[str, Any]) -> list[str]:
        paths = []
        for art in (template.get("inputs") or {}).get("artifacts") or []:
            if art.get("path"):
                paths.append(str(art["path"]))
        outputs = template.get("outputs") or {}
        for art in outputs.get("artifacts") or []:
            if art.get("path"):
                paths.append(str(art["path"]))
        for param in outputs.get("parameters") or []:
            path = (param.get("valueFrom") or {}).get("path")
            if path:
                paths.append(str(path))
        for spec in self._specs(template):
            for mount in spec.get("volumeMounts") or []:
                paths.append(str(mount.get("mountPath")))
            if spec.get("workingDir"):
                paths.append(str(spec["workingDir"]))
        return paths

    @staticmethod
    def _mains(template: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        if "containerSet" in template:
            return list((template.get("containerSet") or {}).get("containers") or [])
        return [template.get("container") or template.get("script") or {}]

    @classmethod
    def _roles(cls, template: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
        """Every container of the pod with its role: ``init``, ``main`` or ``sidecar``."""
        return [
            *(("init", c) for c in template.get("initContainers") or []),
            *(("main", c) for c in cls._mains(template)),
            *(("sidecar", c) for c in template.get("sidecars") or []),
        ]

    @classmethod
    def _specs(cls, template: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        return [spec for _, spec in cls._roles(template)]

    def _prepare(self, pod: PodSpec, prepared: _Prepared) -> None:
        from tiphys.local import host, images

        template = pod.template
        pod.sandbox.mkdir(parents=True, exist_ok=True)
        pod.log_dir.mkdir(parents=True, exist_ok=True)
        backend = self.backend
        specs = self._specs(template)
        if backend == "host":
            for spec in specs:
                image = str(spec.get("image") or "")
                if images.image_kind(image) is None:
                    raise _Problem(PodResult("Error", images.unsupported_message(image), None))
            paths = self._declared_paths(template)
            if host.namespaces_available():
                prepared.plan = host.MountPlan(pod.sandbox)
            elif paths:
                raise _Problem(
                    PodResult(
                        "Error",
                        "this machine cannot give the node a private mount namespace, and the "
                        f"template uses absolute paths ({', '.join(sorted(set(paths)))}): run "
                        "with --backend docker (or podman)",
                        None,
                    )
                )
        else:
            tmp = pod.sandbox / "tmp"
            tmp.mkdir(parents=True, exist_ok=True)
            tmp.chmod(0o1777)
            prepared.docker_mounts.append((str(tmp), "/tmp"))
        try:
            self._volumes(pod, prepared, specs)
            self._input_artifacts(pod, prepared)
            if prepared.plan is not None:
                for path in self._declared_paths(template):
                    prepared.real(path).parent.mkdir(parents=True, exist_ok=True)
        except host.PathProblem as problem:
            raise _Problem(
                PodResult(
                    "Error",
                    f"path {problem.path} cannot be made private to this node on the host "
                    f"backend ({problem.reason}): run with --backend docker (or podman)",
                    None,
                )
            ) from None
        base_env = self._base_env(pod)
        for index, (role, spec) in enumerate(self._roles(template)):
            name = str(spec.get("name") or "main")
            if role == "main" and "containerSet" not in template:
                name = "main"
            env = self._env(pod, spec, base_env, name)
            command = [_expand(str(c), env) for c in spec.get("command") or []]
            args = [_expand(str(a), env) for a in spec.get("args") or []]
            if "script" in template and role == "main":
                script = pod.sandbox / "script"
                script.write_text(str(spec.get("source") or ""))
                # executor.go StageFiles: mode 0755, so `command: [sh, -c]` can execute it.
                script.chmod(0o755)
                if backend == "host":
                    fd = os.open(script, os.O_RDONLY)
                    prepared.keep_fds.append(fd)
                    args = [*args, f"/proc/self/fd/{fd}"]
                else:
                    prepared.docker_mounts.append((str(script), "/argo/staging/script"))
                    args = [*args, "/argo/staging/script"]
            image = str(spec.get("image") or "")
            if backend == "host":
                texts = [*command, *args]
                if "script" in template and role == "main":
                    texts.append(str(spec.get("source") or ""))
                programs = images.standins(image, texts, self._argosay_argv(prepared))
                if programs:
                    env.update(images.host_env(image, env, self._standins(pod, prepared, programs)))
                host_argv = images.host_argv(image, command, args)
                if host_argv is None:  # checked above; kept for -O runs
                    raise _Problem(PodResult("Error", images.unsupported_message(image), None))
                argv = host_argv
                if prepared.plan is not None and prepared.plan.hides_own and argv:
                    argv = self._without_venv(prepared, argv)
            else:
                from tiphys.local.docker import run_argv

                argv = run_argv(
                    backend,
                    name=f"{pod.pod_name}-{name}-{index}",
                    image=image,
                    command=command,
                    args=args,
                    env={k: v for k, v in env.items() if os.environ.get(k) != v},
                    mounts=prepared.docker_mounts,
                    working_dir=spec.get("workingDir"),
                )
            cwd = spec.get("workingDir")
            if cwd and prepared.plan is not None:
                prepared.real(str(cwd)).mkdir(parents=True, exist_ok=True)
            cleanup = None
            if backend != "host":
                cleanup = [backend, "rm", "-f", f"{pod.pod_name}-{name}-{index}"]
            container = _Container(name, argv, env, spec, cwd, cleanup)
            {"init": prepared.inits, "main": prepared.containers, "sidecar": prepared.sidecars}[
                role
            ].append(container)
        if prepared.plan is not None:
            prepared.binds = prepared.plan.ordered()
        if prepared.plan is None:
            (pod.sandbox / "work").mkdir(exist_ok=True)
            if backend == "host":  # no namespace: temp files at least stay in the sandbox
                (pod.sandbox / "tmp").mkdir(exist_ok=True)
                for container in [*prepared.inits, *prepared.containers, *prepared.sidecars]:
                    container.env["TMPDIR"] = str(pod.sandbox / "tmp")

    @staticmethod
    def _argosay_argv(prepared: _Prepared) -> list[str]:
        """How the node runs argosay: ``python -m tiphys.local.argosay``, or, when a volume
        hides the venv and tiphys inside the node, the base interpreter on argosay's file
        opened before the mounts (it imports the standard library only)."""
        import sys

        from tiphys.local import host, images

        if prepared.plan is None or not prepared.plan.hides_own:
            return [sys.executable, "-m", images.ARGOSAY_MODULE]
        if prepared.argosay_fd is None:
            from tiphys.local import argosay

            prepared.argosay_fd = os.open(argosay.__file__, os.O_RDONLY)
            prepared.keep_fds.append(prepared.argosay_fd)
        # -I: the file's directory (tiphys/local, whose selectors.py would shadow the standard
        # library's) is not put first in sys.path, nor is PYTHONPATH read
        return [host.base_interpreter(), "-I", f"/proc/self/fd/{prepared.argosay_fd}"]

    def _without_venv(self, prepared: _Prepared, argv: list[str]) -> list[str]:
        """``argv`` for a node whose volumes hide the venv and tiphys (see _argosay_argv)."""
        import sys

        from tiphys.local import host, images

        if argv[0] != sys.executable:
            return argv
        if argv[1:3] == ["-m", images.ARGOSAY_MODULE]:
            return [*self._argosay_argv(prepared), *argv[3:]]
        return [host.base_interpreter(), *argv[1:]]

    @staticmethod
    def _standins(pod: PodSpec, prepared: _Prepared, programs: Mapping[str, str]) -> str:
        """Write stand-in programs (:func:`tiphys.local.images.standins`) for the node.

        With a namespace they are the node's ``/usr/games``; returns where they are.
        """
        games = pod.sandbox / "games"
        if not games.is_dir():
            games.mkdir()
            if prepared.plan is not None:
                prepared.plan.bind_dir(games, "/usr/games")
        for name, text in programs.items():
            script = games / name
            if not script.exists():
                script.write_text(text)
                script.chmod(0o755)
        return "/usr/games" if prepared.plan is not None else str(games)

    def _volumes(
        self, pod: PodSpec, prepared: _Prepared, specs: Sequence[Mapping[str, Any]]
    ) -> None:
        by_name = {str(v.get("name")): v for v in pod.volumes}
        by_name.update({str(v.get("name")): v for v in pod.template.get("volumes") or []})
        run_dir = pod.sandbox.parent.parent
        made: dict[str, Path] = {}
        for spec in specs:
            for mount in spec.get("volumeMounts") or []:
                name = str(mount.get("name"))
                if name not in made:
                    made[name] = self._volume_dir(pod, run_dir, name, by_name.get(name))
                source = made[name]
                if mount.get("subPath"):
                    source = source / str(mount["subPath"])
                    source.mkdir(parents=True, exist_ok=True)
                target = str(mount.get("mountPath"))
                if prepared.plan is not None:
                    prepared.plan.bind_dir(source, target)
                else:
                    prepared.docker_mounts.append((str(source), target))

    def _volume_dir(
        self, pod: PodSpec, run_dir: Path, name: str, volume: Mapping[str, Any] | None
    ) -> Path:
        if volume is not None and "hostPath" in volume:
            return Path(str(volume["hostPath"].get("path")))
        if volume is not None and ("configMap" in volume or "secret" in volume):
            target = pod.sandbox / "volumes" / name
            target.mkdir(parents=True, exist_ok=True)
            if "configMap" in volume:
                source = volume["configMap"]
                keys = self.store.configmap_keys(str(source.get("name")))
                what = f"configmap '{source.get('name')}'"
            else:
                source = volume["secret"]
                keys = self.store.secret_keys(str(source.get("secretName")))
                what = f"secret '{source.get('secretName')}'"
            if keys is None:
                if source.get("optional"):
                    return target
                flag = "--configmap" if "configMap" in volume else "--secret"
                raise _Problem(
                    PodResult(
                        "Error",
                        f"volume '{name}' needs {what}: give its keys with {flag} NAME.KEY=VALUE",
                        None,
                    )
                )
            items = source.get("items")
            pairs = (
                [(str(i.get("key")), str(i.get("path"))) for i in items]
                if items
                else [(k, k) for k in keys]
            )
            for key, rel in pairs:
                if key in keys:
                    path = target / rel
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(keys[key])
            return target
        if volume is None or "persistentVolumeClaim" in volume:
            claim = name
            if volume is not None:
                claim = str(volume["persistentVolumeClaim"].get("claimName") or name)
            target = run_dir / "volumes" / claim
        else:  # emptyDir and any other kind: private to the pod
            target = pod.sandbox / "volumes" / name
        target.mkdir(parents=True, exist_ok=True)
        return target

    def _input_artifacts(self, pod: PodSpec, prepared: _Prepared) -> None:
        for art in (pod.template.get("inputs") or {}).get("artifacts") or []:
            path = art.get("path")
            if not path:
                continue
            dest = prepared.real(str(path))
            if self.backend != "host" and dest == Path(str(path)):
                dest = pod.sandbox / "inputs" / str(art.get("name"))
                prepared.docker_mounts.append((str(dest), str(path)))
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                self.artifacts.fetch_input(art, dest, self.store)
            except TiphysError as err:
                raise _Problem(PodResult("Error", self.store.redact(str(err)), None)) from None

    def _base_env(self, pod: PodSpec) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "ARGO_POD_NAME": pod.pod_name,
                "ARGO_POD_UID": str(uuid.uuid4()),
                "ARGO_WORKFLOW_NAME": pod.workflow_name,
                "ARGO_NODE_ID": pod.node_id,
            }
        )
        template = json.dumps(pod.template, separators=(",", ":"))
        if len(template) < 100_000:  # exec refuses one string over 128 KiB (MAX_ARG_STRLEN)
            env["ARGO_TEMPLATE"] = template
        return env

    def _env(
        self, pod: PodSpec, spec: Mapping[str, Any], base: Mapping[str, str], name: str
    ) -> dict[str, str]:
        env = dict(base)
        env["ARGO_CONTAINER_NAME"] = name
        for var in spec.get("env") or []:
            key = str(var.get("name"))
            source = var.get("valueFrom") or {}
            value: str | None
            try:
                if "secretKeyRef" in source:
                    ref = source["secretKeyRef"]
                    value = self.store.secret(
                        str(ref.get("name")),
                        str(ref.get("key")),
                        optional=bool(ref.get("optional")),
                    )
                elif "configMapKeyRef" in source:
                    ref = source["configMapKeyRef"]
                    value = self.store.configmap(
                        str(ref.get("name")),
                        str(ref.get("key")),
                        optional=bool(ref.get("optional")),
                    )
                elif "fieldRef" in source:
                    field_path = str(source["fieldRef"].get("fieldPath"))
                    value = {
                        "metadata.name": pod.pod_name,
                        "metadata.namespace": pod.namespace,
                        "status.podIP": "127.0.0.1",
                        "status.hostIP": "127.0.0.1",
                        "spec.nodeName": "local",
                    }.get(field_path, "")
                else:
                    value = _expand(str(var.get("value") or ""), env)
            except TiphysError as err:
                raise _Problem(PodResult("Error", str(err), None)) from None
            if value is not None:
                env[key] = value
        return env

    # --- running ---------------------------------------------------------------------------

    async def _start(self, pod: PodSpec, prepared: _Prepared, container: _Container) -> _Running:
        from tiphys.local import host

        hook = None
        if prepared.plan is not None:
            # Docker's default is the image's WORKDIR, "/" for every image the host stands in
            # for. Chrooted in a private copy of "/" (a declared path directly under "/", as
            # examples/conditional-artifacts.yaml's "/result.txt" written as "result.txt"),
            # the node gets "/"; otherwise its private /tmp keeps relative writes in the sandbox.
            rootfs = prepared.plan.rootfs
            cwd = container.cwd or ("/" if rootfs is not None else "/tmp")
            hook = host.preexec(prepared.binds, cwd, str(rootfs) if rootfs else None)
        elif container.cwd and self.backend == "host":
            hook = None
        log = open(pod.log_dir / f"{container.name}.log", "a", encoding="utf-8")  # noqa: SIM115
        cwd_arg = None
        if prepared.plan is None:
            cwd_arg = (
                container.cwd
                if (container.cwd and self.backend == "host")
                else str(pod.sandbox / "work")
            )
        try:
            loop = asyncio.get_running_loop()
            transport, protocol = await loop.subprocess_exec(
                lambda: _ExitProtocol(_CHUNK, loop),
                *container.argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=container.env,
                cwd=cwd_arg,
                start_new_session=True,
                preexec_fn=hook,
                pass_fds=tuple(prepared.keep_fds),
            )
            proc = asyncio.subprocess.Process(transport, protocol, loop)
        except FileNotFoundError:
            log.close()
            raise _Problem(
                PodResult(
                    "Failed",
                    f"{container.name}: Error (exit code 127): failed to find name in PATH: "
                    f'exec: "{container.argv[0]}": executable file not found in $PATH',
                    127,
                    {"exitCode": "127"},
                )
            ) from None
        except Exception as err:  # preexec failures arrive as SubprocessError
            log.close()
            raise _Problem(
                PodResult("Error", f"{container.name}: cannot start: {err}", None)
            ) from None
        tail = _Tail()
        assert proc.stdout is not None and proc.stderr is not None
        pumps = [
            asyncio.ensure_future(self._pump(pod, container.name, proc.stdout, log, tail)),
            asyncio.ensure_future(self._pump(pod, container.name, proc.stderr, log, None)),
        ]
        return _Running(proc, pumps, tail, log, container.cleanup, protocol.exited)

    async def _pump(
        self,
        pod: PodSpec,
        container: str,
        stream: asyncio.StreamReader,
        log: Any,
        tail: _Tail | None,
    ) -> None:
        pending = b""
        while True:
            chunk = await stream.read(_CHUNK)
            if not chunk:
                break
            if tail is not None:
                tail.add(chunk)
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                self._line(pod, container, line, log)
            if len(pending) > _CHUNK * 16:  # a very long line: emit it in pieces
                self._line(pod, container, pending, log)
                pending = b""
            with contextlib.suppress(OSError, ValueError):
                log.flush()  # the server's `logs -f` reads the file while the pod runs
        if pending:
            self._line(pod, container, pending, log)

    def _line(self, pod: PodSpec, container: str, raw: bytes, log: Any) -> None:
        # Nothing here may stop the pump: a pipe nobody reads would block the process forever.
        text = f"{_timestamp()} {raw.decode('utf-8', errors='replace')}"
        with contextlib.suppress(OSError, ValueError):
            log.write(text + "\n")
        if self.on_log is not None:
            with contextlib.suppress(Exception):
                self.on_log(pod.pod_name, container, text)

    async def _wait(self, pod: PodSpec, running: _Running) -> int | None:
        """Wait for the process; None when the pod deadline passed (the process is killed)."""
        remaining = None if pod.deadline is None else pod.deadline - time.monotonic()
        try:
            if remaining is not None and remaining <= 0:
                raise TimeoutError
            await asyncio.wait_for(running.wait(), remaining)
        except TimeoutError:
            await running.kill()
            return None
        except asyncio.CancelledError:
            await asyncio.shield(running.kill())
            raise
        return await running.finish()

    async def _run_pod(self, pod: PodSpec, prepared: _Prepared) -> PodResult:
        if pod.deadline is not None and pod.deadline <= time.monotonic():
            return PodResult("Failed", DEADLINE_MESSAGE, None)
        for init in prepared.inits:  # one after the other, before anything else
            code = await self._wait(pod, await self._start(pod, prepared, init))
            if code is None:
                return PodResult("Failed", DEADLINE_MESSAGE, None)
            if code:
                return PodResult("Failed", f"{init.name}: Error (exit code {code})", None)
        sidecars = [await self._start(pod, prepared, side) for side in prepared.sidecars]
        try:
            result = await self._run_mains(pod, prepared)
        finally:
            codes = []
            for running in sidecars:  # the executor kills sidecars once the mains are done
                if running.proc.returncode is None:
                    await asyncio.shield(running.kill())
                    codes.append(0)
                else:
                    codes.append(await asyncio.shield(running.finish()))
        for sidecar, code in zip(prepared.sidecars, codes, strict=True):
            # operator.go inferFailedReason ignores 137/143 (killed by the executor)
            if result.phase == "Succeeded" and code not in (0, 137, 143):
                return PodResult(
                    "Failed",
                    f"{sidecar.name}: Error (exit code {code})",
                    result.exit_code,
                    result.outputs,
                )
        return result

    async def _run_mains(self, pod: PodSpec, prepared: _Prepared) -> PodResult:
        containers = prepared.containers
        codes: dict[str, int | None] = {}
        tails: dict[str, _Tail] = {}
        started: dict[str, asyncio.Task[int | None]] = {}
        runs: dict[str, _Running] = {}
        failure: _Problem | None = None

        async def one(container: _Container) -> int | None:
            running = await self._start(pod, prepared, container)
            runs[container.name] = running
            tails[container.name] = running.tail
            return await self._wait(pod, running)

        deps = {c.name: [str(d) for d in c.spec.get("dependencies") or []] for c in containers}
        try:
            while len(codes) < len(containers) and failure is None:
                for c in containers:
                    if c.name in started or c.name in codes:
                        continue
                    if any(codes.get(d, -1) not in (0,) for d in deps[c.name] if d in codes):
                        codes[c.name] = None  # a dependency failed: never starts
                        continue
                    if all(codes.get(d) == 0 for d in deps[c.name]):
                        started[c.name] = asyncio.ensure_future(one(c))
                pending = [t for n, t in started.items() if n not in codes]
                if not pending:
                    for c in containers:
                        codes.setdefault(c.name, None)
                    break
                done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for name, task in started.items():
                    if task in done and name not in codes:
                        try:
                            codes[name] = task.result()
                        except _Problem as problem:
                            failure = problem
                            codes[name] = None
                        if codes[name] is None and failure is None and task.exception() is None:
                            # deadline: stop the others too
                            for other in runs.values():
                                if other.proc.returncode is None:
                                    await other.kill()
        except asyncio.CancelledError:
            for task in started.values():
                task.cancel()
            with contextlib.suppress(BaseException):
                await asyncio.gather(*started.values(), return_exceptions=True)
            raise
        for task in started.values():
            if not task.done():
                task.cancel()
        await asyncio.gather(*started.values(), return_exceptions=True)
        if failure is not None:
            return failure.result
        main = "main" if any(c.name == "main" for c in containers) else containers[-1].name
        main_code = codes.get(main)
        outputs: dict[str, Any] = {}
        if main in tails:
            outputs["result"] = tails[main].result()
        deadline_hit = any(codes.get(c.name) is None and c.name in runs for c in containers)
        if main_code is not None:
            outputs["exitCode"] = str(main_code)
        saved = self._save_outputs(pod, prepared, outputs)
        if deadline_hit:
            return PodResult("Failed", DEADLINE_MESSAGE, main_code, outputs)
        for c in containers:  # pod status order; every containerSet container is a main one
            code = codes.get(c.name)
            if code:
                return PodResult(
                    "Failed", f"{c.name}: Error (exit code {code})", main_code, outputs
                )
        if saved is not None:
            return PodResult(saved.phase, saved.message, main_code, outputs)
        return PodResult("Succeeded", "", main_code, outputs)

    def _save_outputs(
        self, pod: PodSpec, prepared: _Prepared, outputs: dict[str, Any]
    ) -> PodResult | None:
        """Fill output parameters and artifacts; a PodResult when the wait container would fail."""
        from tiphys.local.host import PathProblem

        declared = pod.template.get("outputs") or {}
        problem: PodResult | None = None
        params = []
        for param in declared.get("parameters") or []:
            param = dict(param)
            source = param.get("valueFrom") or {}
            path = source.get("path")
            if path:
                try:
                    real = prepared.real(str(path))
                    value = real.read_bytes().decode("utf-8", errors="replace")
                except (OSError, PathProblem) as err:
                    if "default" not in source:
                        staged = f"/var/run/argo/outputs/parameters{path}"
                        why = (
                            "is a directory"
                            if isinstance(err, IsADirectoryError)
                            else "no such file or directory"
                        )
                        verb = "read" if isinstance(err, IsADirectoryError) else "open"
                        problem = problem or _failed_wait(f"{verb} {staged}: {why}")
                        params.append(param)
                        continue
                    value = str(source["default"])
                param["value"] = value[:-1] if value.endswith("\n") else value
            params.append(param)
        if params:
            outputs["parameters"] = params
        arts = []
        for art in declared.get("artifacts") or []:
            path = art.get("path")
            if not path:
                continue
            try:
                real = prepared.real(str(path))
            except PathProblem:
                real = Path("/nonexistent") / str(path).lstrip("/")
            if not real.exists():
                if art.get("optional"):
                    continue
                problem = problem or _failed_wait(
                    f"open /var/run/argo/outputs/artifacts{path}.tgz: no such file or directory"
                )
                continue
            archive = art.get("archive")
            # executor.go stageArchiveFile: <name>.tgz, <name>.zip, or the path's basename.
            file_name = f"{art.get('name')}.tgz"
            if isinstance(archive, Mapping) and "none" in archive:
                file_name = os.path.basename(str(path).rstrip("/"))
            elif isinstance(archive, Mapping) and "zip" in archive:
                file_name = f"{art.get('name')}.zip"
            key = f"{pod.workflow_name}/{pod.pod_name}/{file_name}"
            own = art.get("s3") or {}
            if own.get("key") and not own.get("bucket") and not own.get("endpoint"):
                key = str(own["key"])
            try:
                self.artifacts.save(key, real, archive=archive, display=str(path))
            except TiphysError as err:
                problem = problem or _failed_wait(str(err))
                continue
            entry: dict[str, Any] = {"name": art.get("name"), "path": path, "s3": {"key": key}}
            if archive is not None:
                entry["archive"] = archive
            if art.get("globalName"):
                entry["globalName"] = art["globalName"]
            arts.append(entry)
        if arts:
            outputs["artifacts"] = arts
        return problem

    # --- http and data ---------------------------------------------------------------------

    async def _run_http(self, pod: PodSpec) -> PodResult:
        from tiphys.local.http_template import run_http

        def secret(name: str, key: str) -> str | None:
            return self.store.secret(name, key)

        phase, message, result = await run_http(pod.template["http"] or {}, secret=secret)
        outputs: dict[str, Any] = {}
        if result is not None:
            outputs["result"] = result
        return PodResult(phase, self.store.redact(message), None, outputs)

    async def _run_data(self, pod: PodSpec) -> PodResult:
        from tiphys.argo.exprlang import ExprError, evaluate, go_json

        data = pod.template.get("data") or {}
        source = (data.get("source") or {}).get("artifactPaths")
        prefix = "unable to process data template: "
        if source is None:
            return PodResult(
                "Error",
                prefix + "unable to process data source: no valid source is used for data template",
                None,
            )
        key = str((source.get("s3") or {}).get("key") or "")
        try:
            if not key:
                raise TiphysError(
                    f"artifact '{source.get('name')}' has no key of the local artifact store"
                )
            root = self.artifacts.path(key)
        except TiphysError as err:
            return PodResult(
                "Error",
                f"{prefix}unable to process data source: unable to source artifact paths: {err}",
                None,
            )
        if root.is_dir():
            value: Any = sorted(
                f"{key.rstrip('/')}/{p.relative_to(root).as_posix()}"
                for p in root.rglob("*")
                if p.is_file()
            )
        else:
            value = [key]
        for index, step in enumerate(data.get("transformation") or []):
            expression = step.get("expression")
            if not expression:
                continue
            try:
                value = evaluate(str(expression), {"data": value})
            except ExprError as err:
                return PodResult(
                    "Error",
                    f"{prefix}unable to process data transformation: error processing data "
                    f"step {index}: {err}",
                    None,
                )
        return PodResult("Succeeded", "", None, {"result": go_json(value)})


class Daemon:
    """A started daemon node (``daemon: true``).

    Attributes:
        ip: The address other nodes reach it at: ``"127.0.0.1"``.
    """

    ip: str = "127.0.0.1"

    def __init__(
        self,
        executor: Executor,
        pod: PodSpec,
        prepared: _Prepared,
        running: _Running | None,
        failed: PodResult | None,
    ) -> None:
        self._executor = executor
        self._pod = pod
        self._prepared = prepared
        self._running = running
        self._failed = failed
        self._ended: PodResult | None = None

    def _spec(self) -> Mapping[str, Any]:
        template = self._pod.template
        spec = template.get("container") or template.get("script") or {}
        return spec if isinstance(spec, Mapping) else {}

    async def _end(self, code: int | None) -> PodResult:
        if self._ended is None:
            outputs: dict[str, Any] = {}
            if code is not None:
                outputs["exitCode"] = str(code)
            if code is None:
                self._ended = PodResult("Failed", DEADLINE_MESSAGE, None, outputs)
            elif code:
                self._ended = PodResult("Failed", f"main: Error (exit code {code})", code, outputs)
            else:
                self._ended = PodResult("Succeeded", "", code, outputs)
            self._prepared.close()
        return self._ended

    async def wait_ready(self) -> PodResult | None:
        """Wait until the readiness probe passes.

        Returns:
            None when ready (no ``readinessProbe``: ready once started); a Failed/Error
            :class:`PodResult` when the daemon exited first or the pod deadline passed.
        """
        from tiphys.local.probes import probe_once

        if self._failed is not None:
            return self._failed
        running = self._running
        assert running is not None
        spec = self._spec()
        probe = spec.get("readinessProbe")
        if not probe:
            return None
        ports = {
            str(p.get("name")): int(p.get("containerPort") or 0)
            for p in spec.get("ports") or []
            if p.get("name")
        }
        delay = float(probe.get("initialDelaySeconds") or 0)
        period = max(float(probe.get("periodSeconds") or 10), 0.05)
        container = self._prepared.containers[0]
        env = container.env
        if "exec" in probe and container.cleanup:  # docker/podman: run it in the container
            command = [str(c) for c in probe["exec"].get("command") or []]
            engine, _, _, name = container.cleanup
            probe = {**probe, "exec": {"command": [engine, "exec", name, *command]}}
        hook = None
        if self._prepared.plan is not None:
            from tiphys.local import host

            rootfs = self._prepared.plan.rootfs
            hook = host.preexec(
                self._prepared.binds,
                container.cwd or ("/" if rootfs else "/tmp"),
                str(rootfs) if rootfs else None,
            )
        next_try = time.monotonic() + delay
        while True:
            deadline = self._pod.deadline
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                await running.kill()
                return await self._end(None)
            wake = next_try if deadline is None else min(next_try, deadline)
            try:
                await asyncio.wait_for(running.wait(), max(wake - now, 0))
                return await self._end(await running.finish())
            except TimeoutError:
                pass
            if time.monotonic() >= next_try:
                if await probe_once(probe, env=env, ports=ports, preexec=hook):
                    return None
                next_try = time.monotonic() + period

    async def stop(self) -> PodResult:
        """Stop the daemon (SIGTERM to its group, SIGKILL after 2 s).

        Returns:
            Succeeded (Argo marks daemons stopped at the end of their scope Succeeded), or the
            result it had already ended with.
        """
        if self._failed is not None:
            return self._failed
        if self._ended is not None:
            return self._ended
        running = self._running
        assert running is not None
        if running.proc.returncode is None:
            await running.kill()
        else:
            await running.finish()
        self._ended = PodResult("Succeeded", "", None, {})
        self._prepared.close()
        return self._ended
