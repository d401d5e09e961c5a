#include "queue/retry_policy.h"

#include "eclectyc/job.h"
#include "util/random.h"
#include "store/store_internal.h"

int64_t ecl__retry_delay(int64_t base, int64_t cap, int retry_count)
{
	int64_t delay = base;
	int n;

	if (base <= 0 || cap <= 0)
		return 0;
	/* Doubling stops at the cap, and never past half of it, so neither a
	 * large retry count nor a large cap can overflow. */
	for (n = 0; n < retry_count && delay < cap; n++)
		delay = delay > cap / 2 ? cap : delay * 2;
	return delay < cap ? delay : cap;
}

int64_t ecl__retry_jitter(int64_t delay, int percent)
{
	uint64_t draw = 0;
	int64_t span = delay * percent / 100;

	if (span <= 0 || ecl__random_bytes(&draw, sizeof(draw)) != 0)
		return delay;
	return delay - (int64_t)(draw % (uint64_t)(span + 1));
}

int64_t ecl_job_retry_delay(const ecl_store *store, int retry_count)
{
	if (store == NULL)
		return ecl__retry_delay(60, 3600, retry_count);
	return ecl__retry_delay(store->opts.retry_base_seconds, store->opts.retry_cap_seconds,
		retry_count);
}
