/*
 * alerting.c - the store's alert channels from the configuration, for every
 * command that can raise alerts (monitor, worker, aggregate, alert-test).
 *
 * Without this a store alerts through its log only; with it, also by email
 * (MAIL_HOST and ADMIN_EMAIL) and Slack (SLACK_WEBHOOK_URL), with the
 * cooldown ECLECTYC_ALERT_COOLDOWN_SECONDS. A bad value (MAIL_PORT=abc,
 * MAIL_ENCRYPTION=starttls, a webhook that is not http(s)) is an operational
 * error naming the key, before anything runs: an operator who configured
 * alerts wants to hear at once that they cannot go out. The library's
 * messages never carry a password or the webhook URL.
 */
#include "cli.h"

int cli_configure_alerting(cli_session *session)
{
	ecl_alert_options opts;
	int rc = ecl_alert_options_from_config(&opts, session->config);

	if (rc == 0)
		rc = ecl_store_set_alerting(session->store, &opts);
	if (rc < 0)
		return cli_fail(rc);
	return CLI_CONTINUE;
}
