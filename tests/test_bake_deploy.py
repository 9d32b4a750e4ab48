"""The bake's deploy files pass their linters offline: the Dockerfile hadolint, the Kubernetes
manifests kubernetes-validate (schemas bundled, `--strict`), and the rules those tools do not
know: a non-root final stage, DATABASE_URL from a Secret, bounded migration Jobs."""

from __future__ import annotations

import re
import subprocess
import sysconfig
from pathlib import Path

import pytest
import yaml
from jinja2 import Environment

from deploy_names import kubernetes_name

SERVER_DATABASES = ["postgresql", "mysql"]
MANIFESTS = "deploy/kubernetes"
# The template's dev tools (pyproject.toml's dev group) install both linters beside pytest.
TOOLS = Path(sysconfig.get_path("scripts"))


def baked(cookies, database: str) -> Path:
    result = cookies.bake(extra_context={"database": database})
    assert result.exit_code == 0, result.exception
    return Path(result.project_path)


def hadolint(dockerfile: Path) -> subprocess.CompletedProcess[str]:
    command = [TOOLS / "hadolint", "--no-color", dockerfile]
    return subprocess.run(command, capture_output=True, text=True)


def kubernetes_validate(*manifests: Path) -> subprocess.CompletedProcess[str]:
    command = [TOOLS / "kubernetes-validate", "--strict", "--quiet", *manifests]
    return subprocess.run(command, capture_output=True, text=True)


def final_stage(dockerfile: str) -> list[str]:
    """The instructions of the Dockerfile's last stage, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", dockerfile)
    lines = [line.strip() for line in joined.splitlines()]
    instructions = [line for line in lines if line and not line.startswith("#")]
    last_from = max(i for i, line in enumerate(instructions) if line.upper().startswith("FROM "))
    return instructions[last_from:]


def final_user(dockerfile: str) -> str | None:
    """Who the image runs as: the last stage's last USER, or None (root) when it has none."""
    users = [line.split()[1] for line in final_stage(dockerfile) if line.startswith("USER ")]
    return users[-1] if users else None


def manifest_files(project: Path) -> list[Path]:
    return sorted((project / MANIFESTS).rglob("*.yaml"))


def pod_specs(manifest: Path) -> list[dict]:
    (document,) = yaml.safe_load_all(manifest.read_text())
    return [document["spec"]["template"]["spec"]]


@pytest.mark.parametrize("database", ["sqlite", *SERVER_DATABASES])
def test_dockerfile_is_hadolint_clean(cookies, database: str) -> None:
    completed = hadolint(baked(cookies, database) / "Dockerfile")
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_hadolint_fails_a_dockerfile_whose_runtime_is_python_latest(
    default_bake: Path, tmp_path: Path
) -> None:
    text = (default_bake / "Dockerfile").read_text()
    seeded = tmp_path / "Dockerfile"
    seeded.write_text(re.sub(r"^FROM python:\S+$", "FROM python:latest", text, flags=re.M))
    assert "FROM python:latest" in seeded.read_text()
    completed = hadolint(seeded)
    assert completed.returncode == 1
    assert "DL3007" in completed.stdout


def test_image_runs_as_the_numeric_non_root_user_the_manifests_require(cookies) -> None:
    project = baked(cookies, "postgresql")
    user = final_user((project / "Dockerfile").read_text())
    assert user is not None and user.isdigit() and user != "0", user
    for manifest in manifest_files(project):
        for spec in pod_specs(manifest):
            assert spec["securityContext"]["runAsNonRoot"] is True, manifest.name
            assert spec["securityContext"]["runAsUser"] == int(user), manifest.name


def test_a_dockerfile_without_user_is_found_to_run_as_root(default_bake: Path) -> None:
    text = (default_bake / "Dockerfile").read_text()
    seeded = "\n".join(line for line in text.splitlines() if not line.startswith("USER "))
    assert final_user(text) is not None
    assert final_user(seeded) is None


def test_runtime_stage_installs_only_the_built_wheels_never_the_dev_extra(
    default_bake: Path,
) -> None:
    dockerfile = (default_bake / "Dockerfile").read_text()
    runtime = " ".join(final_stage(dockerfile))
    assert "--no-index" in runtime and "/wheels/my_service-*.whl" in runtime
    assert "from=build" in runtime
    assert "[dev]" not in dockerfile and "COPY" not in runtime
    assert "-slim" in final_stage(dockerfile)[0]


