/*
 * The network channels of alerting, each one libcurl transfer with explicit
 * connect and total timeouts. They share one contract: send `alert` now,
 * return 0 or ECL_EIO with a short reason in `why` ("HTTP 500", "timed out
 * after 2000 ms", "connection refused", "server said: 535 …"), never
 * containing a password or the webhook's secret path.
 */
#ifndef ECL_ALERT_CHANNELS_H
#define ECL_ALERT_CHANNELS_H

#include <stddef.h>
#include <stdint.h>

#include "eclectyc/alert.h"

/*
 * Email over SMTP: smtp://host:port with STARTTLS required for "tls",
 * smtps:// for "ssl", plain for "none"; AUTH only when a username is set.
 * Headers: Date (RFC 5322, from `now`), Message-ID (random, @ the sender's
 * domain), From "name <address>", To, Subject (RFC 2047 encoded when not
 * ASCII), MIME-Version, Content-Type text/plain; charset=UTF-8,
 * Content-Transfer-Encoding 8bit. The body's lines are CRLF-terminated and
 * dot-stuffed by libcurl.
 */
int ecl__alert_smtp_send(const ecl_alert_options *opts, const ecl_alert *alert, int64_t now,
                         char *why, size_t why_size);

/*
 * Slack incoming webhook: POST application/json
 *   {"attachments":[{"color": "danger"|"warning"|"good", "title": subject,
 *    "text": body, "footer": "Eclectyc Energy Import System", "ts": now}]}
 * Success is HTTP 2xx.
 */
int ecl__alert_slack_send(const ecl_alert_options *opts, const ecl_alert *alert, int64_t now,
                          char *why, size_t why_size);

/* curl_global_init() once per process, thread-safe; 0 or ECL_EIO. */
int ecl__curl_global(void);

#endif
