/*
 * Sending alerts: the channels a store is configured with, the cooldown of
 * keyed alerts, and the record of every alert in the `alerts` table.
 *
 * A channel that fails is named in the result and the record and never
 * stops the others; network channels have their timeout, and one that could
 * not be reached is skipped for a while after (send_network), so alerting
 * costs a worker at most that timeout once per channel per backoff. Secrets stay in the copy held
 * here: nothing in this file formats a password or the webhook URL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ops/alert_channels.h"
#include "ops/alert_curl.h"
#include "eclectyc/sys/errors.h"
#include "store/store_internal.h"
#include "util/options.h"
#include "util/strutil.h"

/* How long a network channel that could not be reached (timed out, refused,
 * no such host) is skipped before it is tried again. */
#define CHANNEL_BACKOFF_SECONDS 300

/* A network channel's circuit breaker. In process, per store: kept with the
 * store's alerting, reset when it is configured again. Not in the database:
 * reachability is a property of this host's network path (another worker's
 * may be fine), and every worker process learns it itself at the cost of one
 * timeout per channel per backoff. */
typedef struct channel_state {
	int64_t skip_until;     /* skipped while now < this; 0: tried */
	char why[128];          /* why it was last unreachable */
} channel_state;

enum { CHANNEL_EMAIL, CHANNEL_SLACK, CHANNEL_COUNT };

/* The options with every string copied (so the caller's may go away). */
typedef struct ecl_alerting {
	ecl_alert_options opts;
	char *copies[10];
	channel_state channels[CHANNEL_COUNT];
} ecl_alerting;

static const ecl_alert_options default_options = ECL_ALERT_OPTIONS_INIT;
static const char *const severity_names[] = { "info", "warning", "critical" };

const char *ecl_alert_severity_name(ecl_alert_severity severity)
{
	return (unsigned)severity <= ECL_ALERT_CRITICAL ? severity_names[severity] : NULL;
}

int ecl_alert_options_init(ecl_alert_options *opts, unsigned int version)
{
	return ecl__options_init(opts, &default_options, sizeof(*opts), version, ECL_ALERT_OPTIONS_VERSION,
		"ecl_alert_options");
}

/* ---- configuration ---------------------------------------------------------- */

static const char *nonempty(const ecl_config *config, const char *key)
{
	const char *value = ecl_config_get(config, key);

	return value != NULL && *value != '\0' ? value : NULL;
}

int ecl_alert_options_from_config(ecl_alert_options *opts, const ecl_config *config)
{
	int64_t port = 587, cooldown = 3600;
	int rc;

	if (opts == NULL || config == NULL)
		return ecl_error_set(ECL_EINVALID, "alert options or configuration is NULL");
	if ((rc = ecl_alert_options_init(opts, ECL_ALERT_OPTIONS_VERSION)) != 0)
		return rc;
	if (nonempty(config, "MAIL_PORT") && ecl_config_get_int(&port, config, "MAIL_PORT") != 0)
		return ecl_error_last_code();
	if (nonempty(config, "ECLECTYC_ALERT_COOLDOWN_SECONDS")
	    && ecl_config_get_int(&cooldown, config, "ECLECTYC_ALERT_COOLDOWN_SECONDS") != 0)
		return ecl_error_last_code();
	if (port < 1 || port > 65535)
		return ecl_error_set(ECL_EINVALID, "MAIL_PORT must be 1..65535, got %lld", (long long)port);
	if (cooldown < 0 || cooldown > 7 * 86400)
		return ecl_error_set(ECL_EINVALID, "ECLECTYC_ALERT_COOLDOWN_SECONDS must be 0..604800, "
			"got %lld", (long long)cooldown);
	opts->smtp_host = nonempty(config, "MAIL_HOST");
	opts->smtp_port = (int)port;
	if (nonempty(config, "MAIL_ENCRYPTION"))
		opts->smtp_encryption = nonempty(config, "MAIL_ENCRYPTION");
	opts->smtp_username = nonempty(config, "MAIL_USERNAME");
	opts->smtp_password = nonempty(config, "MAIL_PASSWORD");
	opts->mail_from = nonempty(config, "MAIL_FROM_ADDRESS");
	opts->mail_from_name = nonempty(config, "MAIL_FROM_NAME");
	opts->mail_to = nonempty(config, "ADMIN_EMAIL");
	opts->slack_webhook_url = nonempty(config, "SLACK_WEBHOOK_URL");
	opts->cooldown_seconds = (int)cooldown;
	return 0;
}

