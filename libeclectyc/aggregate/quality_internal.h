/* Data-quality checks: what quality.c and quality_report.c share. */
#ifndef ECL_QUALITY_INTERNAL_H
#define ECL_QUALITY_INTERNAL_H

#include "eclectyc/quality.h"
#include "eclectyc/sys/backend.h"

/* Free what one meter's findings own and zero them. */
void ecl__quality_meter_clear(ecl_quality_meter *m);

/*
 * The data_quality_issues rows of a report: per meter, one row for each of
 * missing_data, negative_value, outlier and zero_reading that applies, in
 * meter order. The descriptions and issue_data texts are allocated; release
 * the whole array with ecl__quality_issues_free(). 0 or ECL_ENOMEM.
 */
int ecl__quality_issues(ecl_quality_issue **out, size_t *count, const ecl_quality_report *report);
void ecl__quality_issues_free(ecl_quality_issue *issues, size_t count);

#endif
