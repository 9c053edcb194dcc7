# Sourced by bench/edge/run.sh and bench/edge/ab.sh, from the repository's
# root. start_bench_worker WASM DIR NAME runs the bench crate's wasm (WASM,
# bench/edge/wasm) in workerd: worker.mjs under `wrangler dev`, set up in
# DIR. It sets BENCH_URL, and BENCH_PID, the leader of wrangler's process
# group (stop it with `kill -- -$BENCH_PID`).
start_bench_worker() {
  local wasm="$1" dir="$2" name="$3" compat port
  mkdir -p "$dir"
  wasm-bindgen --target web --out-dir "$dir/pkg" "$wasm"
  cp bench/edge/workerd/worker.mjs bench/edge/workerd/reference.mjs "$dir/"
  compat="$(awk -F'"' '/^compatibility_date/ {print $2}' wrangler.toml)"
  printf 'name = "%s"\nmain = "worker.mjs"\ncompatibility_date = "%s"\n' "$name" "$compat" >"$dir/wrangler.toml"
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  WRANGLER_SEND_METRICS=false CI=true setsid npx wrangler dev --config "$dir/wrangler.toml" \
    --ip 127.0.0.1 --port "$port" --persist-to "$dir/state" >"$dir/wrangler.log" 2>&1 </dev/null &
  BENCH_PID=$!
  BENCH_URL="http://127.0.0.1:$port/"
  for _ in $(seq 150); do
    curl -s -o /dev/null "$BENCH_URL" && return 0
    kill -0 "$BENCH_PID" 2>/dev/null || break
    sleep 0.2
  done
  cat "$dir/wrangler.log" >&2
  kill -- "-$BENCH_PID" 2>/dev/null
  return 1
}