static int check_options(const ecl_alert_options *o)
{
	const char *enc = o->smtp_encryption ? o->smtp_encryption : "tls";

	if (ecl__options_check_version(o->version, ECL_ALERT_OPTIONS_VERSION, "ecl_alert_options") != 0)
		return ecl_error_last_code();
	if (o->smtp_port < 1 || o->smtp_port > 65535)
		return ecl_error_set(ECL_EINVALID, "SMTP port must be 1..65535, got %d", o->smtp_port);
	if (strcmp(enc, "tls") != 0 && strcmp(enc, "ssl") != 0 && strcmp(enc, "none") != 0)
		return ecl_error_set(ECL_EINVALID, "SMTP encryption \"%.20s\" is not tls, ssl or none", enc);
	if (o->slack_webhook_url != NULL && strncmp(o->slack_webhook_url, "https://", 8) != 0
	    && strncmp(o->slack_webhook_url, "http://", 7) != 0)
		return ecl_error_set(ECL_EINVALID, "the Slack webhook URL must start with https:// or http://");
	if (o->timeout_ms < 1 || o->cooldown_seconds < 0)
		return ecl_error_set(ECL_EINVALID, "alert timeout_ms must be >= 1 and cooldown_seconds >= 0");
	/* Half an email configuration is a mistake, not a wish for no email. */
	if ((o->smtp_host == NULL) != (o->mail_to == NULL))
		return ecl_error_set(ECL_EINVALID, "email alerts need both a mail server (MAIL_HOST) and "
			"a recipient (ADMIN_EMAIL); only %s is set", o->smtp_host ? "MAIL_HOST" : "ADMIN_EMAIL");
	return 0;
}

void ecl__alerting_free(ecl_alerting *alerting)
{
	size_t i;

	if (alerting == NULL)
		return;
	for (i = 0; i < sizeof(alerting->copies) / sizeof(alerting->copies[0]); i++) {
		if (alerting->copies[i] != NULL)  /* scrub secrets before the memory is reused */
			memset(alerting->copies[i], 0, strlen(alerting->copies[i]));
		free(alerting->copies[i]);
	}
	free(alerting);
}

/* Replace *field with a copy kept in copies[slot]. */
static int keep(ecl_alerting *a, size_t slot, const char **field)
{
	if (*field == NULL)
		return 0;
	a->copies[slot] = ecl__strdup(*field);
	*field = a->copies[slot];
	return *field ? 0 : ecl_error_set(ECL_ENOMEM, "out of memory copying alert options");
}

int ecl_store_set_alerting(ecl_store *store, const ecl_alert_options *opts)
{
	ecl_alerting *a;
	int rc;

	if (store == NULL || opts == NULL)
		return ecl_error_set(ECL_EINVALID, "store or alert options is NULL");
	if ((rc = check_options(opts)) != 0)
		return rc;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory for alert options");
	a->opts = *opts;
	rc = keep(a, 0, &a->opts.smtp_host);
	if (rc == 0) rc = keep(a, 1, &a->opts.smtp_encryption);
	if (rc == 0) rc = keep(a, 2, &a->opts.smtp_username);
	if (rc == 0) rc = keep(a, 3, &a->opts.smtp_password);
	if (rc == 0) rc = keep(a, 4, &a->opts.mail_from);
	if (rc == 0) rc = keep(a, 5, &a->opts.mail_from_name);
	if (rc == 0) rc = keep(a, 6, &a->opts.mail_to);
	if (rc == 0) rc = keep(a, 7, &a->opts.slack_webhook_url);
	if (rc == 0) {
		ecl__alerting_free(store->alerting);
		store->alerting = a;
	} else {
		ecl__alerting_free(a);
	}
	return rc;
}

