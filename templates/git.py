"""A library of Git templates, installed as the ``git`` WorkflowTemplate.

It has no entrypoint: other workflows call its templates through ``templateRef`` (``name: git``,
``template: git-clone``). The templates work in a volume named ``workspace`` that the calling
workflow declares (any claim or ``emptyDir`` mounted at ``/workspace``). A private repository
needs the ``git-credentials`` Secret (keys ``username`` and ``token``); public ones do not.

    tiphys compile templates/git.py | kubectl apply -f -     # until `tiphys apply` exists
"""

from tiphys import Resources, Retry, Secret, Volume, WorkflowTemplate, script

workspace = Volume("workspace", size="1Gi", mount="/workspace")

credentials = {
    "GIT_USERNAME": Secret("git-credentials", "username", optional=True),
    "GIT_TOKEN": Secret("git-credentials", "token", optional=True),
}


@script(
    language="sh",
    image="alpine/git:2.45.2",
    volumes=[workspace],
    env=credentials,
    resources=Resources(cpu="200m", memory="256Mi"),
    retry=Retry(limit=3, backoff="10s", factor=2),
)
def git_clone(repo: str, revision: str = "main", path: str = "/workspace/src", depth: int = 1):
    """Fetch one revision (a branch, a tag or a commit SHA); print the full commit SHA."""
    return f"""\
set -eu
if [ -n "${{GIT_TOKEN:-}}" ]; then
  git config --global credential.helper \\
    '!f() {{ echo "username=${{GIT_USERNAME:-git}}"; echo "password=$GIT_TOKEN"; }}; f'
fi
git init --quiet "{path}"
cd "{path}"
# a retry runs on the same volume: the remote may exist already
git remote add origin "{repo}" 2>/dev/null || git remote set-url origin "{repo}"
git fetch --quiet --depth "{depth}" origin "{revision}"
git checkout --quiet FETCH_HEAD
git rev-parse HEAD
"""


@script(
    language="sh",
    image="alpine/git:2.45.2",
    volumes=[workspace],
    env=credentials,
    resources=Resources(cpu="200m", memory="256Mi"),
)
def changed_files(base: str, path: str = "/workspace/src"):
    """Print the files changed between ``base`` and the checked-out commit, one per line."""
    return f"""\
set -eu
cd "{path}"
git fetch --quiet --deepen 200 origin "{base}"
git diff --name-only FETCH_HEAD...HEAD
"""


git = WorkflowTemplate(
    "git",
    templates=[git_clone, changed_files],
    labels={"app.kubernetes.io/part-of": "tiphys-templates"},
)
