/**
 * @file eclectyc/alert.h
 * @brief Alerts by email (SMTP), Slack webhook, the log and a host callback.
 *
 * A store raises alerts through the channels configured on it with
 * ecl_store_set_alerting(): a job that failed for good (once per job), an
 * aggregation run that failed or was partial, and the monitor's conditions
 * (stuck jobs, failure rate, backlog). Condition alerts carry a key and are
 * held back while an alert with the same key was sent within the cooldown.
 * Every alert is recorded in the `alerts` table with the channels that
 * accepted it and those that failed. Network channels always have a
 * timeout, so a dead mail server or webhook never blocks a worker for
 * longer than that; a password never reaches a log, an error message or
 * the `alerts` table.
 */
#ifndef ECLECTYC_ALERT_H
#define ECLECTYC_ALERT_H

#include "common.h"
#include "config.h"
#include "store.h"

ECL_BEGIN_DECL

/** How bad an alert is (Slack colour: warning → "warning", critical → "danger"). */
typedef enum ecl_alert_severity {
	ECL_ALERT_INFO = 0,
	ECL_ALERT_WARNING = 1,
	ECL_ALERT_CRITICAL = 2
} ecl_alert_severity;

/** "info", "warning", "critical"; NULL for another value. */
ECL_EXTERN const char *ecl_alert_severity_name(ecl_alert_severity severity);
/** Parse a severity name. @return 0 or ECL_EINVALID naming the text */
ECL_EXTERN int ecl_alert_severity_parse(ecl_alert_severity *out, const char *name);

/** One alert. */
typedef struct ecl_alert {
	const char *type;             /**< e.g. "job_failed", "stuck_jobs", "aggregation_failed" */
	ecl_alert_severity severity;
	const char *subject;          /**< one line */
	const char *body;             /**< plain text */
	const char *key;              /**< cooldown key; NULL = no cooldown */
} ecl_alert;

/** A host channel: called with every alert that is sent. */
typedef void (*ecl_alert_cb)(const ecl_alert *alert, void *payload);

/** Where alerts go. Fields are only ever appended. */
typedef struct ecl_alert_options {
	unsigned int version;          /**< ECL_ALERT_OPTIONS_VERSION */
	/* Email over SMTP; off while smtp_host or mail_to is NULL. */
	const char *smtp_host;
	int smtp_port;                 /**< default 587 */
	const char *smtp_encryption;   /**< "tls" (STARTTLS, required), "ssl" (SMTPS) or "none" */
	const char *smtp_username;     /**< authenticate only when set */
	const char *smtp_password;
	const char *mail_from;         /**< address; default noreply@eclectyc.energy */
	const char *mail_from_name;    /**< default "Eclectyc Energy" */
	const char *mail_to;           /**< recipient (ADMIN_EMAIL) */
	/* Slack incoming webhook; off while NULL. */
	const char *slack_webhook_url;
	int timeout_ms;                /**< per network channel (default 10000) */
	int cooldown_seconds;          /**< for keyed alerts (default 3600) */
	int log_channel;               /**< also write each alert to the store's log (default 1) */
	ecl_alert_cb callback;         /**< host channel, or NULL */
	void *callback_payload;
} ecl_alert_options;

#define ECL_ALERT_OPTIONS_VERSION 1
#define ECL_ALERT_OPTIONS_INIT \
	{ ECL_ALERT_OPTIONS_VERSION, NULL, 587, "tls", NULL, NULL, NULL, NULL, NULL, NULL, \
	  10000, 3600, 1, NULL, NULL }

/** Initialise alert options to the defaults. @return 0 or ECL_EINVALID */
ECL_EXTERN int ecl_alert_options_init(ecl_alert_options *opts, unsigned int version);

/**
 * Fill alert options from configuration: MAIL_HOST, MAIL_PORT,
 * MAIL_ENCRYPTION, MAIL_USERNAME, MAIL_PASSWORD, MAIL_FROM_ADDRESS,
 * MAIL_FROM_NAME, ADMIN_EMAIL, SLACK_WEBHOOK_URL and
 * ECLECTYC_ALERT_COOLDOWN_SECONDS. The strings are borrowed from `config`,
 * which must outlive their use (ecl_store_set_alerting() copies them).
 * Unlike the other *_options_from_config() functions it starts from the
 * defaults (ecl_alert_options_init()): set the callback afterwards.
 *
 * @return 0; ECL_EINVALID naming a bad MAIL_PORT, MAIL_ENCRYPTION or cooldown
 */
ECL_EXTERN int ecl_alert_options_from_config(ecl_alert_options *opts, const ecl_config *config);

/**
 * Set the channels the store raises alerts through (a copy is kept).
 * Until this is called only the log channel is used.
 *
 * @return 0, ECL_EINVALID (bad version, port, encryption or URL), ECL_ENOMEM
 */
ECL_EXTERN int ecl_store_set_alerting(ecl_store *store, const ecl_alert_options *opts);

/** What one channel did with an alert. Frozen per SONAME (in an array; docs/conventions.md). */
typedef struct ecl_alert_channel {
	char name[16];             /**< "email", "slack", "log" or "callback" */
	int ok;                    /**< 1 when it accepted the alert */
	char reason[240];          /**< why it failed ("" when ok); never a secret */
} ecl_alert_channel;

#define ECL_ALERT_CHANNELS_MAX 4

/** What happened to one alert. */
typedef struct ecl_alert_result {
	int suppressed;            /**< held back by the cooldown: nothing was sent */
	int channels_ok;           /**< channels that accepted it */
	int channels_failed;       /**< channels that failed (each named in `detail`) */
	char accepted[64];         /**< e.g. "email,slack,log" */
	char detail[512];          /**< e.g. "slack: HTTP 500; email: timed out after 2000 ms" */
	ecl_alert_channel channels[ECL_ALERT_CHANNELS_MAX];  /**< each channel tried, in order */
	size_t channel_count;
} ecl_alert_result;

/**
 * Send an alert through every configured channel, unless a keyed alert is
 * in its cooldown, and record it in the `alerts` table.
 *
 * @param result may be NULL
 * @return 0 when it was sent through at least one channel or suppressed;
 *         ECL_EIO when every channel failed (the result says why);
 *         ECL_EINVALID, ECL_ESCHEMA, ECL_EDB
 */
ECL_EXTERN int ecl_alert_send(ecl_alert_result *result, ecl_store *store, const ecl_alert *alert);

/**
 * Set `out` to the result as one JSON object: suppressed, channels_ok,
 * channels_failed, channels [{name, ok, reason}].
 *
 * @return 0, ECL_EINVALID or ECL_ENOMEM
 */
ECL_EXTERN int ecl_alert_result_to_json(ecl_buf *out, const ecl_alert_result *result);

ECL_END_DECL

#endif
