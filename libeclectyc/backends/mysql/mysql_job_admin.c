/* MySQL/MariaDB backend: a job by its numeric id, and the delete of one job. */
#include <stdint.h>

#include "backends/common/job_columns.h"
#include "mysql_internal.h"

static int select_by_id(ecl_backend_conn *conn, int64_t id, ecl_job_array *out)
{
	my_params p;

	ecl__my_params_init(&p);
	ecl__my_int(&p, id);
	return ecl__my_jobs_where(conn, "WHERE id = ?1", &p, out, "reading a job by id");
}

int ecl__my_job_get_id(ecl_backend_conn *conn, int64_t id, ecl_job *out)
{
	return ecl__job_get_id_with(ecl__my_read, select_by_id, conn, id, out);
}

/* The attempts go by the table's delete trigger (they have no foreign key). */
static int delete_one(ecl_backend_conn *conn, const char *batch_id, int64_t *changed)
{
	my_params p;

	ecl__my_params_init(&p);
	ecl__my_text(&p, batch_id);
	return ecl__my_command(conn, "DELETE FROM import_jobs WHERE batch_id = ?1"
		" AND status <> 'processing'", &p, changed, "deleting a job");
}

int ecl__my_job_delete(ecl_backend_conn *conn, const char *batch_id, int *deleted)
{
	return ecl__job_delete_with(ecl__my_write, delete_one, conn, batch_id, deleted);
}
