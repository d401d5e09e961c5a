/*
 * cmd_alert_test.c - `eclectyc alert-test`: send one test alert (type
 * "test", severity warning, no cooldown) through every channel the
 * configuration sets up, and say per channel whether it was accepted and,
 * if not, why. It is recorded in the `alerts` table like any other alert.
 *
 * Channels: email (MAIL_HOST and ADMIN_EMAIL), Slack (SLACK_WEBHOOK_URL) and
 * the log (always: the store's log, stderr by default).
 *
 * Exit status: 0 when every configured channel accepted the alert; 1 when
 * any configured channel failed, when neither email nor Slack is configured
 * (the log alone reaches nobody: the message says which settings to set),
 * or when the alert could not be sent at all. The point of the command is
 * to find out whether alerts reach people, so a failed Slack is a failure
 * even though the log took the alert (the worker and monitor treat that
 * alert as delivered). 2 for a usage error.
 *
 * Nothing printed names the webhook URL or a password: the library keeps
 * them out of its reasons, and this command blanks them again should one
 * slip through.
 */
#include <limits.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"

#define CHANNELS 3

typedef struct channel_outcome {
	const char *name;
	int configured;
	int ok;
	char reason[512];
} channel_outcome;

static int parse_alert_test(cli_args *args)
{
	const char *value;
	int id, r;

	while ((r = cli_next(args, NULL, &id, &value)) != CLI_ARG_END) {
		if (r == CLI_ARG_STOP)
			return args->exit_code;
		return cli_usage_error("unexpected argument '%s' for command 'alert-test'", value);
	}
	return CLI_CONTINUE;
}

/* Replace every occurrence of `secret` in `text` by "[redacted]". */
static void redact(char *text, size_t size, const char *secret)
{
	static const char mask[] = "[redacted]";
	size_t len = secret ? strlen(secret) : 0;
	char *hit;

	if (len < 4)
		return;
	while ((hit = strstr(text, secret)) != NULL) {
		size_t tail = strlen(hit + len);

		if ((size_t)(hit - text) + sizeof(mask) + tail > size) {
			*hit = '\0';  /* no room: cut the text there */
			return;
		}
		memmove(hit + sizeof(mask) - 1, hit + len, tail + 1);
		memcpy(hit, mask, sizeof(mask) - 1);
	}
}

/* The result's entry for channel `name`, or NULL when it was not tried. */
static const ecl_alert_channel *channel_in(const ecl_alert_result *result, const char *name)
{
	size_t i;

	for (i = 0; i < result->channel_count; i++)
		if (strcmp(result->channels[i].name, name) == 0)
			return &result->channels[i];
	return NULL;
}

static void judge(channel_outcome *c, const ecl_alert_result *result,
                  const ecl_alert_options *opts)
{
	const ecl_alert_channel *outcome;

	if (!c->configured)
		return;
	outcome = channel_in(result, c->name);
	c->ok = outcome != NULL && outcome->ok;
	if (!c->ok) {
		snprintf(c->reason, sizeof(c->reason), "%s", outcome ? outcome->reason : "not tried");
		/* The library never reports secrets; this keeps a slip from reaching a terminal. */
		redact(c->reason, sizeof(c->reason), opts->slack_webhook_url);
		redact(c->reason, sizeof(c->reason), opts->smtp_password);
	}
}

static void why_not_configured(channel_outcome *c)
{
	/* Half an email configuration is refused before this point. */
	snprintf(c->reason, sizeof(c->reason), strcmp(c->name, "email") == 0
	         ? "set MAIL_HOST and ADMIN_EMAIL" : "set SLACK_WEBHOOK_URL");
}

static int print_text(const channel_outcome *c, int failed, int configured)
{
	int i;

	for (i = 0; i < CHANNELS; i++) {
		printf("  %s: ", c[i].name);
		if (!c[i].configured) {
			printf("not configured (%s)\n", c[i].reason);
		} else if (c[i].ok) {
			puts("ok");
		} else {
			/* A server's reply may be quoted in the reason. */
			fputs("failed (", stdout);
			out_text(stdout, c[i].reason, CLI_TEXT_FLAT);
			puts(")");
		}
	}
	printf("Test alert accepted by %d of %d configured channel(s).\n", configured - failed,
	       configured);
	return CLI_CONTINUE;
}

