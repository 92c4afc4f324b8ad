"""Regression tests of bugs that reviews found in the client, apply and convert: explicit
``false``/``0`` and canonical quantities in apply, non-ASCII tokens, CLI-first error advice,
and empty parameter lists in the convert round trip (each failed before its fix)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path

import pytest

from argo_contract import fake_config, ok
from argo_fake import ArgoFake
from test_apply import NS, WFT, local, stored
from tiphys.client import Client, apply, resolve_config


@pytest.fixture
def argo() -> Iterator[ArgoFake]:
    with ArgoFake(socket_timeout=5) as fake:
        yield fake


@pytest.fixture
def client(argo: ArgoFake) -> Iterator[Client]:
    config = fake_config(argo, token="s3cr3t-review-token", namespace=NS)
    with Client(config, sleep=lambda _s: None) as made:
        yield made


def _dag(fail_fast: bool | None) -> dict[str, object]:
    manifest = local()
    dag: dict[str, object] = {"tasks": [{"name": "a", "template": "main"}]}
    if fail_fast is not None:
        dag["failFast"] = fail_fast
    manifest["spec"]["templates"].insert(0, {"name": "flow", "dag": dag})
    manifest["spec"]["entrypoint"] = "flow"
    manifest["spec"]["arguments"] = {}
    manifest["spec"]["templates"][1]["inputs"] = {}
    manifest["spec"]["templates"][1]["container"]["command"] = ["true"]
    return manifest


def test_apply_sends_an_explicit_false_that_differs_from_the_default(
    argo: ArgoFake, client: Client
) -> None:
    one = f"{WFT}/release"
    held = stored(_dag(None))  # on the server: failFast unset (default true)
    argo.add("GET", one, ok("GET", one, held))
    argo.add("PUT", one, ok("PUT", one, stored(_dag(False), rv="4712")))
    assert apply(_dag(False), client=client).action == "updated"


def test_apply_removing_an_explicit_false_is_an_update(argo: ArgoFake, client: Client) -> None:
    one = f"{WFT}/release"
    held = stored(_dag(False))  # the server keeps failFast: false (a *bool)
    argo.add("GET", one, ok("GET", one, held))
    argo.add("PUT", one, ok("PUT", one, stored(_dag(None), rv="4712")))
    assert apply(copy.deepcopy(_dag(None)), client=client).action == "updated"


def test_apply_of_an_explicit_false_the_server_keeps_is_unchanged(
    argo: ArgoFake, client: Client
) -> None:
    one = f"{WFT}/release"
    argo.add("GET", one, ok("GET", one, stored(_dag(False))))
    assert apply(_dag(False), client=client).action == "unchanged"


def test_a_non_ascii_token_is_a_config_error_not_a_crash() -> None:
    from tiphys.client import ConfigError

    with pytest.raises(ConfigError) as caught:
        resolve_config(
            server="127.0.0.1:1",
            secure=False,
            token="s3cr3t-review-tökén",
            env={},
            kubeconfig=Path("/nonexistent"),
        )
    assert str(caught.value) == (
        "the token argument contains a character that is not ASCII, which an HTTP header "
        "cannot carry; copy the token again (the value is not shown)."
    )


def test_apply_of_resource_quantities_the_server_canonicalised_is_unchanged(
    argo: ArgoFake, client: Client
) -> None:
    one = f"{WFT}/release"
    manifest = local()
    manifest["spec"]["templates"][0]["container"]["resources"] = {
        "limits": {"cpu": 0.5, "memory": "1024Mi"},
        "requests": {"cpu": 1},
    }
    held = stored(manifest)
    held["spec"]["templates"][0]["container"]["resources"] = {
        "limits": {"cpu": "500m", "memory": "1Gi"},
        "requests": {"cpu": "1"},
    }
    argo.add("GET", one, ok("GET", one, held))
    argo.add("PUT", one, ok("PUT", one, held))
    assert apply(manifest, client=client).action == "unchanged"


def test_apply_sends_a_quantity_that_really_changed(argo: ArgoFake, client: Client) -> None:
    one = f"{WFT}/release"
    manifest = local()
    manifest["spec"]["templates"][0]["container"]["resources"] = {"limits": {"memory": "1.5Gi"}}
    held = stored(manifest)
    held["spec"]["templates"][0]["container"]["resources"] = {"limits": {"memory": "1Gi"}}
    argo.add("GET", one, ok("GET", one, held))
    argo.add("PUT", one, ok("PUT", one, stored(manifest, rv="4712")))
    assert apply(manifest, client=client).action == "updated"


def test_cli_error_advice_names_flags_not_python_arguments() -> None:
    """The advice names the flag first: CLI users misread a bare `namespace=`."""
    from argo_contract import err
    from cli_server import invoke

    with ArgoFake(socket_timeout=5) as argo:
        path = f"/api/v1/workflows/{NS}/nope"
        argo.add("GET", path, err("GET", path, 404, 'workflows.argoproj.io "nope" not found'))
        ran = invoke(argo, "get", "nope")
    assert (ran.code, ran.out) == (3, "")
    assert ran.err == (
        f'tiphys: error: GET {path}: 404 Not Found: workflows.argoproj.io "nope" not found\n'
        f"Nothing was found at GET {path} in namespace '{NS}': check the name and the "
        "namespace (-n/--namespace or ARGO_NAMESPACE; namespace= in Python).\n"
    )


FUZZ_DAG = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: workflow-template-dag-diamond-
spec:
  entrypoint: diamond
  templates:
  - name: diamond
    dag:
      tasks:
      - name: A
        templateRef:
          name: cluster-workflow-template-print-message
          template: print-message
          clusterScope: true
        arguments:
          parameters: []
      - name: B
        depends: A
        templateRef:
          name: cluster-workflow-template-print-message
          template: print-message
          clusterScope: true
"""


def test_convert_keeps_a_tasks_empty_parameter_list() -> None:
    """Found by test_convert_fuzz: `arguments: {parameters: []}` is the absent field (Argo's
    omitempty), so the round-trip normalisation must treat them alike."""
    import yaml

    from test_convert_roundtrip import normalise
    from tiphys.convert.load import load_text

    (obj,) = load_text(FUZZ_DAG, "fuzz.yaml")
    assert normalise(obj.to_dict()) == normalise(yaml.safe_load(FUZZ_DAG))
