/*
 * A meter's readings of a day for a quality scan (quality_day.h).
 */
#include <stdlib.h>

#include "backends/common/quality_day.h"

int ecl__quality_day_reserve(ecl__quality_day *m, size_t count)
{
	size_t cap = m->capacity ? m->capacity : 64;
	int *periods;
	double *values;

	if (count <= m->capacity)
		return 0;
	while (cap < count)
		cap *= 2;
	periods = realloc(m->periods, cap * sizeof(*periods));
	if (periods != NULL)
		m->periods = periods;
	values = periods ? realloc(m->values, cap * sizeof(*values)) : NULL;
	if (values == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory reading %zu readings of meter %s",
			cap, m->day.mpan ? m->day.mpan : "?");
	m->values = values;
	m->capacity = cap;
	return 0;
}

int ecl__quality_day_add(ecl__quality_day *m, int period, double value)
{
	int rc = ecl__quality_day_reserve(m, m->day.count + 1);

	if (rc == 0) {
		m->periods[m->day.count] = period;
		m->values[m->day.count] = value;
		m->day.count++;
	}
	return rc;
}

int ecl__quality_day_emit(ecl__quality_day *m, const ecl_quality_scan *scan)
{
	m->day.periods = m->periods;
	m->day.values = m->values;
	return scan->meter(scan->payload, &m->day);
}

void ecl__quality_day_dispose(ecl__quality_day *m)
{
	free(m->periods);
	free(m->values);
	m->periods = NULL;
	m->values = NULL;
	m->capacity = 0;
}
