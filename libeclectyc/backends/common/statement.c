/* Statements written once for every SQL driver (statement.h). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "backends/common/driver.h"
#include "backends/common/statement.h"
#include "util/buffer_internal.h"

static ecl__sql_param number(ecl__job_kind kind, int64_t v, int null)
{
	ecl__sql_param p;

	memset(&p, 0, sizeof(p));
	p.kind = kind;
	p.value.number = v;
	p.value.null = null;
	return p;
}

ecl__sql_param ecl__sql_text(const char *text)
{
	ecl__sql_param p = number(ECL__JOB_TEXT, 0, 0);

	p.value.text = text;
	return p;
}

ecl__sql_param ecl__sql_int64(int64_t v)
{
	return number(ECL__JOB_INT64, v, 0);
}

ecl__sql_param ecl__sql_int(int v)
{
	return number(ECL__JOB_INT, v, 0);
}

ecl__sql_param ecl__sql_bool(int v)
{
	return number(ECL__JOB_BOOL, v != 0, 0);
}

ecl__sql_param ecl__sql_time(int64_t t)
{
	return number(ECL__JOB_INSTANT, t, t == ECL_TIME_NONE);
}

/* Append parameter n spelt by `format` (one %d, n). */
static int put_param(ecl_buf *out, const char *format, int n)
{
	const char *at = strstr(format, "%d");
	char digits[16];
	int rc;

	if (at == NULL)
		return ecl_error_set(ECL_EINVALID, "a parameter format has no %%d: %s", format);
	snprintf(digits, sizeof(digits), "%d", n);
	rc = ecl__buf_put(out, format, (size_t)(at - format));
	if (rc == 0)
		rc = ecl__buf_puts(out, digits);
	if (rc == 0)
		rc = ecl__buf_puts(out, at + 2);
	return rc;
}

/* The length of the quoted text at `p` (its quotes included; '' inside). */
static size_t quoted_length(const char *p)
{
	size_t n = 1;

	while (p[n] != '\0' && !(p[n] == '\'' && p[n + 1] != '\''))
		n += p[n] == '\'' ? 2 : 1;
	return p[n] == '\'' ? n + 1 : n;
}

int ecl__sql_spell(ecl_buf *out, const ecl__job_dialect *d, const char *sql,
                   const ecl__sql_param *params, int count)
{
	const char *p = sql;
	int rc = ecl__buf_set(out, "");

	while (rc == 0 && *p != '\0') {
		size_t plain = strcspn(p, "?'");
		int n = 0;

		rc = ecl__buf_put(out, p, plain);
		p += plain;
		if (rc != 0 || *p == '\0')
			break;
		if (*p == '\'') {
			plain = quoted_length(p);
			rc = ecl__buf_put(out, p, plain);
			p += plain;
			continue;
		}
		for (p++; isdigit((unsigned char)*p); p++)
			n = n * 10 + (*p - '0');
		if (n < 1 || n > count)
			rc = ecl_error_set(ECL_EINVALID, "a statement names parameter ?%d of %d: %.60s",
				n, count, sql);
		else
			rc = put_param(out, d->param[params[n - 1].kind], n);
	}
	return rc;
}

int ecl__sql_run(ecl_backend_conn *conn, ecl__sql_call *call, const char *doing)
{
	const ecl__driver *driver = ECL__DRIVER(conn);
	const char *written = call->sql;
	ecl_buf spelt = ECL_BUF_INIT;
	int rc = ecl__sql_spell(&spelt, driver->dialect, written, call->params, call->count);

	call->changed = 0;
	call->inserted_id = 0;
	if (rc == 0) {
		call->sql = spelt.ptr;
		rc = driver->statement(conn, call, doing);
		call->sql = written;
	}
	ecl_buf_dispose(&spelt);
	return rc;
}
