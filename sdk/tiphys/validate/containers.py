"""Checks of container sets, inline templates, daemons and graceful shutdown (``V150``-``V159``).

The rules follow Argo v4.1.2's validator (``workflow/validate/validate.go``, and
``ContainerSetTemplate.Validate`` in ``pkg/apis/workflow/v1alpha1``) and what Kubernetes does
with the pods:

======  ======================================================================================
V150    a ``containerSet`` template with output parameters or artifacts, or input artifacts,
        and no container named ``main`` (Argo reads and places them there only)
V151    a ``containerSet`` container whose ``dependencies`` name no container of the set
V152    a dependency cycle between the containers of a ``containerSet``
V153    an ``inline`` template inside an inline template (Argo resolves one level only)
V154    ``{{tasks.X.ip}}``/``{{steps.X.ip}}`` where X runs a template that is not a daemon
        (a warning: only daemons are still running, at a known IP, when others start), or where
        X is a loop (``withItems``/``withParam``/``withSequence``; an error: the loop's node runs
        no pod and Argo sets no IP for it, so the tag stays unresolved)
V155    a ``containerSet`` container name that is no DNS-1123 label, used twice, or the name of
        a container Argo adds to the pod (``init``, ``wait``)
V156    two ``containerSet.volumeMounts`` at the same ``mountPath``
V157    a ``lifecycle.preStop.sleep`` not shorter than the pod's termination grace period
        (``terminationGracePeriodSeconds`` of ``podSpecPatch``, else 30 s): the container is
        killed before it gets ``SIGTERM`` (a warning)
V158    a ``readinessProbe`` on the container of a template that is not a daemon (a warning:
        Argo waits for readiness only for daemons)
V159    an ``inline`` template naming an input its enclosing template also has
        (``{{inputs.parameters.x}}``, ``{{inputs.artifacts.x...}}``), or reading ``inputs`` in
        an ``{{=...}}`` expression when the enclosing template has inputs: Argo substitutes the
        inline template in the enclosing template's context first
        (:mod:`tiphys.argo.inline_scope`)
======  ======================================================================================

Templates are those of ``spec.templates`` and the ``inline`` templates of their tasks and steps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from tiphys.argo.graphs import find_cycles
from tiphys.argo.inline_scope import inline_scope_problem
from tiphys.argo.k8s import container_name_problem
from tiphys.argo.paths import join
from tiphys.argo.pods import argo_container_problem
from tiphys.argo.tags import simple_tags
from tiphys.errors import Severity, choices_hint

__all__ = ["check_containers"]

Add = Callable[[str, str, str, Severity], None]
"""Records a finding: ``add(code, message, path, severity)``."""

MAIN = "main"
DEFAULT_GRACE_PERIOD = 30
_POD_TYPES = ("container", "script")
_NODE_ROOTS = {"dag": "tasks", "steps": "steps"}


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _calls(template: Mapping[str, Any], path: str) -> Iterator[tuple[Mapping[str, Any], str]]:
    """The DAG tasks or steps of a template, each with its path."""
    tasks_path = join(join(path, "dag"), "tasks")
    for i, task in enumerate(_list(_mapping(template.get("dag")).get("tasks"))):
        if isinstance(task, Mapping):
            yield task, join(tasks_path, i)
    for g, group in enumerate(_list(template.get("steps"))):
        for i, step in enumerate(_list(group)):
            if isinstance(step, Mapping):
                yield step, join(join(join(path, "steps"), g), i)


def _strings(value: object, path: str) -> Iterator[tuple[str, str]]:
    """Every string below ``value`` holding ``{{``, with its path (inline bodies excluded)."""
    if isinstance(value, str):
        if "{{" in value:
            yield value, path
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if key != "inline":
                yield from _strings(item, join(path, str(key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, join(path, i))


def _patch_grace(patch: object) -> int | None:
    """``terminationGracePeriodSeconds`` of a ``podSpecPatch`` string, when it can be read."""
    if not isinstance(patch, str) or "terminationGracePeriodSeconds" not in patch:
        return None
    import yaml

    try:
        value = yaml.safe_load(patch)
    except yaml.YAMLError:
        return None
    grace = _mapping(value).get("terminationGracePeriodSeconds")
    return grace if isinstance(grace, int) and not isinstance(grace, bool) else None


class _Containers:
    def __init__(self, spec: Mapping[str, Any], add: Add) -> None:
        self.add = add
        self.templates = {
            t["name"]: t
            for t in _list(spec.get("templates"))
            if isinstance(t, Mapping) and isinstance(t.get("name"), str)
        }
        defaults = _mapping(spec.get("templateDefaults"))
        self.default_daemon = defaults.get("daemon") is True
        self.local = "workflowTemplateRef" not in spec
        self.spec_grace = _patch_grace(spec.get("podSpecPatch"))

    def template(self, template: Mapping[str, Any], path: str, inline: bool = False) -> None:
        """One template; then the inline templates of its tasks or steps."""
        name = template.get("name")
        role = f"template '{name}'" if isinstance(name, str) else "this inline template"
        if isinstance(template.get("containerSet"), Mapping):
            self.container_set(template, join(path, "containerSet"), role)
        self.shutdown(template, path)
        self.readiness(template, path, role)
        self.node_ips(template, path)
        for call, call_path in _calls(template, path):
            body = call.get("inline")
            if not isinstance(body, Mapping):
                continue
            if inline:
                self.add(
                    "V153",
                    f"{role} runs an inline template of its own, but Argo resolves inline "
                    "templates one level deep only: move one of them to spec.templates and refer "
                    "to it with 'template: <name>'",
                    join(call_path, "inline"),
                    "error",
                )
                continue
            self.inline_scope(template, body, join(call_path, "inline"))
            self.template(body, join(call_path, "inline"), inline=True)

    def inline_scope(self, outer: Mapping[str, Any], body: Mapping[str, Any], path: str) -> None:
        """``V159``: an inline template whose variables the enclosing template would resolve."""
        inputs = _mapping(outer.get("inputs"))
        names = [
            [_mapping(p).get("name") for p in _list(inputs.get(kind))]
            for kind in ("parameters", "artifacts")
        ]
        problem = inline_scope_problem(
            body,
            [n for n in names[0] if isinstance(n, str)],
            [n for n in names[1] if isinstance(n, str)],
        )
        if problem is not None:
            self.add(
                "V159",
                f"Argo substitutes an inline template's variables in the enclosing template "
                f"first: {problem}, so it would be resolved with the enclosing template's inputs "
                "instead of its own arguments: move it to spec.templates and refer to it with "
                "'template: <name>', or rename its inputs",
                path,
                "error",
            )

    # -- containerSet ---------------------------------------------------------------------

    def container_set(self, template: Mapping[str, Any], path: str, role: str) -> None:
        container_set = template["containerSet"]
        containers_path = join(path, "containers")
        containers = [
            (c, join(containers_path, i))
            for i, c in enumerate(_list(container_set.get("containers")))
            if isinstance(c, Mapping)
        ]
        names: dict[str, str] = {}
        for container, container_path in containers:
            name = container.get("name")
            if not isinstance(name, str):
                continue  # required by the schema
            name_path = join(container_path, "name")
            problem = container_name_problem(name)
            if problem:
                self.add("V155", f"invalid container name: {problem}", name_path, "error")
            clash = argo_container_problem(name)
            if clash:
                self.add("V155", f"container name '{name}' {clash}", name_path, "error")
            if name in names:
                self.add(
                    "V155",
                    f"duplicate container name '{name}' (also at {names[name]}): container "
                    "names must be unique in a containerSet; rename one",
                    name_path,
                    "error",
                )
            else:
                names[name] = container_path
        graph: dict[str, list[str]] = {}
        for container, container_path in containers:
            name = container.get("name")
            deps_path = join(container_path, "dependencies")
            deps = [
                (d, join(deps_path, j))
                for j, d in enumerate(_list(container.get("dependencies")))
                if isinstance(d, str)
            ]
            for dep, dep_path in deps:
                if dep not in names:
                    self.add(
                        "V151",
                        f"container '{name}' depends on '{dep}', which is not a container of "
                        f"this containerSet{choices_hint(dep, names, 'containers')}",
                        dep_path,
                        "error",
                    )
            if isinstance(name, str):
                graph.setdefault(name, []).extend(d for d, _ in deps if d in names)
        self.cycles(graph, names)
        self.main(template, names, path, role)
        self.mounts(container_set, join(path, "volumeMounts"))

    def main(
        self, template: Mapping[str, Any], names: Mapping[str, str], path: str, role: str
    ) -> None:
        inputs, outputs = _mapping(template.get("inputs")), _mapping(template.get("outputs"))
        needs = [f"output {k}" for k in ("parameters", "artifacts") if _list(outputs.get(k))]
        if _list(inputs.get("artifacts")):
            needs.append("input artifacts")
        if needs and MAIN not in names:
            self.add(
                "V150",
                f"{role} has {' and '.join(needs)}, which Argo reads from (or places in) the "
                f"container named '{MAIN}' only, and none of its containers is named '{MAIN}': "
                f"rename the container that produces them to '{MAIN}'",
                join(path, "containers"),
                "error",
            )

    def cycles(self, graph: Mapping[str, list[str]], where: Mapping[str, str]) -> None:
        """Report each cycle once, as ``a -> b -> a``."""
        for cycle in find_cycles(graph, lambda name: graph.get(name, ())):
            self.add(
                "V152",
                f"container dependency cycle {' -> '.join(cycle)}: these containers "
                "wait for each other forever; remove one of these dependencies",
                join(where[cycle[0]], "dependencies"),
                "error",
            )

    def mounts(self, container_set: Mapping[str, Any], path: str) -> None:
        seen: dict[str, str] = {}
        for i, mount in enumerate(_list(container_set.get("volumeMounts"))):
            mount_path = _mapping(mount).get("mountPath")
            if not isinstance(mount_path, str):
                continue
            if mount_path in seen:
                self.add(
                    "V156",
                    f"mountPath '{mount_path}' is mounted twice (also at {seen[mount_path]}): "
                    "mount each path once",
                    join(join(path, i), "mountPath"),
                    "error",
                )
            else:
                seen[mount_path] = join(path, i)

    # -- pods -------------------------------------------------------------------------------

    def shutdown(self, template: Mapping[str, Any], path: str) -> None:
        """Pre-stop sleeps against the pod's termination grace period."""
        grace = _patch_grace(template.get("podSpecPatch")) or self.spec_grace
        limit = grace if grace is not None else DEFAULT_GRACE_PERIOD
        holders = [(template.get(k), join(path, k)) for k in _POD_TYPES]
        containers_path = join(join(path, "containerSet"), "containers")
        holders += [
            (c, join(containers_path, i))
            for i, c in enumerate(_list(_mapping(template.get("containerSet")).get("containers")))
        ]
        for holder, holder_path in holders:
            pre_stop = _mapping(_mapping(_mapping(holder).get("lifecycle")).get("preStop"))
            sleep = _mapping(pre_stop.get("sleep")).get("seconds")
            if not isinstance(sleep, int) or isinstance(sleep, bool) or sleep < limit:
                continue
            source = (
                "terminationGracePeriodSeconds in podSpecPatch"
                if grace is not None
                else "Kubernetes' default; set terminationGracePeriodSeconds in podSpecPatch"
            )
            self.add(
                "V157",
                f"the pre-stop hook sleeps {sleep} s, but the pod's termination grace period is "
                f"{limit} s ({source}), and Kubernetes kills the container when it ends, so the "
                "process never gets SIGTERM: sleep less or give the pod a longer grace period",
                join(join(join(join(holder_path, "lifecycle"), "preStop"), "sleep"), "seconds"),
                "warning",
            )

    def is_daemon(self, template: Mapping[str, Any]) -> bool:
        return template.get("daemon") is True or (
            self.default_daemon and template.get("daemon") is None
        )

    def readiness(self, template: Mapping[str, Any], path: str, role: str) -> None:
        if self.is_daemon(template):
            return
        for kind in _POD_TYPES:
            if "readinessProbe" in _mapping(template.get(kind)):
                self.add(
                    "V158",
                    f"{role} has a readiness probe but is not a daemon, and Argo waits for "
                    "readiness only for daemons: add 'daemon: true' or remove the probe",
                    join(join(path, kind), "readinessProbe"),
                    "warning",
                )

    def node_ips(self, template: Mapping[str, Any], path: str) -> None:
        """``{{tasks.X.ip}}``/``{{steps.X.ip}}`` of nodes that do not run a daemon."""
        for key, root in _NODE_ROOTS.items():
            if key not in template:
                continue
            calls = list(_calls(template, path))
            members = {c["name"]: c for c, _ in calls if isinstance(c.get("name"), str)}
            for call, call_path in calls:
                for text, where in _strings(call, call_path):
                    for tag in simple_tags(text):
                        head, _, rest = tag.partition(".")
                        name, _, field = rest.partition(".")
                        if head == root and field == "ip" and name in members:
                            self.ip(tag, name, members[name], where)

    def ip(self, tag: str, name: str, producer: Mapping[str, Any], path: str) -> None:
        loop = next((k for k in _LOOPS if k in producer), None)
        if loop is not None:
            self.add(
                "V154",
                f"'{{{{{tag}}}}}' is the IP of '{name}', but '{name}' is a loop ({loop}): its "
                "node runs no pod and Argo sets no IP for it, so the tag stays unresolved: "
                "start each daemon as its own task or step and use its IP",
                path,
                "error",
            )
            return
        target = producer.get("inline")
        if not isinstance(target, Mapping):
            if not self.local or "templateRef" in producer:
                return
            target = self.templates.get(str(producer.get("template")))
        if target is None or self.is_daemon(target):
            return
        what = f"template '{target['name']}'" if "name" in target else "its inline template"
        self.add(
            "V154",
            f"'{{{{{tag}}}}}' is the IP of '{name}', but {what} is not a daemon, so its pod has "
            "ended (and its IP may belong to another pod) when this runs: add 'daemon: true' to "
            "the template",
            path,
            "warning",
        )


_LOOPS = ("withItems", "withParam", "withSequence")
"""The fields that make a task or step a loop."""


def check_containers(spec: Mapping[str, Any], spec_path: str, add: Add) -> None:
    """Check the container sets, inline templates, daemons and pre-stop hooks of a workflow
    spec (see the module docstring).

    Args:
        spec: The workflow spec (a CronWorkflow's ``spec.workflowSpec``).
        spec_path: Its path, ``spec`` or ``spec.workflowSpec``.
        add: Called once per finding.
    """
    checker = _Containers(spec, add)
    for i, template in enumerate(_list(spec.get("templates"))):
        if isinstance(template, Mapping):
            checker.template(template, join(join(spec_path, "templates"), i))
