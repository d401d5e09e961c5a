/* MySQL/MariaDB backend: a job by its numeric id, and the delete of one job. */
#include <stdint.h>

#include "backends/common/job_columns.h"
#include "mysql_internal.h"

int ecl__my_job_get_id(ecl_backend_conn *conn, int64_t id, ecl_job *out)
{
	ecl_job_array found = { NULL, 0 };
	my_params p;
	int rc;

	ecl__my_params_init(&p);
	ecl__my_int(&p, id);
	rc = ecl__my_jobs_read(conn, "WHERE id = ?1", &p, &found, "reading a job by id");
	return ecl__job_take_by_id(&found, out, rc, id);
}

typedef struct delete_ctx {
	const char *batch_id;
	int *deleted;
} delete_ctx;

/* One statement: the attempts go by the table's delete trigger. */
static int delete_one(ecl_backend_conn *conn, void *opaque)
{
	delete_ctx *ctx = opaque;
	int64_t changed = 0;
	my_params p;
	int rc;

	ecl__my_params_init(&p);
	ecl__my_text(&p, ctx->batch_id);
	rc = ecl__my_command(conn, "DELETE FROM import_jobs WHERE batch_id = ?1"
		" AND status <> 'processing'", &p, &changed, "deleting a job");
	*ctx->deleted = rc == 0 && changed > 0;
	return rc;
}

int ecl__my_job_delete(ecl_backend_conn *conn, const char *batch_id, int *deleted)
{
	delete_ctx ctx = { batch_id, deleted };

	*deleted = 0;
	return ecl__my_write(conn, delete_one, &ctx, "deleting a job");
}
