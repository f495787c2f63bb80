#!/bin/sh
# Hook for Paddle Billing payments (the endpoint "paddle", commented out in
# the hookbox.conf that install.sh writes until you paste the notification
# destination's secret key; event type "transaction.completed"). hookbox
# runs it in this folder once per event, after Paddle has had its answer,
# and retries it until it exits 0.
#
# stdin: the notification exactly as Paddle sent it, JSON, e.g.
#   {"event_id":"evt_01jhookboxtestevent000000001","event_type":"transaction.completed",
#    "occurred_at":"2026-12-07T04:59:58.366122Z","notification_id":"ntf_01jhookboxtestnotif000000001",
#    "data":{"id":"txn_01h8dzxgkvdwemdhbpcapj2tbj","status":"completed",
#      "customer_id":"ctm_01h8441jn5pcwrfhwh78jqt8hk","currency_code":"USD",
#      "items":[{"price":{"id":"pri_01gsz8x8sawmvhz1pv30nge1ke",…},"quantity":10}],
#      "details":{"totals":{"total":"32700","currency_code":"USD",…}},…}}
# environment: HOOKBOX_EVENT_TYPE is "event_type" (transaction.completed,
# subscription.created, …); HOOKBOX_RESOURCE_ID is data.id (txn_…, sub_…).
# Amounts are strings in the currency's smallest unit ("32700" = 327.00).
# Webhooks: https://developer.paddle.com/webhooks/notification-destinations
#
# As shipped it keeps each event as ../orders/paddle-<event id>.json.
# Put your own handling here, or point the hook at a program of your own.
# Exit 0 when done, 65 to give up on this event for good; anything else is
# retried later.
exec ./save-order.sh