static int print_json(const channel_outcome *c, int failed, int configured)
{
	json_t *list = json_array();
	int i;

	for (i = 0; list && i < CHANNELS; i++) {
		json_t *o = json_pack("{s:s, s:b, s:b}", "channel", c[i].name,
		                      "configured", c[i].configured, "ok", c[i].configured && c[i].ok);
		if (o && c[i].reason[0])
			json_object_set_new(o, "reason", json_string(c[i].reason));
		if (!o || json_array_append_new(list, o) != 0) {
			json_decref(list);
			list = NULL;
		}
	}
	if (!list)
		return out_json(NULL);
	return out_json(json_pack("{s:o, s:i, s:i}", "channels", list,
	                          "accepted", configured - failed, "failed", failed));
}

static int send_test(cli_session *session, int json)
{
	channel_outcome channels[CHANNELS] = {
		{ "email", 0, 0, "" }, { "slack", 0, 0, "" }, { "log", 1, 0, "" }
	};
	ecl_alert_options opts;
	ecl_alert_result result;
	ecl_alert alert;
	char host[256] = "unknown host", when[32], body[768];
	int configured = 0, failed = 0, status, rc, i;

	status = cli_configure_alerting(session);
	if (status != CLI_CONTINUE)
		return status;
	/* The same options, to know which channels were configured. */
	if ((rc = ecl_alert_options_from_config(&opts, session->config)) < 0)
		return cli_fail(rc);
	channels[0].configured = opts.smtp_host && opts.mail_to;
	channels[1].configured = opts.slack_webhook_url != NULL;
	channels[2].configured = opts.log_channel;

	if (gethostname(host, sizeof(host) - 1) != 0)
		strcpy(host, "unknown host");
	host[sizeof(host) - 1] = '\0';
	out_time(when, (int64_t)time(NULL));
	snprintf(body, sizeof(body),
	         "This is a test alert from eclectyc on %s, sent at %s UTC by `eclectyc "
	         "alert-test`.\n\nIf you can read this, import and aggregation alerts reach you "
	         "through this channel. No action is needed.", host, when);
	memset(&alert, 0, sizeof(alert));
	alert.type = "test";
	alert.severity = ECL_ALERT_WARNING;
	alert.subject = "Eclectyc alert test";
	alert.body = body;
	alert.key = NULL;  /* never held back by the cooldown */

	if (!json) {
		for (i = 0; i < CHANNELS; i++)
			configured += channels[i].configured;
		printf("Sending a test alert through %d channel(s)...\n", configured);
		fflush(stdout);
	}
	rc = ecl_alert_send(&result, session->store, &alert);
	if (rc < 0 && rc != ECL_EIO)
		return cli_fail(rc);  /* not sent at all (schema, database) */

	configured = 0;
	for (i = 0; i < CHANNELS; i++) {
		if (channels[i].configured) {
			judge(&channels[i], &result, &opts);
			configured++;
			failed += !channels[i].ok;
		} else {
			why_not_configured(&channels[i]);
		}
	}
	status = json ? print_json(channels, failed, configured)
	              : print_text(channels, failed, configured);
	fflush(stdout);
	if (status != CLI_CONTINUE)
		return status;
	if (failed > 0)
		return cli_failf("the test alert failed on %d of %d channel(s)", failed, configured);
	if (!channels[0].configured && !channels[1].configured)
		return cli_failf("no alert channel reaches anyone: set MAIL_HOST and ADMIN_EMAIL "
		                 "(email) or SLACK_WEBHOOK_URL (Slack), in the environment or the "
		                 "--env-file; the test alert went to the log only");
	return CLI_EXIT_OK;
}

int cmd_alert_test(cli_args *args)
{
	cli_session session;
	int status = parse_alert_test(args);

	if (status != CLI_CONTINUE)
		return status;
	status = cli_session_open(&session, args->globals, CLI_SCHEMA_CURRENT);
	if (status == CLI_CONTINUE)
		status = send_test(&session, args->globals->json);
	cli_session_close(&session);
	return status;
}
