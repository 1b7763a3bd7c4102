#!/usr/bin/env bash
# Long-run memory check (issue 5): 30 epochs of W1 in the dashboard under tmux, peak RSS per epoch read from
# /proc while the screen shows which epoch is running. Usage: bench/long_run.sh [EPOCHS]
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=${1:-30}
cargo build --release --quiet
bin=$PWD/target/release/digitlab
tmux kill-session -t dl-long 2>/dev/null || true
tmux new-session -d -s dl-long -x 160 -y 48 "$bin --layers 128 --batch-size 128 --epochs $epochs --autostart"
sleep 0.5
pid=$(pgrep -n -f "$bin --layers 128 --batch-size 128")
declare -A peak
while kill -0 "$pid" 2>/dev/null; do
  screen=$(tmux capture-pane -p -t dl-long | head -1)
  rss=$(awk '/VmRSS/ {print $2}' /proc/"$pid"/status 2>/dev/null || echo 0)
  if [[ $screen =~ training\ ([0-9]+)/ ]]; then e=${BASH_REMATCH[1]};
  elif [[ $screen == *"run completed"* ]]; then break; else e=0; fi
  [[ ${peak[$e]:-0} -lt $rss ]] && peak[$e]=$rss
  sleep 0.05
done
tmux send-keys -t dl-long q 2>/dev/null || true; sleep 0.5; tmux kill-session -t dl-long 2>/dev/null || true
# The header's count is the epoch on screen; the first one seen is the first epoch's peak.
first=0; max=0
for e in $(printf '%s\n' "${!peak[@]}" | sort -n); do
  [[ ${peak[$e]} -eq 0 ]] && continue
  printf 'epoch %3s  peak RSS %6.1f MB\n' "$e" "$(echo "${peak[$e]}/1024" | bc -l)"
  [[ $first -eq 0 ]] && first=${peak[$e]}
  [[ ${peak[$e]} -gt $max ]] && max=${peak[$e]}
done
printf 'first epoch peak %.1f MB, whole run peak %.1f MB, growth %.1f %% (limit 10 %%)\n' \
  "$(echo "$first/1024" | bc -l)" "$(echo "$max/1024" | bc -l)" "$(echo "($max-$first)*100/$first" | bc -l)"
