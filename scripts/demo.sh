#!/usr/bin/env bash
# The main job: a 2-node lab of simulated GPU servers in Docker (cluster NICs eno1 and ens3, ufw on
# with default deny, no internet, a package mirror and a model hub), then the bundled deployment,
# playbooks/deploy.yml, over SSH: conda, Ray and vLLM from the mirror, the NIC variables, the
# firewall between the peers, the Ray cluster, the model from the hub on the head and copied to the
# worker, vLLM across both nodes (pipeline 2 x tensor 1), and the API's answer. The lab stays up:
# `npx playbook lab status`, `npx playbook lab ssh node1`, `npx playbook lab down` (LAB_NAME
# overrides the lab's name, default "demo").
set -euo pipefail
cd "$(dirname "$0")/.."
name="${LAB_NAME:-demo}"
pb() { node bin/playbook.js "$@"; }

step() { printf '\n== %s\n' "$*"; }
step "Docker engine"
bash scripts/ensure-docker.sh
step "lab up: 2 nodes (image, wheel mirror and model hub are built once, then cached)"
pb lab up --name "$name" --nodes 2 --nic-names eno1,ens3
inventory="$(pb lab inventory --name "$name" | sed -n 's/^inventory: //p; t; p' | tail -n 1)"
step "playbook run deploy.yml -i $inventory"
pb run deploy.yml -i "$inventory"
step "a chat completion from the worker, through the firewall, to the API on the head"
head_ip="$(sed -n 's/^node1 .*cluster_ip=\([0-9.]*\).*/\1/p' "$inventory")"
pb lab exec node2 --name "$name" -- curl -sS -X POST "http://$head_ip:10322/v1/chat/completions" \
  -H 'Content-Type: application/json' \
  -d '{"model": "/models/Qwen3-0.6B", "messages": [{"role": "user", "content": "Hello from the demo"}]}'
printf '\n\nThe lab "%s" is still up: npx playbook lab status --name %s; npx playbook lab down --name %s\n' "$name" "$name" "$name"