def test_dockerignore_sends_only_what_the_wheel_is_built_from(default_bake: Path) -> None:
    rules = [
        line
        for line in (default_bake / ".dockerignore").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert rules[0] == "*"  # everything out, then what the build stage copies back in
    included = {rule[1:].rstrip("/") for rule in rules if rule.startswith("!")}
    copied = set()
    for line in (default_bake / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY ") and "--from" not in line:
            copied.update(line.split()[1:-1])
    assert included == copied == {"pyproject.toml", "README.md", "app"}


@pytest.mark.parametrize("database", SERVER_DATABASES)
def test_kubernetes_manifests_validate_offline_and_strictly(cookies, database: str) -> None:
    manifests = manifest_files(baked(cookies, database))
    assert len(manifests) == 5
    completed = kubernetes_validate(*manifests)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_kubernetes_validate_fails_a_manifest_with_a_misspelt_field(
    cookies, tmp_path: Path
) -> None:
    job = baked(cookies, "postgresql") / MANIFESTS / "migrate-expand-job.yaml"
    seeded = tmp_path / "job.yaml"
    seeded.write_text(job.read_text().replace("backoffLimit:", "backofLimit:"))
    completed = kubernetes_validate(seeded)
    assert completed.returncode == 1
    assert "'backofLimit' was unexpected" in completed.stdout


def test_sqlite_bake_has_no_kubernetes_manifests(default_bake: Path) -> None:
    assert (default_bake / "Dockerfile").exists()
    assert not (default_bake / "deploy").exists()


def test_migration_jobs_run_expand_before_and_contract_after_the_rollout(cookies) -> None:
    manifests = baked(cookies, "mysql") / MANIFESTS
    jobs = {
        name: yaml.safe_load((manifests / f"migrate-{name}-job.yaml").read_text())
        for name in ("expand", "contract")
    }
    commands = {
        name: job["spec"]["template"]["spec"]["containers"][0]["command"]
        for name, job in jobs.items()
    }
    assert commands["expand"] == ["python", "-m", "app.migrations", "upgrade", "--phase", "expand"]
    assert commands["contract"] == [*commands["expand"][:-1], "contract"]
    hooks = {name: job["metadata"]["annotations"]["helm.sh/hook"] for name, job in jobs.items()}
    assert hooks == {"expand": "pre-install,pre-upgrade", "contract": "post-install,post-upgrade"}
    for job in jobs.values():
        assert job["spec"]["backoffLimit"] == 0
        assert 0 < job["spec"]["activeDeadlineSeconds"] <= 3600
    init = yaml.safe_load(
        (manifests / "alternatives/deployment-with-migrating-init-container.yaml").read_text()
    )
    (init_container,) = init["spec"]["template"]["spec"]["initContainers"]
    assert init_container["command"] == commands["expand"]


@pytest.mark.parametrize("database", SERVER_DATABASES)
def test_every_container_reads_database_url_from_a_secret_and_is_locked_down(
    cookies, database: str
) -> None:
    project = baked(cookies, database)
    for manifest in manifest_files(project):
        assert "://" not in manifest.read_text(), f"{manifest.name} inlines a URL"
        for spec in pod_specs(manifest):
            assert spec["automountServiceAccountToken"] is False
            for container in [*spec.get("initContainers", []), *spec["containers"]]:
                variables = {variable["name"]: variable for variable in container["env"]}
                secret = variables["DATABASE_URL"]["valueFrom"]["secretKeyRef"]
                assert secret == {"name": "my-service-database", "key": "url"}
                assert container["resources"]["requests"].keys() == {"cpu", "memory"}
                assert "memory" in container["resources"]["limits"]
                context = container["securityContext"]
                assert context["readOnlyRootFilesystem"] is True, manifest.name
                assert context["allowPrivilegeEscalation"] is False
                assert context["capabilities"]["drop"] == ["ALL"]


@pytest.mark.parametrize(
    ("slug", "name"),
    [
        ("my_service", "my-service"),
        ("_private_", "private"),
        ("a" * 39 + "_b", "a" * 39),
        ("_", "service"),
    ],
)
def test_kubernetes_names_are_dns_labels_short_enough_for_a_job_suffix(
    slug: str, name: str
) -> None:
    template = Environment(extensions=[kubernetes_name]).from_string("{{ s | kubernetes_name }}")
    rendered = template.render(s=slug)
    assert rendered == name
    assert len(f"{rendered}-migrate-contract") <= 63


def test_the_tenants_indexed_job_shards_as_many_ways_as_it_has_pods(cookies) -> None:
    manifests = baked(cookies, "postgresql") / MANIFESTS
    job = yaml.safe_load((manifests / "alternatives/migrate-tenants-indexed-job.yaml").read_text())
    (container,) = job["spec"]["template"]["spec"]["containers"]
    (shard,) = [part for part in container["command"] if part.startswith("--shard=")]
    assert job["spec"]["completionMode"] == "Indexed"
    assert shard == f"--shard=$(JOB_COMPLETION_INDEX)/{job['spec']['completions']}"
    assert "--all-tenants" in container["command"]
