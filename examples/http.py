"""HTTP templates: Argo's agent sends a request; no pod, no image.

``@http`` takes the URL and headers (``{param}`` fields name the function's parameters; a
``Secret`` header keeps the token out of the spec) and the body returns the request body. A dict
is sent as JSON built by Argo's ``toJson``, so a tag holding quotes or newlines still gives valid
JSON, and ``int``/``bool`` parameters arrive as JSON numbers and booleans. ``success`` is a
condition built from ``tiphys.response``; ``timeoutSeconds`` is always written (Argo's agent has
no timeout of its own). ``task.result`` is the response body.
"""

from typing import Literal

from tiphys import Secret, Workflow, container, dag, http, response


@http("https://status.example.com/api/health", timeout=10, retry=3)
def health():
    """Succeeds on any 2xx answer (Argo's default condition)."""


@http(
    "https://deploy.example.com/api/{env}/releases",
    method="POST",
    headers={"Authorization": Secret("deploy-api", "authorization")},
    success=(response.status_code == 201) & (response.json["state"] != "rejected"),
)
def deploy(tag: str, env: Literal["staging", "prod"] = "staging", replicas: int = 2):
    """Ask the deploy service for a release; its answer is the task's result."""
    return {"tag": tag, "env": env, "replicas": replicas, "note": f"release {tag}"}


@http(
    "https://hooks.slack.com/services/T000/B000",
    method="POST",
    headers={"Content-Type": "text/plain"},
)
def announce(text: str):
    """A plain-text body: the value is pasted as it is."""
    return f"deployed: {text}"


@container(image="busybox:1.36", command=["echo"])
def show(answer: str):
    """Print the deploy service's answer."""
    return [answer]


@dag
def release(tag: str, env: Literal["staging", "prod"] = "staging"):
    """Check the service, deploy, then report."""
    up = health()
    answer = deploy(tag=tag, env=env).after(up)
    show(answer=answer.result)
    announce(text=tag).after(answer)


workflow = Workflow(entrypoint=release)
