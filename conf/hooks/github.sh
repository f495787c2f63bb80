#!/bin/sh
# Hook for GitHub events (the endpoint "github", commented out in the
# hookbox.conf that install.sh writes until you paste the webhook's secret;
# every event type: "*"). hookbox runs it in this folder once per event,
# after GitHub has had its answer, and retries it until it exits 0.
#
# stdin: the event exactly as GitHub sent it, JSON (choose the content type
# application/json in GitHub), e.g. for a push:
#   {"ref":"refs/heads/main","before":"6113728f…","after":"0d1a26e6…",
#    "repository":{"full_name":"Codertocat/Hello-World",…},
#    "pusher":{"name":"Codertocat",…},
#    "head_commit":{"id":"0d1a26e67d8f…","message":"Update README.md",…},…}
# environment: HOOKBOX_EVENT_TYPE is the event's name (GitHub's
# X-GitHub-Event: push, ping, release, …; `hookbox list` shows what
# arrived). GitHub sends "ping" once, when the webhook is created.
# Events: https://docs.github.com/en/webhooks/webhook-events-and-payloads
#
# As shipped it answers the ping with a line in `hookbox show ID` and keeps
# every other event as ../orders/github-<event id>.json. To deploy on a
# push, say, put that here (a hook is stopped after its "timeout", 30 s by
# default). Exit 0 when done, 65 to give up on this event for good;
# anything else is retried later.
set -eu
case $HOOKBOX_EVENT_TYPE in
ping | ping.*)
	echo "GitHub's ping: the webhook reaches hookbox"
	exit 0
	;;
esac
exec ./save-order.sh
