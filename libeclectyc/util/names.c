/*
 * Names of the enums that had a name function but no parser (alert
 * severity, health status, run status), and both for the import policies.
 * Each parser walks its name function, so a value's spelling is written
 * once, and the message of a refusal lists every accepted name from there
 * too: the command line and the bindings pass it on instead of keeping
 * tables of their own.
 */
#include <stdio.h>
#include <string.h>

#include "eclectyc/aggregate.h"
#include "eclectyc/alert.h"
#include "eclectyc/ingest.h"
#include "eclectyc/monitor.h"
#include "eclectyc/sys/errors.h"

/* The name of value `v`, or NULL past the last one. */
typedef const char *(*name_fn)(int v);

/* "a, b or c": every name `name_of` gives, for messages. */
static void list_names(char *out, size_t size, name_fn name_of)
{
	size_t len = 0;
	int count = 0, i;

	while (name_of(count) != NULL)
		count++;
	out[0] = '\0';
	for (i = 0; i < count && len < size; i++)
		len += (size_t)snprintf(out + len, size - len, "%s%s",
			i == 0 ? "" : i == count - 1 ? " or " : ", ", name_of(i));
}

/* Set *out to the value named `text`; ECL_EINVALID naming `what` and the
 * text otherwise. `target` is the caller's output pointer, checked here. */
static int parse_name(int *out, const void *target, const char *text, const char *what,
	name_fn name_of)
{
	char expected[160];
	int i;

	if (target == NULL || text == NULL)
		return ecl_error_set(ECL_EINVALID, "%s or output pointer is NULL", what);
	for (i = 0; name_of(i) != NULL; i++) {
		if (strcmp(text, name_of(i)) == 0) {
			*out = i;
			return 0;
		}
	}
	list_names(expected, sizeof(expected), name_of);
	return ecl_error_set(ECL_EINVALID, "unknown %s \"%.40s\" (expected %s)", what, text, expected);
}

/* ---- import policies ----------------------------------------------------- */

static const char *const unknown_meter_names[] = { "create", "reject-row", "reject-file" };
static const char *const negative_names[] = { "accept", "reject" };

const char *ecl_unknown_meter_policy_name(ecl_unknown_meter_policy policy)
{
	return (unsigned)policy <= ECL_UNKNOWN_METER_REJECT_FILE ? unknown_meter_names[policy] : NULL;
}

const char *ecl_negative_policy_name(ecl_negative_policy policy)
{
	return (unsigned)policy <= ECL_NEGATIVE_REJECT ? negative_names[policy] : NULL;
}

static const char *unknown_meter_name(int v)
{
	return ecl_unknown_meter_policy_name((ecl_unknown_meter_policy)v);
}

static const char *negative_name(int v)
{
	return ecl_negative_policy_name((ecl_negative_policy)v);
}

int ecl_unknown_meter_policy_parse(ecl_unknown_meter_policy *out, const char *name)
{
	int value = 0;
	int rc = parse_name(&value, out, name, "unknown-meter policy", unknown_meter_name);

	if (rc == 0)
		*out = (ecl_unknown_meter_policy)value;
	return rc;
}

int ecl_negative_policy_parse(ecl_negative_policy *out, const char *name)
{
	int value = 0;
	int rc = parse_name(&value, out, name, "negative-value policy", negative_name);

	if (rc == 0)
		*out = (ecl_negative_policy)value;
	return rc;
}

/* ---- statuses and severities ------------------------------------------------ */

static const char *severity_name(int v)
{
	return ecl_alert_severity_name((ecl_alert_severity)v);
}

static const char *health_name(int v)
{
	return ecl_health_status_name((ecl_health_status)v);
}

static const char *run_name(int v)
{
	return ecl_run_status_name((ecl_run_status)v);
}

int ecl_alert_severity_parse(ecl_alert_severity *out, const char *name)
{
	int value = 0;
	int rc = parse_name(&value, out, name, "alert severity", severity_name);

	if (rc == 0)
		*out = (ecl_alert_severity)value;
	return rc;
}

int ecl_health_status_parse(ecl_health_status *out, const char *name)
{
	int value = 0;
	int rc = parse_name(&value, out, name, "health status", health_name);

	if (rc == 0)
		*out = (ecl_health_status)value;
	return rc;
}

int ecl_run_status_parse(ecl_run_status *out, const char *name)
{
	int value = 0;
	int rc = parse_name(&value, out, name, "run status", run_name);

	if (rc == 0)
		*out = (ecl_run_status)value;
	return rc;
}
