/*
 * SQL the aggregation statements of the backends whose upsert is
 * INSERT … ON CONFLICT … DO UPDATE (SQLite, PostgreSQL) write alike: the
 * tables and columns are the same in every backend's migrations
 * (003_aggregation.sql), only the scope and parameters differ.
 */
#ifndef ECL_BACKENDS_COMMON_AGGREGATE_SQL_H
#define ECL_BACKENDS_COMMON_AGGREGATE_SQL_H

/* The daily upsert's SET list; a re-run writes updated_at only with a change. */
#define ECL__AGG_DAILY_SET \
	" ON CONFLICT (meter_id, date) DO UPDATE SET total_consumption = excluded.total_consumption," \
	" peak_consumption = excluded.peak_consumption, off_peak_consumption = excluded.off_peak_consumption," \
	" min_reading = excluded.min_reading, max_reading = excluded.max_reading," \
	" reading_count = excluded.reading_count, expected_periods = excluded.expected_periods," \
	" actual_count = excluded.actual_count, estimated_count = excluded.estimated_count," \
	" source = excluded.source, updated_at = excluded.created_at"

/* The daily row proposed, to compare with the stored one. */
#define ECL__AGG_DAILY_EXCLUDED \
	"(excluded.total_consumption, excluded.peak_consumption, excluded.off_peak_consumption," \
	" excluded.min_reading, excluded.max_reading, excluded.reading_count," \
	" excluded.expected_periods, excluded.actual_count, excluded.estimated_count, excluded.source)"

/* A week's, month's or year's figures from its daily rows `a` (the split
 * into peak and off-peak only when every day has one); the next column is
 * created_at. */
#define ECL__AGG_PERIOD_FIGURES \
	" sum(a.total_consumption)," \
	" CASE WHEN count(a.peak_consumption) = count(*) THEN sum(a.peak_consumption) END," \
	" CASE WHEN count(a.off_peak_consumption) = count(*) THEN sum(a.off_peak_consumption) END," \
	" min(a.total_consumption), max(a.total_consumption), count(*), sum(a.reading_count),"

/* The period upsert's SET list, for the table whose columns start with `p`. */
#define ECL__AGG_PERIOD_SET(p) \
	" ON CONFLICT (meter_id, " p "_start) DO UPDATE SET " p "_end = excluded." p "_end," \
	" total_consumption = excluded.total_consumption, peak_consumption = excluded.peak_consumption," \
	" off_peak_consumption = excluded.off_peak_consumption," \
	" min_daily_consumption = excluded.min_daily_consumption," \
	" max_daily_consumption = excluded.max_daily_consumption, day_count = excluded.day_count," \
	" reading_count = excluded.reading_count, updated_at = excluded.created_at"

#define ECL__AGG_PERIOD_EXCLUDED(p) \
	"(excluded." p "_end, excluded.total_consumption, excluded.peak_consumption," \
	" excluded.off_peak_consumption, excluded.min_daily_consumption," \
	" excluded.max_daily_consumption, excluded.day_count, excluded.reading_count)"

#endif
