#!/usr/bin/env bash
# The main job on the embedded default store, over generated sample data:
# build, create the SQLite store, enqueue sample import jobs, process them
# with one worker pass (which also re-aggregates the days it imported), show
# the queue and the first job, aggregate a sample day into every range and
# check its data quality, then import the daily file again synchronously.
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
# Both files start on 2025-11-07 (the generator's default start).
python3 tests/gen_readings.py wide "$demo/sample_hh_data.csv" --meters 2 --days 3
python3 tests/gen_readings.py daily "$demo/sample_daily_data.csv" --meters 2 --days 5
day=2025-11-08
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
# A day of the sample data: daily, weekly, monthly and annual totals (all
# unchanged, as the worker already re-aggregated what it imported), then the
# day's data-quality check, meter by meter.
"$cli" --db "$db" aggregate --all --date "$day"
echo
"$cli" --db "$db" quality --date "$day" --verbose
echo
# The same daily file again, at once and without a job: its readings are
# already stored, so they count as unchanged.
"$cli" --db "$db" import "$demo/sample_daily_data.csv" --type daily --now