/* ---- sending ---------------------------------------------------------------- */

static void note(ecl_alert_result *r, const char *channel, int ok, const char *why)
{
	size_t used;

	if (r->channel_count < ECL_ALERT_CHANNELS_MAX) {
		ecl_alert_channel *c = &r->channels[r->channel_count++];

		ecl__strlcpy(c->name, channel, sizeof(c->name));
		c->ok = ok;
		ecl__strlcpy(c->reason, ok || why == NULL ? "" : why, sizeof(c->reason));
	}
	if (ok) {
		r->channels_ok++;
		used = strlen(r->accepted);
		snprintf(r->accepted + used, sizeof(r->accepted) - used, "%s%s", used ? "," : "", channel);
	} else {
		r->channels_failed++;
		used = strlen(r->detail);
		snprintf(r->detail + used, sizeof(r->detail) - used, "%s%s: %s", used ? "; " : "", channel,
		         why);
	}
}

typedef int (*channel_send)(const ecl_alert_options *opts, const ecl_alert *alert, int64_t now,
                            char *why, size_t why_size);

static const char *utc(char out[32], int64_t t)
{
	time_t secs = (time_t)t;
	struct tm tm;

	if (gmtime_r(&secs, &tm) == NULL || strftime(out, 32, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(out, 32, "%lld", (long long)t);
	return out;
}

/* Send through one network channel, unless it was unreachable less than
 * CHANNEL_BACKOFF_SECONDS ago: then it is skipped (and the skip logged and
 * reported as its failure), so a server that hangs costs a worker its
 * timeout once per backoff, not once per alert. */
static void send_network(ecl_alert_result *r, ecl_store *store, const ecl_alert_options *o,
                         const ecl_alert *alert, int64_t now, int which, const char *name,
                         channel_send send)
{
	channel_state *state = store->alerting ? &store->alerting->channels[which] : NULL;
	char why[256], until[32];

	int ok = 0;

	why[0] = '\0';
	if (state != NULL && now < state->skip_until) {
		snprintf(why, sizeof(why), "skipped until %s: unreachable (%s)",
			utc(until, state->skip_until), state->why);
		ecl__log(&store->logger, ECL_LOG_WARN, "alert channel %s skipped for \"%s\" until %s: "
			"it was unreachable (%s)", name, alert->type, until, state->why);
	} else {
		(void)ecl__curl_unreachable();   /* forget an earlier channel's transfer */
		ok = send(o, alert, now, why, sizeof(why)) == 0;
		if (ok && state != NULL) {
			state->skip_until = 0;
		} else if (!ok && state != NULL && ecl__curl_unreachable()) {
			state->skip_until = now + CHANNEL_BACKOFF_SECONDS;
			ecl__strlcpy(state->why, why, sizeof(state->why));
			ecl__log(&store->logger, ECL_LOG_WARN, "alert channel %s unreachable (%s): "
				"skipped until %s", name, why, utc(until, state->skip_until));
		}
	}
	note(r, name, ok, why);
}

static void send_channels(ecl_alert_result *r, ecl_store *store, const ecl_alert_options *o,
                          const ecl_alert *alert, int64_t now)
{
	if (o->smtp_host != NULL && o->mail_to != NULL)
		send_network(r, store, o, alert, now, CHANNEL_EMAIL, "email", ecl__alert_smtp_send);
	if (o->slack_webhook_url != NULL)
		send_network(r, store, o, alert, now, CHANNEL_SLACK, "slack", ecl__alert_slack_send);
	if (o->log_channel) {
		ecl__log(&store->logger, alert->severity == ECL_ALERT_CRITICAL ? ECL_LOG_ERROR : ECL_LOG_WARN,
			"ALERT [%s] %s", alert->type, alert->subject);
		note(r, "log", 1, NULL);
	}
	if (o->callback != NULL) {
		o->callback(alert, o->callback_payload);
		note(r, "callback", 1, NULL);
	}
}

static int in_cooldown(int *yes, ecl_store *store, const ecl_alert *alert, int cooldown, int64_t now)
{
	int64_t last = ECL_TIME_NONE;
	int rc = 0;

	*yes = 0;
	if (alert->key != NULL && cooldown > 0)
		rc = ECL__BACKEND(store, alert_last, alert->key, &last);
	if (rc == 0 && last != ECL_TIME_NONE && now - last < cooldown)
		*yes = 1;
	return rc;
}

static int record(ecl_store *store, const ecl_alert *alert, const ecl_alert_result *r, int64_t now)
{
	ecl_alert_record rec;
	char failed[64] = "";
	size_t used = 0;

	if (strstr(r->detail, "email:") != NULL)
		used += (size_t)snprintf(failed + used, sizeof(failed) - used, "email");
	if (strstr(r->detail, "slack:") != NULL)
		snprintf(failed + used, sizeof(failed) - used, "%sslack", used ? "," : "");
	memset(&rec, 0, sizeof(rec));
	rec.alert_key = alert->key;
	rec.alert_type = alert->type;
	rec.severity = ecl_alert_severity_name(alert->severity);
	rec.subject = alert->subject;
	rec.body = alert->body;
	rec.channels_ok = r->accepted;
	rec.channels_failed = failed;
	rec.failure_detail = r->detail[0] ? r->detail : NULL;
	rec.suppressed = r->suppressed;
	rec.created_at = now;
	return ECL__BACKEND(store, alert_record, &rec);
}

static int check_alert(const ecl_alert *a)
{
	if (a->type == NULL || *a->type == '\0' || a->subject == NULL || a->body == NULL)
		return ecl_error_set(ECL_EINVALID, "an alert needs a type, a subject and a body");
	if (ecl_alert_severity_name(a->severity) == NULL)
		return ecl_error_set(ECL_EINVALID, "unknown alert severity %d", (int)a->severity);
	return 0;
}

/* Alerting reads and writes the `alerts` table (its cooldown and history). */
static int require_alerting(ecl_store *store)
{
	return ecl__store_require(store, ECL__BACKEND_HAS(store, alert_last)
		&& ECL__BACKEND_HAS(store, alert_record), "alerting");
}

int ecl_alert_send(ecl_alert_result *result, ecl_store *store, const ecl_alert *alert)
{
	ecl_alert_result ignored;
	const ecl_alert_options *o;
	int64_t now;
	int rc;

	if (result == NULL)
		result = &ignored;
	memset(result, 0, sizeof(*result));
	if (store == NULL || alert == NULL)
		return ecl_error_set(ECL_EINVALID, "store or alert is NULL");
	if ((rc = check_alert(alert)) != 0 || (rc = require_alerting(store)) != 0)
		return rc;
	o = store->alerting ? &store->alerting->opts : &default_options;
	now = ecl_store_now(store);
	rc = in_cooldown(&result->suppressed, store, alert, o->cooldown_seconds, now);
	if (rc == 0 && !result->suppressed)
		send_channels(result, store, o, alert, now);
	if (rc == 0)
		rc = record(store, alert, result, now);
	if (rc == 0 && result->channels_ok == 0 && result->channels_failed > 0)
		rc = ecl_error_set(ECL_EIO, "alert \"%s\" was not delivered: %s", alert->subject,
			result->detail);
	return rc;
}
