#!/bin/sh
# Hook for Square payments (the endpoint "square", commented out in the
# hookbox.conf that install.sh writes until you paste the subscription's
# signature key and notification URL; event types "payment.*":
# payment.created, payment.updated). hookbox runs it in this folder once
# per event, after Square has had its answer, and retries it until it
# exits 0.
#
# stdin: the event exactly as Square sent it, JSON, e.g.
#   {"merchant_id":"6SSW7HV8K2ST5","type":"payment.updated",
#    "event_id":"6a8f5f28-54a1-4eb0-a98a-3111513fd4fc","created_at":"2026-12-07T04:59:58.308Z",
#    "data":{"type":"payment","id":"KkAkhdMsgzn59SM8A89WgKwekxLZY",
#      "object":{"payment":{"id":"KkAkhdMsgzn59SM8A89WgKwekxLZY","status":"COMPLETED",
#        "amount_money":{"amount":100,"currency":"USD"},
#        "order_id":"03O3USaPaAaFnI6kkwB1JxGgBsUZY",…}}}}
# environment: HOOKBOX_EVENT_TYPE is "type"; HOOKBOX_RESOURCE_ID is data.id
# (the payment's id). One payment sends several payment.updated events as
# its status moves (APPROVED, COMPLETED, …): each is its own event, and
# hookbox runs them one at a time, in the order they came.
# Events: https://developer.squareup.com/reference/square/webhooks/payment.updated
#
# As shipped it keeps each event as ../orders/square-<event id>.json.
# Put your own handling here, or point the hook at a program of your own.
# Exit 0 when done, 65 to give up on this event for good; anything else is
# retried later.
exec ./save-order.sh
