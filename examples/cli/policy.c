/*
 * policy.c - the import policy options shared by `import --now` and `worker`:
 * what to do with unknown meters and negative values, how to read dates and
 * timestamps, and how many readings go in one transaction.
 */
#include "cli.h"

static const char *const policy_names[] = {
	"--unknown-meters", "--negatives", "--overwrite-actual", "--month-first",
	"--interval-end", "--batch-size"
};

int cli_is_policy_option(int id)
{
	return id >= CLI_POLICY_FIRST && id <= CLI_POLICY_LAST;
}

/* The names are the library's (ecl_*_policy_parse), whose message lists them. */
static int set_unknown_meters(cli_policy *policy, const char *value)
{
	if (ecl_unknown_meter_policy_parse(&policy->unknown_meters, value) < 0)
		return cli_usage_error("invalid value '%s' for --unknown-meters: %s", value,
		                       ecl_error_last());
	return CLI_CONTINUE;
}

static int set_negatives(cli_policy *policy, const char *value)
{
	if (ecl_negative_policy_parse(&policy->negatives, value) < 0)
		return cli_usage_error("invalid value '%s' for --negatives: %s", value, ecl_error_last());
	return CLI_CONTINUE;
}

static int set_batch_size(cli_policy *policy, const char *value)
{
	int64_t number;
	int status = cli_parse_number(&number, value, "batch-size", 1, ECL_INGEST_BATCH_SIZE_MAX);

	if (status == CLI_CONTINUE)
		policy->batch_size = (int)number;
	return status;
}

int cli_policy_apply(cli_policy *policy, int id, const char *value)
{
	if (!policy->given)
		policy->given = policy_names[id - CLI_POLICY_FIRST];
	switch (id) {
	case CLI_POLICY_UNKNOWN_METERS:
		return set_unknown_meters(policy, value);
	case CLI_POLICY_NEGATIVES:
		return set_negatives(policy, value);
	case CLI_POLICY_OVERWRITE_ACTUAL:
		policy->overwrite_actual = 1;
		return CLI_CONTINUE;
	case CLI_POLICY_MONTH_FIRST:
		policy->month_first = 1;
		return CLI_CONTINUE;
	case CLI_POLICY_INTERVAL_END:
		policy->interval_end = 1;
		return CLI_CONTINUE;
	case CLI_POLICY_BATCH_SIZE:
		return set_batch_size(policy, value);
	default:
		return cli_failf("internal error: unhandled policy option %d", id);
	}
}

void cli_policy_to_ingest(const cli_policy *policy, ecl_ingest_options *opts)
{
	opts->unknown_meters = policy->unknown_meters;
	opts->negatives = policy->negatives;
	opts->overwrite_actual = policy->overwrite_actual;
	opts->month_first = policy->month_first;
	opts->interval_end = policy->interval_end;
	if (policy->batch_size > 0)
		opts->batch_size = policy->batch_size;
}
