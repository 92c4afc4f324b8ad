"""The raw ``script(source=..., image=...)`` form: a ``script`` template whose source is given.

This is the form ``tiphys convert`` writes for the ``script`` templates of existing YAML: the
source is used verbatim (Argo substitutes its ``{{inputs.parameters.x}}`` tags itself, as it
does in YAML), and the inputs are a list of :class:`~tiphys.dsl.params.Input` rather than a
function's signature. Hand-written workflows should prefer ``@script`` functions.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, Unpack

from tiphys.argo.names import kebab, template_name_problem
from tiphys.dsl._location import fail, user_location
from tiphys.dsl.artifacts import Artifact, ArtifactInput
from tiphys.dsl.container import OutputsArg, artifact_outputs_from, outputs_from
from tiphys.dsl.params import Input, InputSpec
from tiphys.dsl.pod import ContainerOptionsKw, pod_options
from tiphys.dsl.template import Output, Template


def _no_body() -> None:
    """Stands for the function of a template that has none (raw forms)."""


class RawScriptTemplate(Template[..., str]):
    """A ``script`` template whose ``source`` is given as text; see :func:`raw_script`.

    Attributes:
        image: Container image (``script.image``).
        source: The script, verbatim (``script.source``).
        command: Interpreter (``script.command``), or ``None`` to omit it.
        working_dir: ``script.workingDir``.
        image_pull_policy: ``script.imagePullPolicy``.
        settings: Pod and container settings (daemon, probes, ports...).
    """

    kind = "script"

    def __init__(
        self,
        *,
        source: str,
        image: str | None,
        command: Sequence[str] | None,
        name: str,
        inputs: Sequence[Input | Artifact],
        outputs: OutputsArg,
        working_dir: str | None,
        image_pull_policy: str | None,
        options: ContainerOptionsKw,
    ) -> None:
        where = user_location()
        problem = template_name_problem(name) if isinstance(name, str) else "a string is needed"
        if problem:
            raise fail("C109", f"script name {problem}", where)
        if not isinstance(source, str):
            raise fail("C117", f"script(source=...) takes the script text, not {source!r}", where)
        for item in inputs:
            if not isinstance(item, Input | Artifact) or (
                isinstance(item, Artifact) and not item.name
            ):
                raise fail(
                    "C117",
                    f"script(inputs=[...]) takes Input objects and named Artifact objects, "
                    f"not {item!r}",
                    where,
                )
        self.fn = _no_body
        self.name = name
        self.location = where
        self.options, self.settings = pod_options(options, where)
        self.image = image
        self.source = source
        self.command = list(command) if command is not None else None
        self.working_dir = working_dir
        self.image_pull_policy = image_pull_policy
        self._inputs = [item.spec() for item in inputs if isinstance(item, Input)]
        self._artifact_inputs = [
            ArtifactInput(str(item.name), item) for item in inputs if isinstance(item, Artifact)
        ]
        self._outputs = outputs_from(outputs, name, where)
        self._artifacts = artifact_outputs_from(outputs, name, where)
        self.__name__ = kebab(name)

    @functools.cached_property
    def inputs(self) -> list[InputSpec]:
        """The declared inputs, in order; passed by their Argo names."""
        return list(self._inputs)

    @functools.cached_property
    def artifact_inputs(self) -> list[ArtifactInput]:
        """The declared input artifacts, in order; passed by their Argo names."""
        return list(self._artifact_inputs)

    @property
    def outputs(self) -> dict[str, Output]:
        """Declared output parameters (``outputs=``)."""
        return self._outputs

    @property
    def output_artifacts(self) -> dict[str, Artifact]:
        """Declared output artifacts (``outputs=``)."""
        return self._artifacts

    @property
    def result_type(self) -> Any:
        """The result is the script's standard output, a string."""
        return str


def raw_script(
    *,
    source: str,
    name: str,
    image: str | None = None,
    command: Sequence[str] | None = None,
    inputs: Sequence[Input | Artifact] = (),
    outputs: OutputsArg = None,
    working_dir: str | None = None,
    image_pull_policy: str | None = None,
    **options: Unpack[ContainerOptionsKw],
) -> RawScriptTemplate:
    """Make a ``script`` template from its source text (``script(source=...)``).

    Args:
        source: The script (``script.source``), used verbatim: ``{{inputs.parameters.x}}``
            tags in it are substituted by Argo, exactly as in YAML.
        name: The template name (``name``).
        image: Container image (``script.image``).
        command: Interpreter (``script.command``, e.g. ``["python"]``); omitted when ``None``.
        inputs: Input parameters (``inputs.parameters``), as :class:`Input` objects, and
            input artifacts (``inputs.artifacts``), as named :class:`~tiphys.Artifact`
            objects (``Artifact("data", path="/in")``); callers pass them by name
            (``**{"my-param": x}`` for names that are not identifiers).
        outputs: Output parameters and artifacts, as for :func:`tiphys.container`.
        working_dir: ``script.workingDir``.
        image_pull_policy: ``script.imagePullPolicy``.
        **options: Common template options and container settings
            (:class:`~tiphys.dsl.pod.ContainerOptionsKw`: ``daemon``, ``readiness``...).

    Returns:
        A :class:`RawScriptTemplate`; calling it in a ``@dag``/``@steps`` body adds a task.

    Raises:
        CompileError: A bad name, source, input or option, located at the call.
    """
    return RawScriptTemplate(
        source=source,
        image=image,
        command=command,
        name=name,
        inputs=inputs,
        outputs=outputs,
        working_dir=working_dir,
        image_pull_policy=image_pull_policy,
        options=options,
    )
