/*
 * progress.c - the progress bar of `import --now` and `worker` on a terminal.
 *
 * The library reports after every committed batch, with no job identity, so
 * the bar infers a new job from the counters: the row count going back or
 * the total changing. The final report of an import repeats the last one;
 * a finished bar ignores it instead of drawing a second line.
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define BAR_WIDTH 30
/* Redraw at most this often (seconds), except for the last report. */
#define REDRAW_INTERVAL 0.1

static double monotonic_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_progress_init(cli_progress *progress)
{
	cli_progress blank = { 0, 0, 0, 0.0, 0, 0, -1, 0, 0, 0.0 };

	*progress = blank;
	progress->enabled = isatty(STDERR_FILENO);
}

void cli_progress_begin(cli_progress *progress)
{
	progress->started = 0;
	progress->start = monotonic_seconds();
	progress->base = 0;
}

static void draw(const cli_progress *progress, int64_t processed, int64_t total, int64_t failed,
                 double now)
{
	double elapsed = now - progress->start;
	int filled, i;

	fputc('\r', stderr);
	if (total >= 0) {
		int percent = total > 0 ? (int)(100 * processed / total) : 100;

		filled = total > 0 ? (int)(BAR_WIDTH * processed / total) : BAR_WIDTH;
		fputc('[', stderr);
		for (i = 0; i < BAR_WIDTH; i++)
			fputc(i < filled ? '#' : '-', stderr);
		fprintf(stderr, "] %3d%%  %lld/%lld rows", percent, (long long)processed,
		        (long long)total);
	} else {
		fprintf(stderr, "%lld rows", (long long)processed);
	}
	if (elapsed > 0.05 && processed > progress->base)
		fprintf(stderr, "  %.0f rows/s", (double)(processed - progress->base) / elapsed);
	if (failed > 0)
		fprintf(stderr, "  %lld failed", (long long)failed);
	/* Clear what a longer previous line left. */
	fputs("\033[K", stderr);
}

/* End the bar's line, showing the last counts if the redraw limit held them back. */
static void close_line(cli_progress *progress)
{
	if (progress->open && progress->undrawn)
		draw(progress, progress->last_processed, progress->last_total,
		     progress->last_failed, monotonic_seconds());
	if (progress->open)
		fputc('\n', stderr);
	progress->open = 0;
	progress->undrawn = 0;
}

void cli_progress_end(cli_progress *progress)
{
	close_line(progress);
	progress->started = 0;
	progress->start = 0.0;
}

static int is_new_job(const cli_progress *progress, int64_t processed, int64_t total)
{
	if (!progress->started)
		return 1;
	if (processed < progress->last_processed || total != progress->last_total)
		return 1;
	/* A finished bar whose counters move on belongs to the next job. */
	return !progress->open && processed != progress->last_processed;
}

static void start_job(cli_progress *progress, int64_t processed, double now)
{
	close_line(progress);
	/* cli_progress_begin() knew when the first import began; else it is now. */
	if (progress->started || progress->start == 0.0) {
		progress->start = now;
		progress->base = processed;
	}
	progress->started = 1;
	progress->last_draw = 0.0;
}

int cli_progress_cb(int64_t processed, int64_t total, int64_t imported, int64_t failed,
                    void *payload)
{
	cli_progress *progress = payload;
	double now;
	int done;

	(void)imported;
	if (!progress->enabled)
		return 0;
	now = monotonic_seconds();
	if (is_new_job(progress, processed, total))
		start_job(progress, processed, now);
	else if (!progress->open)
		return 0; /* the repeated final report of a finished bar */
	done = total >= 0 && processed >= total;
	progress->last_processed = processed;
	progress->last_total = total;
	progress->last_failed = failed;
	progress->undrawn = !done && progress->open && now - progress->last_draw < REDRAW_INTERVAL;
	if (progress->undrawn)
		return 0;
	draw(progress, processed, total, failed, now);
	progress->last_draw = now;
	progress->open = 1;
	if (done) {
		fputc('\n', stderr);
		progress->open = 0;
	}
	fflush(stderr);
	return 0;
}
