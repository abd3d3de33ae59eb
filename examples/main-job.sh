#!/usr/bin/env bash
# The main job on the shipped example (`npm run example`): ArrhythmiNet V2 compressed to 12.78x
# (examples/arrhythminet-v2/plan-qat.json) for an ECG patch with a Cortex-M4F, 64 KB of flash and
# 16 KB of RAM, on ten real MIT-BIH beats (examples/mitdb-beats). Needs no data download; the
# Cortex-M steps run when arm-none-eabi-gcc and qemu-system-arm are installed.
set -euo pipefail
cd "$(dirname "$0")/.."
ecgc() { node dist/cli/main.js "$@"; }
mkdir -p dist/example
model=examples/arrhythminet-v2/model-qat.onnx
plan=examples/arrhythminet-v2/plan-qat.json
beats=examples/mitdb-beats
step() { printf '\n== %s\n$ ecgc %s\n' "$1" "${*:2}"; ecgc "${@:2}"; }

step 'The compressed model on 10 real MIT-BIH beats (2 per class), with the device numerics' \
  eval "$model" --plan "$plan" --data "$beats"
# The budget is checked on the linked image, which needs the cross compiler.
if command -v arm-none-eabi-gcc >/dev/null; then
  budget=(--flash 64K --ram 16K)
  title='C for the patch: Cortex-M4F, 64 KB flash, 16 KB RAM (exit 3 if it does not fit)'
else
  budget=()
  title='C for the patch: Cortex-M4F (the budget needs the linked image: apt-get install gcc-arm-none-eabi)'
fi
step "$title" compile "$model" --plan "$plan" --name arrhythminet_v2 --target cortex-m4f "${budget[@]}" --out dist/example/firmware --force
step 'The C on the host (gcc -O0, -O2, -O3) against the reference, bit for bit' \
  verify "$model" --plan "$plan" --target host --input "$beats/X.npy" --schedule stream
if command -v qemu-system-arm >/dev/null && command -v arm-none-eabi-gcc >/dev/null; then
  step 'The same C on a Cortex-M4F under QEMU, bit for bit, within the budget' \
    verify "$model" --plan "$plan" --target cortex-m4f --flash 64K --ram 16K --input "$beats/X.npy"
else
  printf '\n== Cortex-M4F under QEMU: skipped (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm)\n'
fi
printf '\nThe generated firmware sources are in dist/example/firmware (see its ecgc.mk).\n'
