"""``@plugin``: a template run by an executor plugin (a ``plugin`` template).

Executor plugins are sidecars of Argo's agent pod that the controller is configured with (in
its ConfigMap, or ``spec.executorPlugins`` when workflow-level plugins are enabled); a template
names one plugin and gives it a free-form configuration, which the body returns.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ParamSpec, Unpack

from tiphys.dsl._keywords import checked_decorator
from tiphys.dsl._location import definition_location, fail
from tiphys.dsl.container import SymbolicRun, run_symbolic
from tiphys.dsl.leaf import KindTemplate, NodeOptionsKw

P = ParamSpec("P")


class PluginTemplate(KindTemplate[P, str]):
    """A ``plugin`` template; see :func:`plugin`.

    Attributes:
        plugin: The plugin's name (the key under ``plugin``).
    """

    kind = "plugin"
    scopes = frozenset({"node", "leaf"})
    refusal = "an executor plugin runs in Argo's agent, not in a pod of this template"

    def __init__(
        self,
        fn: Callable[P, Any],
        *,
        plugin: str,
        name: str | None,
        inline: bool,
        options: NodeOptionsKw,
    ) -> None:
        super().__init__(fn, name=name, inline=inline, options=options)
        if not isinstance(plugin, str) or not plugin:
            raise fail(
                "C128",
                f"@plugin {self.name!r}: the plugin name must be a non-empty string, not "
                f"{plugin!r}",
                definition_location(fn),
            )
        self.plugin = plugin

    @property
    def result_type(self) -> Any:
        """A plugin may set ``outputs.result``, a string."""
        return str

    def config(self) -> SymbolicRun:
        """Run the body symbolically; its value is the plugin's configuration.

        Raises:
            CompileError: ``C126`` the body did not return a dict.
        """
        run = run_symbolic(self)
        if not isinstance(run.value, dict):
            raise fail(
                "C126",
                f"@plugin {self.name!r} must return the plugin's configuration as a dict "
                f"(use {{}} for none), not {run.value!r}",
                self.location,
            )
        return run


@checked_decorator
def plugin(
    plugin: str,
    *,
    name: str | None = None,
    inline: bool = False,
    **options: Unpack[NodeOptionsKw],
) -> Callable[[Callable[P, Any]], PluginTemplate[P]]:
    """Make a ``plugin`` template: the executor plugin ``plugin`` runs it.

    The body runs once at compile time with symbolic parameters and returns the plugin's
    configuration, a dict of JSON values (``plugin: {<plugin>: {...}}``). Parameters formatted
    into strings are pasted by Argo as they are; a parameter given as a whole value arrives as
    a string (``{{inputs.parameters.x}}``).

    Args:
        plugin: The plugin's name, as the controller knows it (e.g. ``"hello"``).
        name: Template name; default: the function name in kebab case.
        inline: Emit the template inline in the tasks that use it.
        **options: Common template options that apply to any node: ``retry``, ``timeout``,
            ``active_deadline``, ``patch``.

    Returns:
        A decorator producing a :class:`PluginTemplate`; calling it in a ``@dag`` returns a
        ``Task[str]``.

    Raises:
        CompileError: ``C128`` an empty plugin name; ``C123`` an option that does not apply;
            when compiled, ``C126`` a body that does not return a dict.
    """

    def decorate(fn: Callable[P, Any]) -> PluginTemplate[P]:
        return PluginTemplate(fn, plugin=plugin, name=name, inline=inline, options=options)

    return decorate
