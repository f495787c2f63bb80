#!/bin/sh
# Hook for Stripe payments (the endpoint "stripe", commented out in the
# hookbox.conf that install.sh writes until you paste the endpoint's
# whsec_… signing secret; event types "payment_intent.*" and
# "checkout.session.*"). hookbox runs it in this folder once per event,
# after Stripe has had its answer, and retries it until it exits 0.
#
# stdin: the event exactly as Stripe sent it, JSON, e.g.
#   {"id":"evt_3QhookboxTestEvt01","object":"event","type":"payment_intent.succeeded",
#    "data":{"object":{"id":"pi_3QhookboxTestPi0001","object":"payment_intent",
#      "amount":2000,"amount_received":2000,"currency":"usd","status":"succeeded",
#      "metadata":{"order_id":"6735"},…}},"livemode":false,…}
# environment: HOOKBOX_EVENT_TYPE is "type" (payment_intent.succeeded,
# checkout.session.completed, …); HOOKBOX_RESOURCE_ID is data.object.id
# (pi_…, cs_…). Amounts are in the currency's smallest unit (2000 = 20.00).
# Webhooks: https://docs.stripe.com/webhooks
#
# As shipped it keeps each completed payment as
# ../orders/stripe-<event id>.json and only notes the other events.
# Exit 0 when done, 65 to give up on this event for good; anything else is
# retried later.
set -eu
case $HOOKBOX_EVENT_TYPE in
payment_intent.succeeded | checkout.session.completed)
	exec ./save-order.sh
	;;
esac
echo "$HOOKBOX_EVENT_TYPE $HOOKBOX_RESOURCE_ID: nothing to do"
