"""Shell scripts: ``@script(language="bash", image=...)`` whose body returns the script text.

The body runs once at compile time with symbolic parameters, so an f-string places each
parameter in the script; it expands at run time from an environment variable
(``${TIPHYS_IN_bucket}``) and is never pasted into the source, so quotes or ``$(...)`` in a
value cannot change the script. The script's standard output is the task's ``result``.
"""

from tiphys import Workflow, dag, script


@script(language="bash", image="amazon/aws-cli:2.17.0", service_account="s3-reader")
def bucket_size(bucket: str, prefix: str = "logs/"):
    """Sum the sizes of the objects under a prefix, in bytes."""
    return f"""\
set -euo pipefail
aws s3 ls "s3://{bucket}/{prefix}" --recursive --summarize \\
  | awk '/Total Size/ {{ print $3 }}'
"""


@script(language="sh", image="alpine:3.20")
def check_quota(used: str, limit_gb: int = 500):
    """Fail when the bucket uses more than the quota."""
    return f"""\
case "{used}" in
  ''|*[!0-9]*) echo "not a byte count: {used}" >&2; exit 2 ;;
esac
used_gb=$(( {used} / 1024 / 1024 / 1024 ))
echo "using ${{used_gb}} GiB of {limit_gb} GiB"
[ "$used_gb" -le "{limit_gb}" ]
"""


@dag
def storage_audit(bucket: str = "acme-app-logs"):
    """Measure a bucket, then check it against its quota."""
    size = bucket_size(bucket=bucket)
    check_quota(used=size.result)


workflow = Workflow(entrypoint=storage_audit)
