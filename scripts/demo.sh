#!/usr/bin/env bash
# The main job: a 2-node lab of simulated GPU servers in Docker (NICs eno1 and ens3, ufw on, no
# internet, the wheel mirror), then examples/lab/ray-vllm.yml over SSH: Ray from the mirror on both
# nodes, the firewall opened between them, vLLM served across the nodes (PP=2), and one chat
# completion asked of it. The lab stays up afterwards: `npx playbook lab status`, `npx playbook lab
# ssh node1`, `npx playbook lab down` (LAB_NAME overrides the lab's name, default "demo").
set -euo pipefail
cd "$(dirname "$0")/.."
name="${LAB_NAME:-demo}"
pb() { node bin/playbook.js "$@"; }

step() { printf '\n== %s\n' "$*"; }
step "Docker engine"
bash scripts/ensure-docker.sh
step "lab up: 2 nodes (image and wheel mirror are built once, then cached)"
pb lab up --name "$name" --nodes 2 --nic-names eno1,ens3
inventory="$(pb lab inventory --name "$name" | sed -n 's/^inventory: //p; t; p' | tail -n 1)"
step "the same synthetic model on both nodes"
for node in node1 node2; do pb lab seed-model "$node" /models/Qwen3-0.6B --name "$name"; done
step "Ray cluster (playbook run --tags ray)"
pb run -i "$inventory" examples/lab/ray-vllm.yml --tags ray
step "vLLM on the cluster (playbook run --tags vllm)"
pb run -i "$inventory" examples/lab/ray-vllm.yml --tags vllm
step "a chat completion from the head"
pb lab exec node1 --name "$name" -- curl -sS -X POST http://127.0.0.1:8000/v1/chat/completions \
  -H 'Content-Type: application/json' \
  -d '{"model": "/models/Qwen3-0.6B", "messages": [{"role": "user", "content": "Hello from the demo"}]}'
printf '\n\nThe lab "%s" is still up: npx playbook lab status --name %s; npx playbook lab down --name %s\n' "$name" "$name" "$name"
