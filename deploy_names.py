"""Names the bake's deploy files give Kubernetes objects (cookiecutter `_extensions`: one filter).

A module of its own, like toolkit_source.py: cruft reuses the extension modules it loaded first,
so a released filter keeps its name and meaning; new behaviour goes in a new module.
"""

from __future__ import annotations

from cookiecutter.utils import simple_filter

# A Job's name becomes a label value (63 characters at most) with a suffix such as
# "-migrate-contract" (17), so the service's own part stays well under the rest.
LONGEST_NAME = 40


@simple_filter
def kubernetes_name(slug: object) -> str:
    """Turn a project slug (a lowercase Python identifier) into a DNS-1123 label: `my-service`."""
    name = str(slug).replace("_", "-")[:LONGEST_NAME].strip("-")
    return name or "service"
