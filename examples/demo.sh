#!/usr/bin/env bash
# The main job on the embedded default store, over generated sample data:
# build, create the SQLite store, enqueue sample import jobs, process them
# with one worker pass, show the queue and the first job, then import the
# daily file again synchronously. (Aggregation joins this script when it lands.)
#   BUILD_DIR  build directory (default: build)
#   DEMO_DIR   where the store and sample files go (default: demo)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
demo=${DEMO_DIR:-demo}

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DECL_BUILD_EXAMPLES=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target eclectyc_cli >/dev/null
cli="$build/examples/cli/eclectyc"

mkdir -p "$demo"
python3 tests/gen_readings.py wide "$demo/sample_hh_data.csv" --meters 2 --days 3
python3 tests/gen_readings.py daily "$demo/sample_daily_data.csv" --meters 2 --days 5
db="sqlite://$demo/eclectyc.db"

"$cli" --db "$db" migrate
"$cli" --db "$db" migrate --check
first=$("$cli" --db "$db" import "$demo/sample_hh_data.csv" --type hh --priority high \
    --tag demo --tag half-hourly --notes "Demo half-hourly import")
echo "$first"
"$cli" --db "$db" import "$demo/sample_daily_data.csv" --type daily \
    --tag demo --metadata '{"source": "demo"}'
"$cli" --db "$db" import "$demo/sample_hh_data.csv" --type hh --dry-run --priority low
echo
"$cli" --db "$db" worker --once
echo
"$cli" --db "$db" jobs
echo
"$cli" --db "$db" job "$first"
echo
# The same daily file again, at once and without a job: its readings are
# already stored, so they count as unchanged.
"$cli" --db "$db" import "$demo/sample_daily_data.csv" --type daily --now
